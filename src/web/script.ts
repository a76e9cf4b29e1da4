/**
 * The pages' only script, served at `SCRIPT_PATH` (CSP `script-src 'self'`: no inline script,
 * no handler attribute). Everything it does has a way without it:
 * - copy buttons (`button[data-copy=ID]`, hidden until this script shows them) put the text of
 *   element ID on the clipboard; without JavaScript the text is selectable as always;
 * - forms marked `data-confirm="question"` ask before they are sent and then send
 *   `confirmed=yes`; without JavaScript the server answers the unconfirmed post with a page
 *   that asks the same question, so nothing destructive happens in one click either way.
 */
export const SCRIPT_PATH = '/static/roleport.js';

export const script = `'use strict';
(function () {
  var live = document.getElementById('live-status');
  function say(text) { if (live) { live.textContent = ''; window.setTimeout(function () { live.textContent = text; }, 50); } }

  function selectText(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  document.querySelectorAll('button[data-copy]').forEach(function (button) {
    var target = document.getElementById(button.getAttribute('data-copy'));
    if (!target) return;
    var label = button.textContent;
    button.hidden = false;
    button.addEventListener('click', function () {
      var text = target.textContent;
      var done = function (message) {
        button.textContent = message;
        say(message === 'Copied' ? 'Copied to the clipboard.' : 'Selected: press Ctrl+C or Cmd+C to copy.');
        window.setTimeout(function () { button.textContent = label; }, 2000);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(function () { done('Copied'); }, function () { selectText(target); done('Selected'); });
      } else {
        selectText(target);
        done('Selected');
      }
    });
  });

  document.querySelectorAll('form[data-confirm]').forEach(function (form) {
    form.addEventListener('submit', function (event) {
      if (form.querySelector('input[name="confirmed"]')) return;
      if (!window.confirm(form.getAttribute('data-confirm'))) {
        event.preventDefault();
        return;
      }
      var confirmed = document.createElement('input');
      confirmed.type = 'hidden';
      confirmed.name = 'confirmed';
      confirmed.value = 'yes';
      form.appendChild(confirmed);
    });
  });
})();
`;
