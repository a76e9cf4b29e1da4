import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateToLatest, openDatabase } from '../database.ts';
import { createSessionTokenNotes, sessionTokenNotesOf, type SessionTokenNote } from './session-token-notes.ts';

const note = (at: number): SessionTokenNote => ({ at, expiresAt: at + 60_000 });
const notes = (entries: Record<string, number>): Map<string, SessionTokenNote> => new Map(Object.entries(entries).map(([id, at]) => [id, note(at)]));

test('a session noted less than a period ago is held back; once the period has passed it is due again, and what was forgotten is only what is due anyway', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'roleport-notes-'));
  const store = openDatabase(`sqlite:${join(dir, 'db.sqlite')}`);
  try {
    await migrateToLatest(store);
    let clock = 0;
    const sessionNotes = createSessionTokenNotes(store.db, { coalesceMs: 1000, now: () => clock });
    sessionNotes.committed(notes({ a: 0, b: 0 }), new Map());
    clock = 600;
    assert.deepEqual([...sessionNotes.split(notes({ a: 600, c: 600 })).later.keys()], ['a']);
    assert.deepEqual([...sessionNotes.split(notes({ a: 600, c: 600 })).due.keys()], ['c']);
    sessionNotes.committed(notes({ c: 600 }), new Map());
    clock = 1000;
    // Noting d sweeps what was noted a full period ago (a, b) — and keeps c, noted 400 ms ago.
    sessionNotes.committed(notes({ d: 1000 }), new Map());
    const { due, later } = sessionNotes.split(notes({ a: 1000, b: 1000, c: 1000, d: 1000 }));
    assert.deepEqual([...due.keys()].sort(), ['a', 'b']);
    assert.deepEqual([...later.keys()].sort(), ['c', 'd']);
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('notes come from token.minted rows that name a session and an expiry, the latest per session', () => {
  const found = sessionTokenNotesOf([
    { type: 'token.minted', actor: 'a', occurredAt: 2, sessionId: 's1', expiresAt: 20 },
    { type: 'token.minted', actor: 'a', occurredAt: 1, sessionId: 's1', expiresAt: 10 },
    { type: 'token.minted', actor: 'a', occurredAt: 3, expiresAt: 30 },
    { type: 'session.started', actor: 'a', occurredAt: 4, sessionId: 's2', expiresAt: 40 },
    { type: 'token.minted', actor: 'a', occurredAt: 5, sessionId: 's3' },
  ]);
  assert.deepEqual([...found], [['s1', { at: 2, expiresAt: 20 }]]);
});
