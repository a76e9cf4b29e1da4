import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from './logger.ts';
import { formatLogLine } from './log-format.ts';

test('a JSON log line becomes one line for a person: time, level, message, then the other fields', () => {
  const line = JSON.stringify({ level: 40, time: Date.parse('2026-01-01T12:34:56Z'), pid: 1, hostname: 'h', path: '/tmp/data dir/master.key', msg: 'generated a new master key' });
  assert.equal(formatLogLine(line), '12:34:56 WARN  generated a new master key (path="/tmp/data dir/master.key")');
  const error = JSON.stringify({ level: 50, time: 0, msg: 'page failed', err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at x' }, req: { method: 'GET', url: '/sessions' } });
  assert.equal(formatLogLine(error), '00:00:00 ERROR page failed (err="Error: boom" req=GET_/sessions)');
  assert.equal(formatLogLine('not json\n'), 'not json');
});

test('pretty logs are redacted as JSON logs are', () => {
  const lines: string[] = [];
  const logger = createLogger('info', { write: (text: string) => void lines.push(formatLogLine(text)) }, 'pretty');
  logger.info({ client: { client_secret: 'hunter2' }, req: { method: 'GET', url: '/auth/callback?code=abc&state=s' } }, 'signed in');
  assert.equal(lines.length, 1);
  assert.doesNotMatch(lines[0]!, /hunter2|code=abc/);
  assert.match(lines[0]!, /INFO  signed in \(client=\{"client_secret":"\[redacted\]"\}/);
});
