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
    created_at: { type: 'string' },
    ended_at: { type: ['string', 'null'] },
    last_token_at: { type: ['string', 'null'] },
    token_expires_at: { type: ['string', 'null'] },
  },
  required: ['id', 'user', 'state', 'token_source', 'audience', 'token_ttl_seconds', 'region', 'roles', 'created_at', 'ended_at', 'last_token_at', 'token_expires_at'],
} as const;
