import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIni, removeIniKeys, setIniSection } from './aws-ini.ts';

const CREDENTIALS = `# my keys — do not lose this comment
[default]
aws_access_key_id = AKIADEFAULT
aws_secret_access_key = secret-default

; a second profile, with odd spacing
[work]
aws_access_key_id=AKIAWORK
aws_secret_access_key   =   secret-work
  # indented comment that belongs to nothing

[other]
region = eu-west-1
`;

test('a new section is appended after a blank line; everything before stays byte for byte', () => {
  const result = setIniSection(CREDENTIALS, 'roleport', { aws_access_key_id: 'ASIANEW', aws_secret_access_key: 's', aws_session_token: 't' });
  assert.ok(result.startsWith(CREDENTIALS));
  assert.equal(result.slice(CREDENTIALS.length), '\n[roleport]\naws_access_key_id = ASIANEW\naws_secret_access_key = s\naws_session_token = t\n');
});

test('an existing section is edited in place: set keys replaced, new keys after the last key, the rest untouched', () => {
  const result = setIniSection(CREDENTIALS, 'work', { aws_secret_access_key: 'new-secret', aws_session_token: 'tok' });
  assert.equal(
    result,
    CREDENTIALS.replace('aws_secret_access_key   =   secret-work\n', 'aws_secret_access_key = new-secret\naws_session_token = tok\n'),
  );
  const parsed = parseIni(result);
  assert.equal(parsed.get('work')?.get('aws_access_key_id'), 'AKIAWORK');
  assert.equal(parsed.get('default')?.get('aws_secret_access_key'), 'secret-default');
});

test('keys can be removed (static keys that would shadow credential_process)', () => {
  const result = setIniSection(CREDENTIALS, 'work', {}, ['aws_access_key_id', 'aws_secret_access_key']);
  assert.equal(result, CREDENTIALS.replace('aws_access_key_id=AKIAWORK\naws_secret_access_key   =   secret-work\n', ''));
  assert.equal(removeIniKeys(CREDENTIALS, 'missing', ['x']), CREDENTIALS);
  assert.equal(removeIniKeys(CREDENTIALS, 'other', ['region']), CREDENTIALS.replace('region = eu-west-1\n', ''));
});

test('nested values (indented continuation lines) are replaced with their key', () => {
  const config = '[profile dev]\ns3 =\n  max_concurrent_requests = 10\n  multipart_threshold = 64MB\nregion = us-east-1\n\n[profile keep]\nregion = eu-north-1\n';
  const result = setIniSection(config, 'profile dev', { s3: 'off' });
  assert.equal(result, '[profile dev]\ns3 = off\nregion = us-east-1\n\n[profile keep]\nregion = eu-north-1\n');
});

test('CRLF files stay CRLF, a missing final newline stays missing, empty files get just the section', () => {
  const crlf = '[a]\r\nx = 1\r\n\r\n[b]\r\ny = 2';
  assert.equal(setIniSection(crlf, 'b', { z: '3' }), '[a]\r\nx = 1\r\n\r\n[b]\r\ny = 2\r\nz = 3');
  assert.equal(setIniSection(crlf, 'c', { z: '3' }), '[a]\r\nx = 1\r\n\r\n[b]\r\ny = 2\r\n\r\n[c]\r\nz = 3\r\n');
  assert.equal(setIniSection(crlf, 'a', { x: '9' }), '[a]\r\nx = 9\r\n\r\n[b]\r\ny = 2');
  assert.equal(setIniSection('', 'default', { region: 'us-east-1' }), '[default]\nregion = us-east-1\n');
});

test('a section with only comments gets its keys right after the header', () => {
  const text = '[profile p]\n# nothing here yet\n\n[profile q]\nregion = x\n';
  assert.equal(setIniSection(text, 'profile p', { region: 'y' }), '[profile p]\nregion = y\n# nothing here yet\n\n[profile q]\nregion = x\n');
});

test('names that would break the file are refused', () => {
  assert.throws(() => setIniSection('', 'bad]name', { a: 'b' }), TypeError);
  assert.throws(() => setIniSection('', 'ok', { 'bad key': 'b' }), TypeError);
  assert.throws(() => setIniSection('', 'ok', { key: 'line\nbreak' }), TypeError);
});
