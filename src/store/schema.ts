import type { Generated } from 'kysely';

/**
 * The tables, as Kysely sees them. Times are epoch milliseconds (`bigint` on PostgreSQL,
 * parsed back to numbers), booleans are 0/1, JSON is text: one representation on both
 * databases so every repository is written once.
 */
export interface SigningKeyTable {
  kid: string;
  alg: string;
  state: 'next' | 'active' | 'retired';
  public_jwk: string;
  private_key_sealed: string;
  created_at: number;
  /** When the key may start signing: created_at + the JWKS pre-publication window. */
  activate_after: number;
  activated_at: number | null;
  retired_at: number | null;
  /** Latest `exp` of any token this key signed; the key leaves JWKS after it. */
  last_token_expires_at: number;
}

export interface AuditEventTable {
  id: Generated<number>;
  occurred_at: number;
  type: string;
  actor: string;
  user_name: string | null;
  session_id: string | null;
  jti: string | null;
  kid: string | null;
  subject: string | null;
  audience: string | null;
  role_arn: string | null;
  expires_at: number | null;
  details: string | null;
}

export interface SettingTable {
  name: string;
  value: string;
  updated_at: number;
}

export interface LockTable {
  name: string;
  holder: string | null;
  locked_at: number;
}

export interface Database {
  signing_keys: SigningKeyTable;
  audit_events: AuditEventTable;
  settings: SettingTable;
  locks: LockTable;
}
