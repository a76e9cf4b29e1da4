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
  /** Each GCP target: its token's audience and what its external_account file says. */
  gcp_targets: Array<{ name: string; provider: string; audience: string; service_account: string | null; token_url: string; iam_credentials_url: string }>;
  /** Each Azure target: what its AZURE_* variables say. */
  azure_targets: Array<{ name: string; tenant_id: string; client_id: string; subject_scope: string; authority_host: string }>;
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
    gcp_targets: session.gcpTargets.map((t) => ({ name: t.name, provider: t.provider, audience: t.audience, service_account: t.serviceAccount ?? null, token_url: t.tokenUrl, iam_credentials_url: t.iamCredentialsUrl })),
    azure_targets: session.azureTargets.map((t) => ({ name: t.name, tenant_id: t.tenantId, client_id: t.clientId, subject_scope: t.subjectScope, authority_host: t.authorityHost })),
    created_at: iso(session.createdAt),
    ended_at: session.endedAt === null ? null : iso(session.endedAt),
    last_token_at: session.lastTokenAt === null ? null : iso(session.lastTokenAt),
    token_expires_at: session.tokenExpiresAt === null ? null : iso(session.tokenExpiresAt),
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
