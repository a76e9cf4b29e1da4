/**
 * The audit writer against the real databases (issue 10, items 6 and 7): rows holding bytes a
 * database refuses are made safe, a row the database still refuses is set aside (logged, and
 * counted) without stalling the rows after it, a database that refuses every row keeps the
 * queued events and refuses the durable ones until it takes rows again, and `commit`
 * resolves only once the row is there.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import type { AuditEvent, Logger } from '../../src/core/index.ts';
import { createAuditWriter, createRepositories, migrateToLatest, openDatabase, type DeadLetterReason, type StoreDatabase } from '../../src/store/index.ts';
import { asOwnerRole, testPostgresUrl } from '../helpers/postgres.ts';
import { stsCredentialRow } from '../helpers/store-rows.ts';

const T0 = Date.parse('2026-05-01T00:00:00Z');

function event(type: string, overrides: Partial<AuditEvent> = {}): AuditEvent {
  return { type, actor: 'test', occurredAt: T0, ...overrides };
}


/** A logger that keeps what it was told at error level. */
function recordingLogger(): Logger & { errors: Array<{ fields: Record<string, unknown>; message: string }> } {
  const errors: Array<{ fields: Record<string, unknown>; message: string }> = [];
  const ignore = (): void => {};
  const logger = {
    errors,
    error: (fields: unknown, message?: string) => void errors.push({ fields: fields as Record<string, unknown>, message: message ?? '' }),
    warn: ignore,
    info: ignore,
    debug: ignore,
    trace: ignore,
    fatal: ignore,
    child: () => logger,
  };
  return logger as unknown as Logger & { errors: Array<{ fields: Record<string, unknown>; message: string }> };
}

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`audit writer on ${backend}`, () => {
    let dir: string | undefined;
    let store: StoreDatabase;
    /** Runs SQL that the broker's own account could not (PostgreSQL: as the superuser). */
    let admin: (statement: string) => Promise<void>;
    let ownerRole: string | undefined;

    before(async () => {
      if (backend === 'sqlite') {
        dir = await mkdtemp(join(tmpdir(), 'roleport-audit-writer-'));
        store = openDatabase(`sqlite:${join(dir, 'roleport.sqlite')}`);
        admin = async (statement) => void (await sql.raw(statement).execute(store.db));
      } else {
        const owner = await asOwnerRole(await testPostgresUrl());
        store = openDatabase(owner.url);
        admin = owner.sql;
        ownerRole = owner.role;
      }
      await migrateToLatest(store);
    });
    after(async () => {
      await store?.close();
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    });

    const rows = (type: string) => createRepositories(store).auditEvents.query({ type, limit: 10_000 });

    test('NUL, control characters, lone surrogates, bidi controls and over-long values are written escaped and cut to fit, never refused', async () => {
      const repository = createRepositories(store).auditEvents;
      const deadLetters: DeadLetterReason[] = [];
      const writer = createAuditWriter({ repository, logger: recordingLogger(), onDeadLetter: (reason) => deadLetters.push(reason) });
      const hostile = 'a\u0000b\u001b[2Jc\ud800d\u202ee\u2028f';
      const poisoned = event('poison.durable', {
        actor: `${hostile}${'x'.repeat(400)}`,
        userName: hostile,
        sessionId: hostile,
        jti: `${hostile}${'j'.repeat(100)}`,
        kid: hostile,
        subject: hostile,
        audience: hostile,
        roleArn: hostile,
        details: { [hostile]: hostile, nested: { list: [hostile, 1, null] }, big: 'z'.repeat(100_000) },
      });
      await writer.commit(poisoned);
      writer.record(event('poison.queued', { audience: 'x\u0000y' }));
      writer.record(event('after.poison'));
      await writer.flush();

      const [stored] = await rows('poison.durable');
      assert.ok(stored !== undefined, 'the poisoned row is written');
      const escaped = 'a\\u{0}b\\u{1b}[2Jc\\u{d800}d\\u{202e}e\\u{2028}f';
      assert.equal(stored.userName, escaped);
      assert.equal(stored.subject, escaped);
      assert.equal(stored.roleArn, escaped);
      assert.equal([...stored.actor].length, 255, 'cut to the varchar(255) column, on SQLite as on PostgreSQL');
      assert.ok(stored.actor.startsWith(escaped) && stored.actor.endsWith('…'));
      assert.equal([...stored.jti!].length, 64);
      assert.equal([...stored.sessionId!].length <= 64, true);
      assert.deepEqual(stored.details, { truncated: true, json_prefix: (stored.details as { json_prefix: string }).json_prefix });
      assert.ok((stored.details as { json_prefix: string }).json_prefix.includes(`"${escaped.replace(/\\/g, '\\\\')}"`));
      assert.equal((await rows('poison.queued'))[0]?.audience, 'x\\u{0}y');
      assert.equal((await rows('after.poison')).length, 1, 'the events after it are written');
      assert.deepEqual(deadLetters, []);
      assert.deepEqual(writer.status(), { writable: true, pending: 0, deadLettered: 0 });
      await writer.close();
    });

    test('a row the database refuses (a real constraint) is set aside with an error log and the metric; the rows after it are written', async () => {
      const refuse = "actor = 'refused-by-constraint'";
      if (backend === 'sqlite') {
        await admin(`create trigger audit_refuse_one before insert on audit_events when new.${refuse} begin select raise(abort, 'refused by the constraint'); end`);
      } else {
        await admin(`alter table audit_events add constraint audit_refuse_one check (not (${refuse}))`);
      }
      try {
        const logger = recordingLogger();
        const deadLetters: DeadLetterReason[] = [];
        const writer = createAuditWriter({ repository: createRepositories(store).auditEvents, logger, flushIntervalMs: 60_000, onDeadLetter: (reason) => deadLetters.push(reason) });
        for (let i = 0; i < 10; i++) writer.record(event('dead-letter.batch', { actor: i === 4 ? 'refused-by-constraint' : `actor-${i}`, details: { i } }));
        const refusedCommit = writer.commit(event('dead-letter.durable', { actor: 'refused-by-constraint' }));
        const acceptedCommit = writer.commit(event('dead-letter.durable', { actor: 'accepted' }));
        await assert.rejects(refusedCommit, { code: 'ERR_INTERNAL' });
        await acceptedCommit;
        await writer.flush();

        const batch = await rows('dead-letter.batch');
        assert.deepEqual(batch.map((row) => row.actor).sort(), ['actor-0', 'actor-1', 'actor-2', 'actor-3', 'actor-5', 'actor-6', 'actor-7', 'actor-8', 'actor-9']);
        assert.deepEqual((await rows('dead-letter.durable')).map((row) => row.actor), ['accepted']);
        assert.deepEqual(deadLetters, ['refused', 'refused']);
        assert.equal(logger.errors.length, 2);
        for (const line of logger.errors) {
          assert.match(line.message, /audit event set aside/);
          assert.equal((line.fields['auditEvent'] as AuditEvent).actor, 'refused-by-constraint', 'the log line holds the event');
        }
        assert.deepEqual(writer.status(), { writable: true, pending: 0, deadLettered: 2 });
        writer.record(event('dead-letter.later'));
        await writer.flush();
        assert.equal((await rows('dead-letter.later')).length, 1, 'the writer carries on');
        await writer.close();
      } finally {
        await admin(backend === 'sqlite' ? 'drop trigger audit_refuse_one' : 'alter table audit_events drop constraint audit_refuse_one');
      }
    });

    test(`a database that refuses every row (${backend === 'sqlite' ? 'a trigger' : 'INSERT revoked'}): durable events are refused, queued ones kept, and all written once it takes rows again`, async () => {
      const logger = recordingLogger();
      const deadLetters: DeadLetterReason[] = [];
      const writer = createAuditWriter({ repository: createRepositories(store).auditEvents, logger, flushIntervalMs: 60_000, retryMs: { first: 20, max: 50 }, onDeadLetter: (reason) => deadLetters.push(reason) });
      const refuseAll = backend === 'sqlite'
        ? "create trigger audit_refuse_all before insert on audit_events begin select raise(abort, 'the audit log is read-only'); end"
        : `revoke insert on audit_events from "${ownerRole!}"`;
      const allowAll = backend === 'sqlite' ? 'drop trigger audit_refuse_all' : `grant insert on audit_events to "${ownerRole!}"`;
      await admin(refuseAll);
      let restored = false;
      try {
        assert.equal(await writer.checkWritable(), false);
        for (let i = 0; i < 5; i++) writer.record(event('outage.queued', { details: { i } }));
        await assert.rejects(writer.commit(event('outage.durable')), { code: 'ERR_STORE_UNAVAILABLE' });
        const credentials = createRepositories(store).stsCredentials;
        await assert.rejects(writer.commitWith(event('outage.companion'), { table: credentials.asCompanion, row: stsCredentialRow('ASIAOUTAGE00000001') }), { code: 'ERR_STORE_UNAVAILABLE' });
        assert.equal(await credentials.find('ASIAOUTAGE00000001'), undefined, 'the credentials were rolled back with their refused audit row');
        await writer.flush();
        assert.equal(writer.status().writable, false);
        assert.equal(writer.status().pending, 5, 'the queued events wait');
        assert.equal((await rows('outage.queued')).length, 0);
        await admin(allowAll);
        restored = true;
        // The writer's own retry timer finds the database writable again and drains the queue.
        const deadline = Date.now() + 10_000;
        while (!(writer.status().writable && writer.status().pending === 0) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
        assert.equal(writer.status().writable, true);
        assert.equal((await rows('outage.queued')).length, 5, 'nothing queued was lost');
        assert.equal((await rows('outage.durable')).length, 0, 'the refused durable event was not written later: its token never left');
        assert.deepEqual(deadLetters, []);
        await writer.commit(event('outage.after'));
        assert.equal((await rows('outage.after')).length, 1);
        assert.equal(await writer.checkWritable(), true);
      } finally {
        if (!restored) await admin(allowAll);
        await writer.close();
      }
    });

    test('commitWith waits for its rows even when plain commits are only queued (the benchmark reference): the credentials are what leaves', async () => {
      const repositories = createRepositories(store);
      const writer = createAuditWriter({ repository: repositories.auditEvents, logger: recordingLogger(), durable: false, flushIntervalMs: 60_000 });
      assert.equal(await writer.commitWith(event('queued.companion', { jti: 'queued-companion' }), { table: repositories.stsCredentials.asCompanion, row: stsCredentialRow('ASIAQUEUED00000001') }), true);
      assert.equal((await repositories.auditEvents.query({ jti: 'queued-companion' })).length, 1);
      assert.equal((await repositories.stsCredentials.find('ASIAQUEUED00000001'))?.subject, 'user:test');
      await writer.close();
    });

    test('commit resolves only once its row is committed, and concurrent commits share writes (group commit)', async () => {
      const repository = createRepositories(store).auditEvents;
      let writes = 0;
      const counting = { ...repository, insertMany: (events: readonly AuditEvent[]) => (writes++, repository.insertMany(events)) };
      const writer = createAuditWriter({ repository: counting, logger: recordingLogger() });
      const committed = Array.from({ length: 200 }, (_, i) => writer.commit(event('group.commit', { jti: `jti-${i}` })).then(async () => (await repository.query({ jti: `jti-${i}` })).length));
      assert.deepEqual(await Promise.all(committed), Array.from({ length: 200 }, () => 1), 'each row is readable when its commit resolves');
      assert.ok(writes < 20, `200 concurrent commits took ${writes} writes`);
      await writer.close();
    });
  });
}
