import { arrayOf, isoTime, nonEmptyString, nullable, number, object, oneOf, optional, string, type Check } from './wire-shape.ts';

/**
 * The broker's wire shapes (docs/session-protocol.md), parsed at the boundary into the
 * camelCase types the CLI and the agent use.
 */

export type BrokerSessionState = 'active' | 'ended' | 'revoked';
export type BrokerTokenSource = 'broker' | 'viewer';

export interface BrokerSessionRole {
  arn: string;
  /** The AWS config profile name for this role. */
  profile: string;
  /** `RoleSessionName` for STS. */
  sessionName: string;
}

/** A GCP target of the session: what its token is for and what its external_account file says. */
export interface BrokerGcpTarget {
  name: string;
  provider: string;
  audience: string;
  serviceAccount: string | undefined;
  tokenUrl: string;
  iamCredentialsUrl: string;
}

/** An Azure target of the session: what its AZURE_* variables say. */
export interface BrokerAzureTarget {
  name: string;
  tenantId: string;
  clientId: string;
  authorityHost: string;
}

/** A session as the broker describes it; times in ms since the epoch. */
export interface BrokerSession {
  id: string;
  userName: string;
  state: BrokerSessionState;
  tokenSource: BrokerTokenSource;
  audience: string;
  tokenTtlSeconds: number;
  region: string;
  roles: BrokerSessionRole[];
  gcpTargets: BrokerGcpTarget[];
  azureTargets: BrokerAzureTarget[];
  createdAt: number;
  endedAt: number | null;
  lastTokenAt: number | null;
  tokenExpiresAt: number | null;
}

export interface StartSessionRequest {
  roles: readonly string[];
  gcpTargets?: readonly string[] | undefined;
  azureTargets?: readonly string[] | undefined;
  tokenSource?: BrokerTokenSource | undefined;
  audience?: string | undefined;
  region?: string | undefined;
  tokenTtlSeconds?: number | undefined;
}

export interface StartedSession {
  session: BrokerSession;
  /** `rps_…`: shown once; the agent trades it for tokens. */
  credential: string;
}

export interface ExchangedToken {
  /** The JWT. */
  token: string;
  issuedTokenType: string;
  /** Lifetime the broker announced (`expires_in`). */
  expiresInSeconds: number;
}

export interface CliLoginResult {
  token: string;
  username: string;
  /** ms since the epoch, or null when the token does not expire. */
  expiresAt: number | null;
}

const sessionRoleWire = object({ arn: string, profile: string, session_name: string });
const gcpTargetWire = object({ name: string, provider: string, audience: string, service_account: nullable(string), token_url: string, iam_credentials_url: string });
const azureTargetWire = object({ name: string, tenant_id: string, client_id: string, authority_host: string });

export const sessionWire = object({
  id: string,
  user: string,
  state: oneOf('active', 'ended', 'revoked'),
  token_source: oneOf('broker', 'viewer'),
  audience: string,
  token_ttl_seconds: number,
  region: string,
  roles: arrayOf(sessionRoleWire),
  // Absent from brokers that predate cloud targets.
  gcp_targets: optional(arrayOf(gcpTargetWire)),
  azure_targets: optional(arrayOf(azureTargetWire)),
  created_at: isoTime,
  ended_at: nullable(isoTime),
  last_token_at: nullable(isoTime),
  token_expires_at: nullable(isoTime),
});

export const startedSessionWire = object({ session: sessionWire, credential: string });
export const sessionListWire = object({ sessions: arrayOf(sessionWire) });

export const tokenResponseWire = object({
  access_token: nonEmptyString,
  issued_token_type: string,
  token_type: optional(string),
  expires_in: number,
});

export const cliTokenWire = object({ token: string, username: string, expires_at: nullable(isoTime) });

type WireOf<C> = C extends Check<infer T> ? T : never;

const timeOrNull = (value: string | null | undefined): number | null => (value === null || value === undefined ? null : Date.parse(value));

export function sessionFromWire(wire: WireOf<typeof sessionWire>): BrokerSession {
  return {
    id: wire.id,
    userName: wire.user,
    state: wire.state,
    tokenSource: wire.token_source,
    audience: wire.audience,
    tokenTtlSeconds: wire.token_ttl_seconds,
    region: wire.region,
    roles: wire.roles.map((role) => ({ arn: role.arn, profile: role.profile, sessionName: role.session_name })),
    gcpTargets: (wire.gcp_targets ?? []).map((t) => ({ name: t.name, provider: t.provider, audience: t.audience, serviceAccount: t.service_account ?? undefined, tokenUrl: t.token_url, iamCredentialsUrl: t.iam_credentials_url })),
    azureTargets: (wire.azure_targets ?? []).map((t) => ({ name: t.name, tenantId: t.tenant_id, clientId: t.client_id, authorityHost: t.authority_host })),
    createdAt: Date.parse(wire.created_at),
    endedAt: timeOrNull(wire.ended_at),
    lastTokenAt: timeOrNull(wire.last_token_at),
    tokenExpiresAt: timeOrNull(wire.token_expires_at),
  };
}

export function cliLoginFromWire(wire: WireOf<typeof cliTokenWire>): CliLoginResult {
  return { token: wire.token, username: wire.username, expiresAt: timeOrNull(wire.expires_at) };
}
