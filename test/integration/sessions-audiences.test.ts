import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { RoleportError } from '../../src/core/index.ts';
import { startTestBroker, type TestBroker } from '../helpers/test-broker.ts';
import { DS, exchangeToken } from './sessions-fixtures.ts';

/**
 * Issue 10, item 3: the audiences a session may ask for come from `sessions.audiences`, and
 * the content audience (`integrations.contentTokenAudience`) is never among them — not even
 * when an admin lists it, since a session token with that audience could pass as published
 * content at the credentials exchange.
 */
describe('sessions.audiences with the content audience listed', () => {
  let broker: TestBroker;
  let credential: string;
  const admin = { name: 'test', admin: true };

  before(async () => {
    broker = await startTestBroker({ config: { sessions: { audiences: ['sts.amazonaws.com', 'https://vault.example.com', 'roleport-content'] } } });
    await broker.app.services.users.setRoleArns('alice', [DS], 'test');
    credential = (await broker.app.services.sessions.start({ userName: 'alice', roles: [DS], by: admin })).credential;
  });
  after(() => broker?.close());

  test('a listed audience is granted at /oauth/token', async () => {
    const issued = await exchangeToken(broker.url, credential, { audience: 'https://vault.example.com' });
    assert.equal(issued.status, 200, JSON.stringify(issued.body));
    assert.equal(decodeJwt(issued.body['access_token'] as string).aud, 'https://vault.example.com');
  });

  test('the content audience is invalid_target at /oauth/token and refused at session start, though listed', async () => {
    const refused = await exchangeToken(broker.url, credential, { audience: 'roleport-content' });
    assert.equal(refused.status, 400);
    assert.equal(refused.body['error'], 'invalid_target');
    assert.match(String(refused.body['error_description']), /sessions\.audiences: sts\.amazonaws\.com, https:\/\/vault\.example\.com\)/);
    await assert.rejects(
      broker.app.services.sessions.start({ userName: 'alice', roles: [DS], audience: 'roleport-content', by: admin }),
      (error: unknown) => error instanceof RoleportError && error.code === 'ERR_INPUT_INVALID' && /roleport-content/.test(error.message),
    );
  });
});
