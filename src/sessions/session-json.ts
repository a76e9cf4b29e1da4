import type { Session } from './types.ts';

/** The wire shape of a session (docs/session-protocol.md): snake_case, ISO times. The API and the CLI's --json print it. */
export interface SessionJson {
  id: string;
  user: string;
  state: Session['state'];
  token_source: Session['tokenSource'];
  audience: string;
  token_ttl_seconds: number;
  region: string;
  roles: Array<{ arn: string; profile: string; session_name: string }>;
  created_at: string;
  ended_at: string | null;
  last_token_at: string | null;
  token_expires_at: string | null;
}

export function toSessionJson(session: Session): SessionJson {
  return {
    id: session.id,
    user: session.userName,
    state: session.state,
    token_source: session.tokenSource,
    audience: session.audience,
    token_ttl_seconds: session.tokenTtlSeconds,
    region: session.region,
    roles: session.roles.map((role) => ({ arn: role.arn, profile: role.profile, session_name: role.sessionName })),
    created_at: iso(session.createdAt),
    ended_at: session.endedAt === null ? null : iso(session.endedAt),
    last_token_at: session.lastTokenAt === null ? null : iso(session.lastTokenAt),
    token_expires_at: session.tokenExpiresAt === null ? null : iso(session.tokenExpiresAt),
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
