import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeHtml, html, trustedHtml } from './html.ts';
import { renderErrorPage, renderHomePage } from './pages.ts';

describe('html', () => {
  it('escapes every interpolated value unless it is SafeHtml', () => {
    const name = '<img src=x onerror="alert(1)">';
    assert.equal(html`<p title="${name}">${name}</p>`.value, '<p title="&lt;img src=x onerror=&quot;alert(1)&quot;&gt;">&lt;img src=x onerror=&quot;alert(1)&quot;&gt;</p>');
    assert.equal(html`<div>${html`<b>${'&'}</b>`}</div>`.value, '<div><b>&amp;</b></div>');
    assert.equal(html`${trustedHtml('<hr>')}`.value, '<hr>');
    assert.equal(escapeHtml(`'`), '&#39;');
  });

  it('renders arrays item by item and nothing for null, undefined and false', () => {
    assert.equal(html`<ul>${['a', '<b>'].map((item) => html`<li>${item}</li>`)}</ul>`.value, '<ul><li>a</li><li>&lt;b&gt;</li></ul>');
    assert.equal(html`${null}${undefined}${false}${0}`.value, '0');
  });
});

describe('pages', () => {
  it('escapes what comes from the IdP on the home page and the error page', () => {
    const home = renderHomePage({
      page: { user: { username: '<u>', csrfToken: 't"k', admin: false }, path: '/' },
      profile: { username: '<u>', displayName: '<script>', email: null, groups: ['<g>'], roleSessionName: null },
      roles: [{ arn: 'arn:aws:iam::111111111111:role/<R>', source: 'claim' }],
      roleClaim: 'aws_role_arn',
    });
    assert.doesNotMatch(home.replace(/<script src="\/static\/roleport.js" defer><\/script>/, ''), /<script|<u>|<g>|<R>/);
    assert.match(home, /value="t&quot;k"/);
    const error = renderErrorPage({ user: undefined, path: '/' }, { status: 400, title: 'T', message: 'm', idpError: { error: '<e>', description: '<d>' }, retrySignIn: true });
    assert.match(error, /<code id="idp-error-code">&lt;e&gt;<\/code>/);
    assert.match(error, /&lt;d&gt;/);
  });

  it('has one main landmark, a skip link and a labelled navigation', () => {
    const page = renderErrorPage({ user: { username: 'alice', csrfToken: 't', admin: true }, path: '/admin/keys' }, { status: 502, title: 'Down', message: 'the IdP is down', retrySignIn: true });
    assert.equal(page.match(/<main/g)?.length, 1);
    assert.match(page, /<a class="skip" href="#main">/);
    assert.match(page, /<nav aria-label="Main" class="bar">/);
    assert.match(page, /<html lang="en">/);
    assert.match(page, /The IdP is down\./);
    assert.match(page, /Signed in as <strong id="current-user">alice<\/strong>/, 'error pages show who is signed in');
    assert.match(page, /<a href="\/admin\/keys" aria-current="page">Signing keys<\/a>/, 'an admin sees the admin pages');
    assert.match(page, /<script src="\/static\/roleport.js" defer><\/script>/);
    assert.doesNotMatch(page, /<script>|\son[a-z]+="/, 'no inline script, no handler attribute');
  });

  it('offers non-admins only their own pages, and visitors only sign-in', () => {
    const page = renderErrorPage({ user: { username: 'bob', csrfToken: 't', admin: false }, path: '/sessions/ses_abc' }, { status: 404, title: 'Page not found', message: 'no session', retrySignIn: false });
    assert.match(page, /<a href="\/sessions" aria-current="page">Your sessions<\/a>/);
    assert.doesNotMatch(page, /\/admin\//);
    const anonymous = renderErrorPage({ user: undefined, path: '/' }, { status: 400, title: 'Bad', message: 'bad', retrySignIn: true });
    assert.doesNotMatch(anonymous, /<nav/);
    assert.match(anonymous, /id="header-sign-in"/);
  });
});
