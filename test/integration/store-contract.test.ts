import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { sql } from 'kysely';
import { randomBytes } from 'node:crypto';
import type { AuditEvent } from '../../src/core/index.ts';
import { ManualClock, silentLogger } from '../../src/core/index.ts';
import {
  type NewStsCredentialRow,
  createAuditWriter,
  createRepositories,
  migrateToLatest,
  openDatabase,
  withLock,
  type NewSigningKeyRow,
  type Repositories,
  type StoreDatabase,
} from '../../src/store/index.ts';
import { createSealer } from '../../src/secrets/index.ts';
import { parseRoleArn } from '../../src/iam/index.ts';
import { createCredentialStore, type CredentialStorage } from '../../src/sts/index.ts';
import { testPostgres, type PostgresHandle } from '../helpers/postgres.ts';
import { stsCredentialRow } from '../helpers/store-rows.ts';

/**
 * The store's contract: every repository behaves the same on SQLite (node:sqlite) and on
 * PostgreSQL (pg). Each backend gets a fresh, migrated database.
 */
const backends = ['sqlite', 'postgres'] as const;

// Epoch milliseconds beyond 2^31 and 2^32: they must come back as the same JS numbers.
const T0 = Date.parse('2026-01-01T00:00:00Z');

function signingKey(kid: string, fields: Partial<NewSigningKeyRow> = {}): NewSigningKeyRow {
  return {
    kid,
    alg: 'RS256',
    state: 'next',
    public_jwk: JSON.stringify({ kty: 'RSA', kid }),
    private_key_sealed: `v1.sealed.${kid}`,
    created_at: T0,
    activate_after: T0 + 300_000,
    activated_at: null,
    retired_at: null,
    last_token_expires_at: 0,
    ...fields,
  };
}

function auditEvent(i: number, fields: Partial<AuditEvent> = {}): AuditEvent {
  return { type: 'token.minted', actor: 'test', occurredAt: T0 + i, jti: `jti-${i}`, kid: 'k1', subject: `user:${i}`, audience: 'sts.amazonaws.com', expiresAt: T0 + 3_600_000, ...fields };
}

for (const backend of backends) {
  describe(`store contract on ${backend}`, () => {
    let store: StoreDatabase;
    let repos: Repositories;
    let pg: PostgresHandle | undefined;
    let dir: string | undefined;

    before(async () => {
      if (backend === 'postgres') {
        pg = await testPostgres();
        store = openDatabase(pg.url);
      } else {
        dir = await mkdtemp(join(tmpdir(), 'roleport-store-'));
        store = openDatabase(`sqlite:${join(dir, 'data', 'roleport.sqlite')}`);
      }
      await migrateToLatest(store);
      repos = createRepositories(store);
    });

    after(async () => {
      await store?.close();
      await pg?.stop();
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    });

    test('opens the right dialect and migrations are idempotent', async () => {
      assert.equal(store.dialect, backend);
      await migrateToLatest(store);
      await migrateToLatest(store);
      const applied = await sql<{ name: string }>`select name from roleport_migrations order by name`.execute(store.db);
      assert.deepEqual(applied.rows.map((r) => r.name), ['0001-foundation', ...applied.rows.slice(1).map((r) => r.name)]);
      assert.equal(new Set(applied.rows.map((r) => r.name)).size, applied.rows.length, 'each migration recorded once');
    });

    test('signing keys: insert, list in creation order, activate, retire, extend expiry upward only, remove', async () => {
      await repos.signingKeys.insert(signingKey('key-b', { created_at: T0 + 2 }));
      await repos.signingKeys.insert(signingKey('key-a', { created_at: T0 + 1, state: 'active', activated_at: T0 + 1, activate_after: T0 + 1 }));
      await assert.rejects(repos.signingKeys.insert(signingKey('key-a')), 'kid is the primary key');

      let rows = await repos.signingKeys.list();
      assert.deepEqual(rows.map((r) => r.kid), ['key-a', 'key-b']);
      assert.deepEqual({ ...rows[1] }, signingKey('key-b', { created_at: T0 + 2 }), 'every column round-trips with its JS type');

      await repos.signingKeys.activate('key-b', T0 + 400_000);
      await repos.signingKeys.retire('key-a', T0 + 400_000, T0 + 400_000 + 43_500_000);
      rows = await repos.signingKeys.list();
      assert.deepEqual(
        rows.map((r) => [r.kid, r.state, r.activated_at, r.retired_at, r.last_token_expires_at]),
        [
          ['key-a', 'retired', T0 + 1, T0 + 400_000, T0 + 400_000 + 43_500_000],
          ['key-b', 'active', T0 + 400_000, null, 0],
        ],
      );

      await repos.signingKeys.extendLastTokenExpiry('key-b', T0 + 10_000);
      await repos.signingKeys.extendLastTokenExpiry('key-b', T0 + 5_000);
      assert.equal((await repos.signingKeys.list())[1]!.last_token_expires_at, T0 + 10_000, 'never lowered');

      await repos.signingKeys.remove('key-a');
      await repos.signingKeys.remove('key-b');
      assert.deepEqual(await repos.signingKeys.list(), []);
    });

    test('audit events: batches beyond one statement, filters, newest first, details as JSON', async () => {
      const events = Array.from({ length: 150 }, (_, i) => auditEvent(i, i % 50 === 0 ? { type: 'key.rotated', userName: 'alice', sessionId: 's-1', roleArn: 'arn:aws:iam::123456789012:role/r', details: { immediate: true, n: i } } : {}));
      await repos.auditEvents.insertMany(events);

      const all = await repos.auditEvents.query({ limit: 1000 });
      assert.equal(all.length, 150);
      assert.equal(all[0]!.jti, 'jti-149', 'newest first');
      assert.equal(all[149]!.occurredAt, T0);

      const rotated = await repos.auditEvents.query({ type: 'key.rotated' });
      assert.deepEqual(rotated.map((e) => e.jti), ['jti-100', 'jti-50', 'jti-0']);
      assert.deepEqual(rotated[0], {
        type: 'key.rotated',
        actor: 'test',
        occurredAt: T0 + 100,
        userName: 'alice',
        sessionId: 's-1',
        jti: 'jti-100',
        kid: 'k1',
        subject: 'user:100',
        audience: 'sts.amazonaws.com',
        roleArn: 'arn:aws:iam::123456789012:role/r',
        expiresAt: T0 + 3_600_000,
        details: { immediate: true, n: 100 },
      });
      assert.equal((await repos.auditEvents.query({ jti: 'jti-7' }))[0]?.subject, 'user:7');
      assert.equal((await repos.auditEvents.query({ userName: 'alice', sessionId: 's-1', roleArn: 'arn:aws:iam::123456789012:role/r' })).length, 3);
      assert.equal((await repos.auditEvents.query({ since: T0 + 140 })).length, 10);
      assert.equal((await repos.auditEvents.query({ limit: 5 })).length, 5);
      assert.deepEqual(await repos.auditEvents.query({ jti: 'missing' }), []);
    });

    test('audit pages: by id newest or oldest first, a type family by prefix (an underscore is no wildcard), a time range', async () => {
      const base = T0 + 10_000_000;
      const types = ['page.one', 'page.two', 'page_x.three', 'pageX.four'];
      await repos.auditEvents.insertMany(Array.from({ length: 40 }, (_, i) => ({ ...auditEvent(i), type: types[i % 4]!, occurredAt: base + i * 1000, userName: 'pager' })));
      const newest = await repos.auditEvents.page({ userName: 'pager', limit: 15, order: 'newest' });
      assert.equal(newest.length, 15);
      assert.ok(newest.every((e, i) => i === 0 || e.id < newest[i - 1]!.id), 'ids descending');
      const next = await repos.auditEvents.page({ userName: 'pager', limit: 100, order: 'newest', beforeId: newest.at(-1)!.id });
      assert.equal(next.length, 25, 'the rest, after the cursor');
      const oldest = await repos.auditEvents.page({ userName: 'pager', limit: 100, order: 'oldest', afterId: 0 });
      assert.deepEqual(oldest.map((e) => e.id), [...newest, ...next].map((e) => e.id).reverse());
      const family = await repos.auditEvents.page({ userName: 'pager', typePrefix: 'page.', limit: 100, order: 'oldest' });
      assert.deepEqual([...new Set(family.map((e) => e.type))].sort(), ['page.one', 'page.two']);
      const underscore = await repos.auditEvents.page({ userName: 'pager', typePrefix: 'page_', limit: 100, order: 'oldest' });
      assert.deepEqual([...new Set(underscore.map((e) => e.type))], ['page_x.three'], '`_` matches itself only');
      const exact = await repos.auditEvents.page({ userName: 'pager', type: 'pageX.four', limit: 100, order: 'oldest' });
      assert.equal(exact.length, 10);
      const ranged = await repos.auditEvents.page({ userName: 'pager', from: base + 5000, to: base + 9000, limit: 100, order: 'oldest' });
      assert.deepEqual(ranged.map((e) => e.occurredAt - base), [5000, 6000, 7000, 8000, 9000], 'both ends inclusive');
    });

    test('sts credentials: batches beyond one statement, a taken access key ID skipped and reported, expired rows purged', async () => {
      const row = (i: number, fields: Partial<NewStsCredentialRow> = {}): NewStsCredentialRow =>
        stsCredentialRow(`ASIATEST${String(i).padStart(12, '0')}`, { subject: `user:${i}`, issued_at: T0 + i, expires_at: T0 + 3_600_000 + i, ...fields });
      const first = await repos.stsCredentials.insertMany(Array.from({ length: 450 }, (_, i) => row(i)));
      assert.equal(first.size, 450, 'three statements of at most 200 rows');
      assert.equal(await repos.stsCredentials.count(), 450);

      // Rows 10 and 449 are taken (another replica won them): skipped, not a failed batch.
      const second = await repos.stsCredentials.insertMany([row(10, { subject: 'intruder' }), row(450), row(449, { subject: 'intruder' }), row(451)]);
      assert.deepEqual([...second].sort(), [row(450).access_key_id, row(451).access_key_id]);
      assert.equal((await repos.stsCredentials.find(row(10).access_key_id))?.subject, 'user:10', 'the first row stays');
      assert.deepEqual({ ...(await repos.stsCredentials.find(row(451).access_key_id)) }, row(451));

      // Two rows of one batch with the same ID: the first is stored (the credential store relies on it).
      const twins = await repos.stsCredentials.insertMany([row(452, { subject: 'first' }), row(452, { subject: 'second' })]);
      assert.deepEqual([...twins], [row(452).access_key_id]);
      assert.equal((await repos.stsCredentials.find(row(452).access_key_id))?.subject, 'first');

      assert.equal(await repos.stsCredentials.purgeExpired(T0 + 3_600_000 + 100), 100);
      assert.equal(await repos.stsCredentials.count(), 353);
    });

    test('the credential store draws a new access key ID when a replica took its first one; only the credentials issued are audited', async () => {
      const clock = new ManualClock(T0);
      const sealer = createSealer(randomBytes(32));
      const writer = createAuditWriter({ repository: repos.auditEvents, logger: silentLogger });
      let raced: string | undefined;
      const racing: CredentialStorage = {
        async insertWithEvent(row, event) {
          if (raced === undefined) {
            raced = row.access_key_id;
            // Another broker commits the same access key ID first.
            await repos.stsCredentials.insertMany([{ ...row, subject: 'other-replica' }]);
          }
          return writer.commitWith(event, { table: repos.stsCredentials.asCompanion, row });
        },
        find: (accessKeyId) => repos.stsCredentials.find(accessKeyId),
        purgeExpired: (before) => repos.stsCredentials.purgeExpired(before),
      };
      const credentials = createCredentialStore({ storage: racing, sealer, clock });
      const issued = await credentials.issue(
        {
          role: { arn: parseRoleArn('arn:aws:iam::123456789012:role/Racer')! },
          sessionName: 'race',
          durationSeconds: 900,
          sourceIdentity: undefined,
          subject: 'user:alice',
          provider: undefined,
          audience: undefined,
          sessionTags: {},
          transitiveTagKeys: [],
          chained: false,
          parentAccessKeyId: undefined,
        },
        (credential) => ({ type: 'sts.role_assumed', actor: 'user:alice', occurredAt: T0, details: { accessKeyId: credential.accessKeyId } }),
      );
      await writer.close();
      assert.ok(raced !== undefined && raced !== issued.accessKeyId, 'the first ID was taken, the second drawn');
      const record = await credentials.find(issued.accessKeyId);
      assert.equal(record?.caller.arn, 'arn:aws:sts::123456789012:assumed-role/Racer/race');
      assert.deepEqual(record?.signingSecret, { kind: 'secret', secretAccessKey: issued.secretAccessKey }, 'the secret returned is the one stored');
      assert.equal((await repos.stsCredentials.find(issued.accessKeyId))?.subject, 'user:alice');
      assert.equal((await repos.stsCredentials.find(raced))?.subject, 'other-replica', "the replica's row stays");
      const audited = (await repos.auditEvents.query({ type: 'sts.role_assumed' })).map((event) => event.details?.['accessKeyId']);
      assert.deepEqual(audited, [issued.accessKeyId], 'the declined draw left no audit row');
    });

    test('companion rows commit with their audit rows in one transaction, or neither does', async () => {
      const writer = createAuditWriter({ repository: repos.auditEvents, logger: silentLogger });
      const companion = (id: string, subject: string) => ({ table: repos.stsCredentials.asCompanion, row: stsCredentialRow(id, { subject }) });
      const assumed = (id: string): AuditEvent => ({ type: 'sts.role_assumed', actor: 'test', occurredAt: T0, jti: `companion-${id}`, details: { accessKeyId: id } });
      const audited = async (id: string): Promise<number> => (await repos.auditEvents.query({ jti: `companion-${id}` })).length;

      // One group commit: a plain event, three companions, one of them the twin of another.
      const results = await Promise.all([
        writer.commit(auditEvent(900, { jti: 'companion-plain' })).then(() => 'plain'),
        writer.commitWith(assumed('ASIACOMPANION00001'), companion('ASIACOMPANION00001', 'first')),
        writer.commitWith(assumed('ASIACOMPANION00002'), companion('ASIACOMPANION00002', 'second')),
        writer.commitWith({ ...assumed('ASIACOMPANION00001'), jti: 'companion-twin' }, companion('ASIACOMPANION00001', 'twin')),
      ]);
      assert.deepEqual(results, ['plain', true, true, false], 'the twin was declined');
      assert.equal((await repos.stsCredentials.find('ASIACOMPANION00001'))?.subject, 'first');
      assert.equal((await repos.stsCredentials.find('ASIACOMPANION00002'))?.subject, 'second');
      assert.deepEqual([await audited('ASIACOMPANION00001'), await audited('ASIACOMPANION00002'), (await repos.auditEvents.query({ jti: 'companion-twin' })).length, (await repos.auditEvents.query({ jti: 'companion-plain' })).length], [1, 1, 0, 1]);

      // An audit row the database refuses takes its companion with it (same transaction).
      // Text is cut to fit its column, so the refusal comes from occurred_at's NOT NULL.
      const refused = writer.commitWith({ ...assumed('ASIACOMPANION00003'), occurredAt: null as unknown as number }, companion('ASIACOMPANION00003', 'refused'));
      await assert.rejects(refused, /refused this event; nothing was issued/);
      assert.equal(await repos.stsCredentials.find('ASIACOMPANION00003'), undefined, 'no credentials without their audit row');
      await writer.close();
    });

    test('cloud counterparts: gcp providers, service accounts and azure federated credentials upsert, list and remove', async () => {
      const provider = { name: 'projects/1/locations/global/workloadIdentityPools/pool/providers/prov', issuer_uri: 'https://issuer.example', allowed_audiences: '[]', attribute_mapping: '{"google.subject":"assertion.sub"}', attribute_condition: null };
      assert.equal(await repos.gcpProviders.upsert(provider, T0), 'added');
      assert.equal(await repos.gcpProviders.upsert({ ...provider, attribute_condition: 'true' }, T0 + 1), 'updated');
      assert.deepEqual((await repos.gcpProviders.list()).map((row) => [row.name, row.attribute_condition, Number(row.created_at), Number(row.updated_at)]), [[provider.name, 'true', T0, T0 + 1]]);
      assert.equal(await repos.gcpProviders.remove(provider.name), true);
      assert.equal(await repos.gcpProviders.remove(provider.name), false);

      assert.equal(await repos.gcpServiceAccounts.upsert({ email: 'robot@project.iam.gserviceaccount.com', members: '["a"]' }, T0), 'added');
      assert.equal(await repos.gcpServiceAccounts.upsert({ email: 'robot@project.iam.gserviceaccount.com', members: '["b"]' }, T0), 'updated');
      assert.deepEqual((await repos.gcpServiceAccounts.list()).map((row) => row.members), ['["b"]']);

      const credential = { client_id: 'c1', name: 'n1', tenant_id: 't', issuer: 'https://issuer.example', subject: 's', audiences: '["api://AzureADTokenExchange"]', description: null };
      assert.equal(await repos.azureFederatedCredentials.upsert(credential, T0), 'added');
      assert.equal(await repos.azureFederatedCredentials.upsert({ ...credential, name: 'n2', subject: 's2' }, T0), 'added');
      assert.equal(await repos.azureFederatedCredentials.upsert({ ...credential, subject: 's1' }, T0), 'updated');
      assert.deepEqual((await repos.azureFederatedCredentials.list()).map((row) => [row.name, row.subject]), [['n1', 's1'], ['n2', 's2']]);
      assert.equal(await repos.azureFederatedCredentials.remove('c1', 'n1'), true);
      assert.deepEqual((await repos.azureFederatedCredentials.list()).map((row) => row.name), ['n2']);
    });

    test('session token notes: a token.minted row notes its session in the same write, the latest token wins, other sessions and other rows are untouched', async () => {
      const base = { user_name: 'alice', state: 'active' as const, token_source: 'broker' as const, audience: 'sts.amazonaws.com', token_ttl_seconds: 900, region: 'us-east-1', roles: '[]', created_at: 1, created_by: 'test', ended_at: null, ended_by: null, last_token_at: null, token_expires_at: null };
      const ids = Array.from({ length: 700 }, (_, i) => `ses_notes_${String(i).padStart(4, '0')}`);
      for (const id of ids) await repos.sessions.insert({ ...base, id, credential_hash: `hash-${id}` });
      await repos.sessions.insert({ ...base, id: 'ses_notes_untouched', credential_hash: 'hash-untouched' });
      const big = 1_800_000_000_000;
      const minted = (sessionId: string, at: number, expiresAt: number) => ({ type: 'token.minted', actor: `session:${sessionId}`, occurredAt: at, sessionId, userName: 'alice', jti: `jti-${sessionId}-${at}`, expiresAt });
      // More than one UPDATE's worth in one write, each session twice with the later token first,
      // and rows that note nothing: another type naming the untouched session, a token of no session.
      await repos.auditEvents.insertMany([
        ...ids.flatMap((id, i) => [minted(id, big + i + 1, big + i + 901), minted(id, big + i, big + i + 900)]),
        { type: 'session.started', actor: 'alice', occurredAt: big, sessionId: 'ses_notes_untouched', expiresAt: big + 1 },
        { type: 'token.minted', actor: 'cli', occurredAt: big, subject: 'cli', expiresAt: big + 1 },
      ]);
      for (const [i, id] of ids.entries()) {
        const row = (await repos.sessions.findById(id))!;
        assert.equal(Number(row.last_token_at), big + i + 1, id);
        assert.equal(Number(row.token_expires_at), big + i + 901, id);
      }
      const untouched = (await repos.sessions.findById('ses_notes_untouched'))!;
      assert.equal(untouched.last_token_at, null);
      assert.equal(untouched.token_expires_at, null);
      // A write the database refuses notes nothing, now or later: the note commits with its row or not at all.
      await assert.rejects(repos.auditEvents.insertMany([minted(ids[1]!, big + 6000, big + 6900), { ...minted(ids[1]!, big + 6001, big + 6901), occurredAt: null as unknown as number }]));
      await repos.auditEvents.flushSessionNotes();
      assert.equal(Number((await repos.sessions.findById(ids[1]!))!.last_token_at), big + 2);
      // A session noted less than a second ago: its next notes are held back, the latest written together.
      await repos.auditEvents.insertMany([minted(ids[0]!, big + 5000, big + 5900)]);
      await repos.auditEvents.insertMany([minted(ids[0]!, big + 5001, big + 5901)]);
      assert.equal(Number((await repos.sessions.findById(ids[0]!))!.last_token_at), big + 1, 'held back');
      await repos.auditEvents.flushSessionNotes();
      assert.equal(Number((await repos.sessions.findById(ids[0]!))!.last_token_at), big + 5001);
      assert.equal(Number((await repos.sessions.findById(ids[0]!))!.token_expires_at), big + 5901);
      // And without a flush, within the second (the timer's): waited for, not timed.
      await repos.auditEvents.insertMany([minted(ids[0]!, big + 5002, big + 5902)]);
      for (let waited = 0; Number((await repos.sessions.findById(ids[0]!))!.last_token_at) !== big + 5002; waited += 50) {
        assert.ok(waited < 5000, 'the held-back note was written by its timer');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    });

    test('settings: the first value set wins, later ones are ignored', async () => {
      assert.equal(await repos.settings.get('contract'), undefined);
      assert.equal(await repos.settings.setIfAbsent('contract', 'first', T0), 'first');
      assert.equal(await repos.settings.setIfAbsent('contract', 'second', T0 + 1), 'first');
      const racing = await Promise.all(['x', 'y', 'z'].map((v) => repos.settings.setIfAbsent('race', v, T0)));
      assert.equal(new Set(racing).size, 1, `concurrent writers agree on one value: ${racing.join(',')}`);
    });

    test('withLock serializes read-modify-write across concurrent callers', async () => {
      await repos.settings.setIfAbsent('counter', '0', T0);
      const increment = (holder: string) =>
        withLock(store.db, 'contract-counter', holder, T0, async (trx) => {
          const row = await trx.selectFrom('settings').select('value').where('name', '=', 'counter').executeTakeFirstOrThrow();
          await delay(5); // give the other callers every chance to interleave
          await trx.updateTable('settings').set({ value: String(Number(row.value) + 1) }).where('name', '=', 'counter').execute();
        });
      await Promise.all(Array.from({ length: 8 }, (_, i) => increment(`holder-${i}`)));
      assert.equal(await repos.settings.get('counter'), '8');
      const lock = await store.db.selectFrom('locks').selectAll().where('name', '=', 'contract-counter').executeTakeFirstOrThrow();
      assert.match(lock.holder ?? '', /^holder-\d$/);
    });

    test('withLock rolls back everything when the work throws', async () => {
      await assert.rejects(
        withLock(store.db, 'contract-rollback', 'h', T0, async (trx) => {
          await trx.insertInto('settings').values({ name: 'rolled-back', value: 'v', updated_at: T0 }).execute();
          throw new Error('work failed');
        }),
        /work failed/,
      );
      assert.equal(await repos.settings.get('rolled-back'), undefined);
    });

    test('the batched audit writer queues without waiting and writes every event on flush and close', async () => {
      const writer = createAuditWriter({ repository: repos.auditEvents, logger: silentLogger, maxBatch: 100, flushIntervalMs: 60_000 });
      for (let i = 0; i < 250; i++) writer.record(auditEvent(i, { type: 'writer.test' }));
      await writer.flush();
      assert.equal((await repos.auditEvents.query({ type: 'writer.test', limit: 1000 })).length, 250);
      writer.record(auditEvent(999, { type: 'writer.close' }));
      await writer.close();
      assert.equal((await repos.auditEvents.query({ type: 'writer.close' })).length, 1);
    });

    test('the batched audit writer keeps events through a failed write and writes them once the table is back', async () => {
      const writer = createAuditWriter({ repository: repos.auditEvents, logger: silentLogger, flushIntervalMs: 60_000 });
      await sql`alter table audit_events rename to audit_events_away`.execute(store.db);
      try {
        for (let i = 0; i < 3; i++) writer.record(auditEvent(i, { type: 'writer.retry' }));
        await writer.flush(); // fails: the table is gone; the events stay queued
      } finally {
        await sql`alter table audit_events_away rename to audit_events`.execute(store.db);
      }
      assert.equal((await repos.auditEvents.query({ type: 'writer.retry' })).length, 0);
      await writer.close();
      assert.equal((await repos.auditEvents.query({ type: 'writer.retry' })).length, 3);
    });

    if (backend === 'sqlite') {
      test('SQLite: one file in WAL mode, readable by its owner only', async () => {
        const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(store.db);
        assert.equal(mode.rows[0]?.journal_mode, 'wal');
        const file = join(dir!, 'data', 'roleport.sqlite');
        assert.equal((await stat(file)).mode & 0o777, 0o600);
        assert.equal(store.displayUrl, `sqlite:${file}`);
      });
    } else {
      test('PostgreSQL: the display URL hides the password', () => {
        const other = openDatabase('postgres://roleport:hunter2@db.example.test:5432/roleport');
        assert.equal(other.displayUrl, 'postgres://roleport:***@db.example.test:5432/roleport');
        return other.close();
      });
    }
  });
}

test('a database URL of another kind is a configuration error', () => {
  assert.throws(() => openDatabase('mysql://db/x'), { code: 'ERR_CONFIG_INVALID' });
  assert.throws(() => openDatabase('sqlite:'), { code: 'ERR_CONFIG_INVALID' });
});
