import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { redactUrlForLog } from './logger.ts';

describe('request URLs in logs', () => {
  for (const [url, logged] of [
    ['/auth/callback?code=abc123&state=xyz&iss=https%3A%2F%2Fidp', '/auth/callback?code=[redacted]&state=[redacted]&iss=https%3A%2F%2Fidp'],
    ['/__oauth__/integrations/callback?code=c&state=s', '/__oauth__/integrations/callback?code=[redacted]&state=[redacted]'],
    ['/__roleport/handoff/g?code=c&state=s', '/__roleport/handoff/g?code=[redacted]&state=[redacted]'],
    ['/?Action=AssumeRoleWithWebIdentity&WebIdentityToken=eyJ.x.y&RoleArn=arn', '/?Action=AssumeRoleWithWebIdentity&WebIdentityToken=[redacted]&RoleArn=arn'],
    ['/x?X-Amz-Security-Token=t&X-Amz-Signature=s&a=1', '/x?X-Amz-Security-Token=[redacted]&X-Amz-Signature=[redacted]&a=1'],
    ['/cli/login?redirect_uri=http%3A%2F%2F127.0.0.1%3A5%2Fcallback&code_challenge=c&user_code=BCDF-GHJK', '/cli/login?redirect_uri=http%3A%2F%2F127.0.0.1%3A5%2Fcallback&code_challenge=[redacted]&user_code=[redacted]'],
    ['/x?%63ode=encoded-name', '/x?%63ode=[redacted]'],
    ['/sessions?user=alice&state=active', '/sessions?user=alice&state=[redacted]'],
    ['/sessions', '/sessions'],
    ['/x?flag&code', '/x?flag&code'],
  ] as const) {
    test(`${url} → ${logged}`, () => assert.equal(redactUrlForLog(url), logged));
  }
});
