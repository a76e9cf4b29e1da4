import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StsError, toStsError } from '../iam/index.ts';
import { isoSeconds } from '../core/index.ts';
import { escapeXml, renderError, renderResult } from './xml.ts';

test('results nest in Action Response/Result with ResponseMetadata, leaving out undefined elements', () => {
  const xml = renderResult('GetCallerIdentity', { Arn: 'arn:aws:sts::1:assumed-role/R/s', UserId: 'AROA:s', Account: '1', SourceIdentity: undefined }, 'req-1');
  assert.equal(
    xml,
    '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:sts::1:assumed-role/R/s</Arn><UserId>AROA:s</UserId><Account>1</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></GetCallerIdentityResponse>\n',
  );
});

test('errors render as AWS ErrorResponse; 5xx are Receiver faults with no internals', () => {
  assert.equal(
    renderError(new StsError('AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity'), 'r'),
    '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>Not authorized to perform sts:AssumeRoleWithWebIdentity</Message></Error><RequestId>r</RequestId></ErrorResponse>\n',
  );
  const internal = toStsError(new Error('database password is hunter2'));
  assert.equal(internal.awsCode, 'InternalFailure');
  assert.equal(internal.status, 500);
  assert.doesNotMatch(renderError(internal, 'r'), /hunter2/);
  assert.match(renderError(internal, 'r'), /<Type>Receiver<\/Type><Code>InternalFailure<\/Code>/);
});

test('text is escaped, and characters XML cannot carry are replaced', () => {
  assert.equal(escapeXml(`<a href="x">&'`), '&lt;a href=&quot;x&quot;&gt;&amp;&apos;');
  assert.equal(escapeXml('a\u0000b\u001fc\uD800d😀'), 'a\uFFFDb\uFFFDc\uFFFDd😀');
  // Each on its own, as the one-scan check before the replacements sees them.
  assert.equal(escapeXml('😀'), '😀', 'a pair of surrogates is kept');
  assert.equal(escapeXml('\uDC00x'), '\uFFFDx', 'a lone low surrogate');
  assert.equal(escapeXml('x\uD83D'), 'x\uFFFD', 'a lone high surrogate at the end');
  assert.equal(escapeXml('\uFFFE\uFFFF'), '\uFFFD\uFFFD');
  assert.equal(escapeXml('\t\n\r'), '\t\n\r', 'tab, line feed and carriage return are XML');
  assert.equal(escapeXml('ASIA2345ABCDEFGH/+='), 'ASIA2345ABCDEFGH/+=');
});

test('Expiration is ISO 8601 in whole seconds', () => {
  assert.equal(isoSeconds(Date.UTC(2026, 0, 2, 3, 4, 5, 678)), '2026-01-02T03:04:05Z');
});
