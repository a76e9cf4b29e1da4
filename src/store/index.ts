/**
 * The store: the only place SQL lives. Opens SQLite (node:sqlite) or PostgreSQL (pg) through
 * Kysely, applies migrations, and hands out repositories.
 */
import { createAuditEventRepository } from './repositories/audit-events.ts';
import { createSettingRepository } from './repositories/settings.ts';
import { createSigningKeyRepository } from './repositories/signing-keys.ts';
import type { StoreDatabase } from './database.ts';

export { openDatabase, migrateToLatest, redactUrl, type StoreDatabase } from './database.ts';
export { withLock } from './lock.ts';
export { createBatchedAuditWriter, type BatchedAuditWriterOptions } from './audit-writer.ts';
export type { SigningKeyRow, NewSigningKeyRow, SigningKeyRepository } from './repositories/signing-keys.ts';
export type { AuditEventRepository, AuditQuery } from './repositories/audit-events.ts';
export type { SettingRepository } from './repositories/settings.ts';
export type { Database } from './schema.ts';
export type { DialectName } from './dialect-name.ts';

/** Every repository over one database. */
export function createRepositories(store: StoreDatabase) {
  return {
    signingKeys: createSigningKeyRepository(store.db),
    auditEvents: createAuditEventRepository(store.db),
    settings: createSettingRepository(store.db),
  };
}

export type Repositories = ReturnType<typeof createRepositories>;
