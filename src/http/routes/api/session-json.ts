export { toSessionJson, type SessionJson } from '../../../sessions/index.ts';

/** JSON schema of `SessionJson`, for response serialization (and so nothing else leaks out). */
export const sessionJsonSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    user: { type: 'string' },
    state: { type: 'string', enum: ['active', 'ended', 'revoked'] },
    token_source: { type: 'string', enum: ['broker', 'viewer'] },
    audience: { type: 'string' },
    token_ttl_seconds: { type: 'integer' },
    region: { type: 'string' },
    roles: {
      type: 'array',
      items: {
        type: 'object',
        properties: { arn: { type: 'string' }, profile: { type: 'string' }, session_name: { type: 'string' } },
        required: ['arn', 'profile', 'session_name'],
      },
    },
    gcp_targets: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          provider: { type: 'string' },
          audience: { type: 'string' },
          service_account: { type: ['string', 'null'] },
          token_url: { type: 'string' },
          iam_credentials_url: { type: 'string' },
        },
        required: ['name', 'provider', 'audience', 'service_account', 'token_url', 'iam_credentials_url'],
      },
    },
    azure_targets: {
      type: 'array',
      items: {
        type: 'object',
        properties: { name: { type: 'string' }, tenant_id: { type: 'string' }, client_id: { type: 'string' }, subject_scope: { type: 'string' }, authority_host: { type: 'string' } },
        required: ['name', 'tenant_id', 'client_id', 'subject_scope', 'authority_host'],
      },
    },
    created_at: { type: 'string' },
    ended_at: { type: ['string', 'null'] },
    last_token_at: { type: ['string', 'null'] },
    token_expires_at: { type: ['string', 'null'] },
  },
  required: ['id', 'user', 'state', 'token_source', 'audience', 'token_ttl_seconds', 'region', 'roles', 'gcp_targets', 'azure_targets', 'created_at', 'ended_at', 'last_token_at', 'token_expires_at'],
} as const;
