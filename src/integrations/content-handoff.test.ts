import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ManualClock, isRoleportError, type AuditEvent } from '../core/index.ts';
import { createSealer } from '../secrets/index.ts';
import { createRepositories, migrateToLatest, openDatabase, type StoreDatabase } from '../store/index.ts';
import { testPostgres, type PostgresHandle } from '../../test/helpers/postgres.ts';
import { createContentHandoff, type ContentHandoff } from './content-handoff.ts';

const ORIGIN = 'https://content.example.test';
const A = '0f9d1c7e-1111-4a4a-8a8a-000000000001';
const B = '0f9d1c7e-2222-4b4b-8b8b-000000000002';
const issue = { userName: 'alice', browserSessionId: 'bs_alice', contentGuid: A, audience: ORIGIN };
const refused = (code: string) => (error: unknown): boolean => isRoleportError(error) && error.code === code;

/** The hand-off's codes on a real store (SQLite and PostgreSQL) and its sealed cookies. */
for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`content hand-off on ${backend}`, () => {
    let store: StoreDatabase;
    let pg: PostgresHandle | undefined;
    let dir: string;
    let clock: ManualClock;
    let events: AuditEvent[];
    let handoff: ContentHandoff;

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'roleport-handoff-'));
      if (backend === 'postgres') pg = await testPostgres();
      store = openDatabase(pg?.url ?? `sqlite:${join(dir, 'db.sqlite')}`);
      await migrateToLatest(store);
      clock = new ManualClock();
      events = [];
      handoff = createContentHandoff({
        repository: createRepositories(store).contentHandoffCodes,
        sealer: createSealer(randomBytes(32)),
        clock,
        events: { record: (event) => void events.push(event), commit: async (event) => void events.push(event) },
        settings: { handoffCodeTtlSeconds: 60, viewerSessionTtlSeconds: 3600 },
      });
    });
    after(async () => {
      await store.close();
      await pg?.stop();
      await rm(dir, { recursive: true, force: true });
    });

    test('a code is redeemed once, for the viewer, content and origin it was issued for', async () => {
      const code = await handoff.issueCode(issue);
      const viewer = await handoff.redeemCode({ code, contentGuid: A, audience: ORIGIN });
      assert.deepEqual(viewer, { userName: 'alice', browserSessionId: 'bs_alice', contentGuid: A, expiresAt: clock.now() + 3600_000 });
      assert.equal(events.at(-1)?.type, 'content.viewer_signed_in');
      await assert.rejects(handoff.redeemCode({ code, contentGuid: A, audience: ORIGIN }), refused('ERR_GRANT_INVALID'), 'replayed');
    });

    for (const [name, redeem] of [
      ['another content item', { contentGuid: B, audience: ORIGIN }],
      ['another origin', { contentGuid: A, audience: 'https://elsewhere.example.test' }],
    ] as const) {
      test(`a code is refused for ${name}, and spent by the attempt`, async () => {
        const code = await handoff.issueCode(issue);
        await assert.rejects(handoff.redeemCode({ code, ...redeem }), refused('ERR_GRANT_INVALID'));
        await assert.rejects(handoff.redeemCode({ code, contentGuid: A, audience: ORIGIN }), refused('ERR_GRANT_INVALID'));
      });
    }

    test('a code expires after handoffCodeTtlSeconds; an unknown one is refused', async () => {
      const code = await handoff.issueCode(issue);
      clock.advance(60_000);
      await assert.rejects(handoff.redeemCode({ code, contentGuid: A, audience: ORIGIN }), refused('ERR_GRANT_INVALID'));
      await assert.rejects(handoff.redeemCode({ code: 'not-a-code', contentGuid: A, audience: ORIGIN }), refused('ERR_GRANT_INVALID'));
    });

    test('the viewer cookie opens for its own content only, until it expires; a tampered one never', async () => {
      const sealed = handoff.sealViewer({ userName: 'alice', browserSessionId: 'bs_alice', contentGuid: A, expiresAt: clock.now() + 1000 });
      assert.equal(handoff.openViewer(sealed, A)?.userName, 'alice');
      assert.equal(handoff.openViewer(sealed, B), undefined, 'the content guid is bound into the seal');
      assert.equal(handoff.openViewer(`${sealed.slice(0, -2)}AA`, A), undefined);
      assert.equal(handoff.openViewer(undefined, A), undefined);
      clock.advance(1000);
      assert.equal(handoff.openViewer(sealed, A), undefined, 'expired');
    });

    test('the transaction cookie holds for its state and content only', () => {
      const start = handoff.startTransaction(A, `/content/${A}/page?x=1`);
      assert.equal(handoff.openTransaction(start.transaction, A, start.state).returnTo, `/content/${A}/page?x=1`);
      assert.throws(() => handoff.openTransaction(start.transaction, A, 'another-state'), refused('ERR_SSO_STATE'));
      assert.throws(() => handoff.openTransaction(start.transaction, B, start.state), refused('ERR_SSO_STATE'));
      assert.throws(() => handoff.openTransaction(undefined, A, start.state), refused('ERR_SSO_STATE'));
      clock.advance(start.maxAgeSeconds * 1000);
      assert.throws(() => handoff.openTransaction(start.transaction, A, start.state), refused('ERR_SSO_STATE'));
    });
  });
}
