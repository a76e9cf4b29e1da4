import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/index.ts';
import { isRoleportError } from '../../src/core/index.ts';
import { createServices, type Services } from '../../src/services.ts';
import { testPostgres, type PostgresHandle } from '../helpers/postgres.ts';

const ISSUER = 'https://idp.example.test';
const ROLE_1 = 'arn:aws:iam::111111111111:role/One';
const ROLE_2 = 'arn:aws:iam::222222222222:role/Two';

/** The users service over both databases: the contract the CLI and sign-in rely on. */
for (const database of ['sqlite', 'postgres'] as const) {
  describe(`users and roles on ${database}`, () => {
    let dir: string;
    let postgres: PostgresHandle | undefined;
    let services: Services;

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'roleport-users-'));
      if (database === 'postgres') postgres = await testPostgres();
      services = await createServices(
        loadConfig({ env: {}, overrides: { issuer: 'https://broker.example.test', dataDir: dir, masterKey: randomBytes(32).toString('base64'), databaseUrl: postgres?.url } }),
      );
    });
    after(async () => {
      await services?.close();
      await postgres?.stop();
      await rm(dir, { recursive: true, force: true });
    });

    const signIn = (claims: Record<string, unknown>) => services.users.recordSignIn({ issuer: ISSUER, claims, kind: 'sign-in' });

    it('creates a user at the first role assignment and replaces the roles at the next', async () => {
      const created = await services.users.setRoleArns('dora', [ROLE_1, ROLE_2, ROLE_1], 'cli');
      assert.deepEqual(created.roles, [
        { arn: ROLE_1, source: 'cli' },
        { arn: ROLE_2, source: 'cli' },
      ]);
      assert.equal(created.subject, null);
      const replaced = await services.users.setRoleArns('dora', [ROLE_2], 'cli');
      assert.deepEqual(replaced.roles, [{ arn: ROLE_2, source: 'cli' }]);
      assert.equal(replaced.id, created.id);
      assert.deepEqual(await services.users.getRoles('dora'), [{ arn: ROLE_2, source: 'cli' }]);
      assert.deepEqual(await services.users.setRoleArns('dora', [], 'cli').then((user) => user.roles), []);
    });

    it('validates every ARN before changing anything', async () => {
      await services.users.setRoleArns('dora', [ROLE_1], 'cli');
      await assert.rejects(services.users.setRoleArns('dora', [ROLE_2, 'arn:aws:iam::2:role/Bad'], 'cli'), (error: unknown) => isRoleportError(error) && error.code === 'ERR_INPUT_INVALID');
      assert.deepEqual(await services.users.getRoles('dora'), [{ arn: ROLE_1, source: 'cli' }]);
      await assert.rejects(services.users.getRoles('nobody'), (error: unknown) => isRoleportError(error) && error.code === 'ERR_NOT_FOUND');
    });

    it('lets concurrent first assignments of one new user end with one user', async () => {
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => services.users.setRoleArns('racer', [i % 2 === 0 ? ROLE_1 : ROLE_2], 'cli')));
      assert.equal(new Set(results.map((user) => user.id)).size, 1);
      assert.equal((await services.users.list()).filter((user) => user.username === 'racer').length, 1);
    });

    it('binds a pre-assigned user to the first IdP identity and refuses another identity with the same name', async () => {
      const bound = await signIn({ sub: 'sub-dora', preferred_username: 'dora', aws_role_arn: ROLE_2 });
      assert.equal(bound.subject, 'sub-dora');
      assert.deepEqual(bound.roles, [{ arn: ROLE_2, source: 'claim' }]);
      const before = await services.repositories.users.findByUsername('dora');
      await assert.rejects(signIn({ sub: 'someone-else', preferred_username: 'dora', aws_role_arn: ROLE_1 }), (error: unknown) => isRoleportError(error) && error.code === 'ERR_SSO_ACCOUNT');
      assert.deepEqual(await services.repositories.users.findByUsername('dora'), before, 'the refused sign-in changed nothing');
    });

    it('follows the IdP subject when the username claim changes (no duplicate user)', async () => {
      const count = await services.repositories.users.count();
      const renamed = await signIn({ sub: 'sub-dora', preferred_username: 'dora.new', aws_role_arn: ROLE_1 });
      assert.equal(renamed.username, 'dora');
      assert.deepEqual(renamed.roles, [{ arn: ROLE_1, source: 'claim' }]);
      assert.equal(await services.repositories.users.count(), count);
    });

    it('keeps CLI roles when the claim is absent and lists users in name order', async () => {
      await services.users.setRoleArns('eve', [ROLE_1], 'cli');
      const eve = await signIn({ sub: 'sub-eve', preferred_username: 'eve' });
      assert.deepEqual(eve.roles, [{ arn: ROLE_1, source: 'cli' }]);
      const names = (await services.users.list()).map((user) => user.username);
      assert.deepEqual(names, [...names].sort());
    });

    it('unbinds a user from an IdP that changed its issuer, so the next sign-in from the new issuer binds them again', async () => {
      await signIn({ sub: 'sub-fay', preferred_username: 'fay', aws_role_arn: ROLE_1 });
      const moved = (claims: Record<string, unknown>) => services.users.recordSignIn({ issuer: 'https://new-idp.example.test', claims, kind: 'sign-in' });
      await assert.rejects(moved({ sub: 'sub-fay', preferred_username: 'fay' }), (error: unknown) => isRoleportError(error) && error.code === 'ERR_SSO_ACCOUNT');
      const unbound = await services.users.unbind('fay', 'cli');
      assert.equal(unbound.subject, null);
      assert.equal(unbound.idpIssuer, null);
      assert.deepEqual(unbound.roles, [{ arn: ROLE_1, source: 'claim' }], 'the roles stay');
      const rebound = await moved({ sub: 'sub-fay', preferred_username: 'fay' });
      assert.equal(rebound.idpIssuer, 'https://new-idp.example.test');
      assert.equal(rebound.id, unbound.id);
      await services.audit.flush();
      const [event] = await services.repositories.auditEvents.query({ userName: 'fay', type: 'user.unbound' });
      assert.deepEqual(event?.details, { issuer: ISSUER, subject: 'sub-fay' });
      await assert.rejects(services.users.unbind('nobody', 'cli'), (error: unknown) => isRoleportError(error) && error.code === 'ERR_NOT_FOUND');
    });

    it('deletes a user with their roles; signing in again creates them anew', async () => {
      const gus = await signIn({ sub: 'sub-gus', preferred_username: 'gus', aws_role_arn: [ROLE_1, ROLE_2] });
      const removed = await services.users.remove('gus', 'admin-alice');
      assert.equal(removed.id, gus.id);
      assert.equal(await services.users.findByUsername('gus'), undefined);
      await assert.rejects(services.users.getRoles('gus'), (error: unknown) => isRoleportError(error) && error.code === 'ERR_NOT_FOUND');
      const again = await signIn({ sub: 'sub-gus', preferred_username: 'gus' });
      assert.notEqual(again.id, gus.id);
      assert.deepEqual(again.roles, []);
      await services.audit.flush();
      const [event] = await services.repositories.auditEvents.query({ userName: 'gus', type: 'user.deleted' });
      assert.equal(event?.actor, 'admin-alice');
      await assert.rejects(services.users.remove('nobody', 'cli'), (error: unknown) => isRoleportError(error) && error.code === 'ERR_NOT_FOUND');
    });
  });
}
