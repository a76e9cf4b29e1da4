import type { NewStsCredentialRow } from '../../src/store/index.ts';

/** A row of `sts_credentials` with placeholder values, for the store's own tests; `fields` overrides any column. */
export function stsCredentialRow(accessKeyId: string, fields: Partial<NewStsCredentialRow> = {}): NewStsCredentialRow {
  return {
    access_key_id: accessKeyId,
    secret_sealed: `v1.sealed.${accessKeyId}`,
    session_token_hash: `hash-${accessKeyId}`,
    principal_arn: 'arn:aws:sts::123456789012:assumed-role/r/s',
    role_arn: 'arn:aws:iam::123456789012:role/r',
    role_id: 'AROAEXAMPLE',
    session_name: 's',
    source_identity: null,
    subject: 'user:test',
    provider: null,
    audience: null,
    session_tags: '{}',
    transitive_tag_keys: '[]',
    chained: 0,
    parent_access_key_id: null,
    issued_at: Date.parse('2026-01-01T00:00:00Z'),
    expires_at: Date.parse('2026-01-01T01:00:00Z'),
    ...fields,
  };
}
