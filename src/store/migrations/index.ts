import type { Kysely, Migration } from 'kysely';
import type { DialectName } from '../dialect-name.ts';
import * as foundation from './0001-foundation.ts';
import * as sts from './0002-sts.ts';
import * as users from './0003-users.ts';
import * as sessions from './0004-sessions.ts';
import * as stsPrincipals from './0005-sts-principals.ts';
import * as integrations from './0006-integrations.ts';
import * as cloudFederation from './0007-cloud-federation.ts';
import * as contentHandoff from './0008-content-handoff.ts';
import * as integrationAccess from './0009-integration-access.ts';

interface DialectMigration {
  up(db: Kysely<unknown>, dialect: DialectName): Promise<void>;
}

/**
 * Every migration, in order. One list for SQLite and PostgreSQL; the few places where the
 * two differ (auto-increment ids) receive the dialect's name. Append; never edit a shipped one.
 */
const ordered: Record<string, DialectMigration> = {
  '0001-foundation': foundation,
  '0002-sts': sts,
  '0003-users': users,
  '0004-sessions': sessions,
  '0005-sts-principals': stsPrincipals,
  '0006-integrations': integrations,
  '0007-cloud-federation': cloudFederation,
  '0008-content-handoff': contentHandoff,
  '0009-integration-access': integrationAccess,
};

export function buildMigrations(dialect: DialectName): Record<string, Migration> {
  return Object.fromEntries(
    Object.entries(ordered).map(([name, migration]) => [name, { up: (db: Kysely<unknown>) => migration.up(db, dialect) }]),
  );
}
