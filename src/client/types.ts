import { z } from 'zod';

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
  createdAt: number;
  endedAt: number | null;
  lastTokenAt: number | null;
  tokenExpiresAt: number | null;
}

export interface StartSessionRequest {
  roles: readonly string[];
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

const isoTime = z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'an ISO 8601 time');
const nullableTime = isoTime.nullable().optional();

const sessionRoleWire = z.object({ arn: z.string(), profile: z.string(), session_name: z.string() });

export const sessionWire = z.object({
  id: z.string(),
  user: z.string(),
  state: z.enum(['active', 'ended', 'revoked']),
  token_source: z.enum(['broker', 'viewer']),
  audience: z.string(),
  token_ttl_seconds: z.number(),
  region: z.string(),
  roles: z.array(sessionRoleWire),
  created_at: isoTime,
  ended_at: nullableTime,
  last_token_at: nullableTime,
  token_expires_at: nullableTime,
});

export const startedSessionWire = z.object({ session: sessionWire, credential: z.string() });
export const sessionListWire = z.object({ sessions: z.array(sessionWire) });

export const tokenResponseWire = z.object({
  access_token: z.string().min(1),
  issued_token_type: z.string(),
  token_type: z.string().optional(),
  expires_in: z.number(),
});

export const cliTokenWire = z.object({ token: z.string(), username: z.string(), expires_at: nullableTime });

const timeOrNull = (value: string | null | undefined): number | null => (value === null || value === undefined ? null : Date.parse(value));

export function sessionFromWire(wire: z.output<typeof sessionWire>): BrokerSession {
  return {
    id: wire.id,
    userName: wire.user,
    state: wire.state,
    tokenSource: wire.token_source,
    audience: wire.audience,
    tokenTtlSeconds: wire.token_ttl_seconds,
    region: wire.region,
    roles: wire.roles.map((role) => ({ arn: role.arn, profile: role.profile, sessionName: role.session_name })),
    createdAt: Date.parse(wire.created_at),
    endedAt: timeOrNull(wire.ended_at),
    lastTokenAt: timeOrNull(wire.last_token_at),
    tokenExpiresAt: timeOrNull(wire.token_expires_at),
  };
}

export function cliLoginFromWire(wire: z.output<typeof cliTokenWire>): CliLoginResult {
  return { token: wire.token, username: wire.username, expiresAt: timeOrNull(wire.expires_at) };
}
