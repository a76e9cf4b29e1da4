import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { loadConfig, type RoleportConfigInput } from '../../src/config/index.ts';
import { ManualClock } from '../../src/core/index.ts';
import { createServices, type Services } from '../../src/services.ts';
import { createDatabase, dropDatabase, testPostgres, type PostgresHandle } from '../helpers/postgres.ts';

/**
 * Several broker replicas on one PostgreSQL database: whatever they do at the same moment
 * (first start on an empty database, rotations, scheduled lifecycle steps), the database
 * ends with exactly one active key and every replica signs with it.
 */
describe('two brokers on one PostgreSQL database', () => {
  let server: PostgresHandle;
  let dir: string;
  const masterKey = randomBytes(32).toString('base64');
  const open: Services[] = [];

  before(async () => {
    server = await testPostgres();
    dir = await mkdtemp(join(tmpdir(), 'roleport-replicas-'));
  });
  after(async () => {
    await Promise.all(open.map((services) => services.close()));
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** A replica: its own data directory, the shared database and master key. */
  async function replica(databaseUrl: string, clock: ManualClock, name: string, config: Partial<RoleportConfigInput> = {}): Promise<Services> {
    const services = await createServices(
      loadConfig({ env: {}, overrides: { ...config, issuer: 'https://broker.example.test', dataDir: join(dir, name), databaseUrl, masterKey } }),
      { clock },
    );
    open.push(services);
    return services;
  }

  async function activeKids(services: Services): Promise<string[]> {
    return (await services.keys.list()).filter((k) => k.state === 'active').map((k) => k.kid);
  }

  test('concurrent first starts on an empty database create exactly one active key', async () => {
    for (let round = 0; round < 3; round++) {
      const url = await createDatabase(server.url);
      try {
        const clock = new ManualClock();
        const replicas = await Promise.all(['a', 'b', 'c'].map((name) => replica(url, clock, `first-${round}-${name}`, { keys: { algorithm: 'ES256' } })));
        const keys = await replicas[0]!.keys.list();
        assert.equal(keys.length, 1, `round ${round}: ${JSON.stringify(keys)}`);
        assert.equal(keys[0]!.state, 'active');
        for (const services of replicas) assert.equal(services.keys.signingKey().kid, keys[0]!.kid);
        await Promise.all(replicas.map((services) => services.close()));
      } finally {
        await dropDatabase(url);
      }
    }
  });

  test('rotating on both at once, again and again, ends with exactly one active key that both sign with', async () => {
    const url = await createDatabase(server.url);
    const clock = new ManualClock();
    const [one, two] = [await replica(url, clock, 'rot-1', { keys: { algorithm: 'ES256' } }), await replica(url, clock, 'rot-2', { keys: { algorithm: 'ES256' } })] as const;
    const issued: string[] = [];

    for (let round = 0; round < 4; round++) {
      clock.advance(1000);
      await Promise.all([one.keys.rotate({ immediate: true }), two.keys.rotate({ immediate: true }), one.keys.rotate({ immediate: true })]);
      const active = await activeKids(one);
      assert.equal(active.length, 1, `round ${round}: active keys ${active.join(', ')}`);
      await Promise.all([one.keys.refresh(), two.keys.refresh()]);
      assert.equal(one.keys.signingKey().kid, active[0]);
      assert.equal(two.keys.signingKey().kid, active[0]);
      issued.push((await two.mintToken({ subject: 'user:alice', audience: 'sts.amazonaws.com', actor: 'test' })).token);
    }

    // Three immediate rotations per round: the retired keys are still published, so every token verifies.
    const keys = await one.keys.list();
    assert.equal(keys.filter((k) => k.state === 'next').length, 0);
    assert.equal(keys.filter((k) => k.state === 'retired').length, 12);
    const jwks = createLocalJWKSet({ keys: [...one.keys.publishedKeys()] });
    for (const token of issued) await jwtVerify(token, jwks, { issuer: 'https://broker.example.test', currentDate: new Date(clock.now()) });
  });

  test('scheduled rotation and plain rotate racing on both create one next key, then one active key', async () => {
    const url = await createDatabase(server.url);
    const clock = new ManualClock();
    const config = { keys: { algorithm: 'ES256' as const, rotationIntervalSeconds: 3600, jwksCacheSeconds: 60 } };
    const one = await replica(url, clock, 'sched-1', config);
    const two = await replica(url, clock, 'sched-2', config);
    const first = one.keys.signingKey().kid;

    clock.advance(3600_000);
    await Promise.all([one.keys.refresh(), two.keys.refresh(), one.keys.rotate(), two.keys.rotate()]);
    let keys = await one.keys.list();
    assert.deepEqual(keys.map((k) => k.state).sort(), ['active', 'next'], JSON.stringify(keys));
    const next = keys.find((k) => k.state === 'next')!;
    assert.equal(next.activateAfter, clock.now() + 65_000, 'the JWKS cache time plus one check interval (5 s)');

    clock.advance(65_000);
    await Promise.all([one.keys.refresh(), two.keys.refresh(), one.keys.refresh(), two.keys.refresh()]);
    keys = await two.keys.list();
    assert.deepEqual(
      keys.map((k) => [k.kid, k.state]),
      [
        [first, 'retired'],
        [next.kid, 'active'],
      ],
    );
    assert.equal(one.keys.signingKey().kid, next.kid);
    assert.equal(two.keys.signingKey().kid, next.kid);
  });
});
