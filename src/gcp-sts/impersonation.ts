/**
 * `POST /v1/projects/-/serviceAccounts/EMAIL:generateAccessToken`: the IAM Service Account
 * Credentials API, offline. A federated access token may impersonate a registered service
 * account when one of its members (`roles/iam.workloadIdentityUser`) names the token's
 * principal: its subject, one of its groups, one of its attribute values, or its whole pool.
 * @see https://cloud.google.com/iam/docs/reference/credentials/rest/v1/projects.serviceAccounts/generateAccessToken
 * @see https://cloud.google.com/iam/docs/workload-identity-federation-with-other-providers#impersonation
 */
import { isoSeconds, type Clock, type EventSink } from '../core/index.ts';
import {
  CLOUD_PLATFORM_SCOPE,
  IMPERSONATION_DEFAULT_LIFETIME_SECONDS,
  IMPERSONATION_MAX_LIFETIME_SECONDS,
  principalForSubject,
  principalSetForAttribute,
  principalSetForPool,
} from '../gcp/index.ts';
import type { Sealer } from '../secrets/index.ts';
import { openAccessToken, sealAccessToken, type FederatedTokenBody } from './access-tokens.ts';
import { GOOGLE_MESSAGES, GoogleApiError } from './errors.ts';
import type { GcpRegistry } from './registry.ts';

export interface GenerateAccessTokenRequest {
  /** The `{name}` path segment after `serviceAccounts/`, with `:generateAccessToken` removed. */
  email: string;
  authorization: string | undefined;
  body: unknown;
}

export interface GenerateAccessTokenResponse {
  accessToken: string;
  /** RFC 3339, e.g. `2026-01-01T00:00:00Z`. */
  expireTime: string;
}

export interface ImpersonationDeps {
  registry: GcpRegistry;
  sealer: Sealer;
  clock: Clock;
  events: EventSink;
}

/** The principal identifiers a federated token stands for. */
export function principalsOf(token: Pick<FederatedTokenBody, 'poolName' | 'subject' | 'groups' | 'attributes'>): string[] {
  return [
    principalForSubject(token.poolName, token.subject),
    ...token.groups.map((group) => `principalSet://iam.googleapis.com/${token.poolName}/group/${group}`),
    ...Object.entries(token.attributes).map(([name, value]) => principalSetForAttribute(token.poolName, name, value)),
    principalSetForPool(token.poolName),
  ];
}

function parseBody(body: unknown): { scopes: string[]; lifetimeSeconds: number } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new GoogleApiError('INVALID_ARGUMENT', 'Request contains an invalid argument: the body must be a JSON object.');
  const { scope, lifetime } = body as { scope?: unknown; lifetime?: unknown };
  if (!Array.isArray(scope) || scope.length === 0 || scope.some((item) => typeof item !== 'string' || item.length === 0)) {
    throw new GoogleApiError('INVALID_ARGUMENT', 'Request contains an invalid argument: scope must be a non-empty list of OAuth scopes.');
  }
  let lifetimeSeconds = IMPERSONATION_DEFAULT_LIFETIME_SECONDS;
  if (lifetime !== undefined) {
    const match = typeof lifetime === 'string' ? /^(\d+)(?:\.\d+)?s$/.exec(lifetime) : null;
    if (match === null) throw new GoogleApiError('INVALID_ARGUMENT', `Invalid value at 'lifetime' (type.googleapis.com/google.protobuf.Duration), ${JSON.stringify(lifetime)}`);
    lifetimeSeconds = Number(match[1]);
    if (lifetimeSeconds < 1 || lifetimeSeconds > IMPERSONATION_MAX_LIFETIME_SECONDS) {
      throw new GoogleApiError('INVALID_ARGUMENT', `The lifetime of ${lifetimeSeconds}s is outside 1s-${IMPERSONATION_MAX_LIFETIME_SECONDS}s (longer lifetimes need the iam.allowServiceAccountCredentialLifetimeExtension organization policy).`);
    }
  }
  return { scopes: scope as string[], lifetimeSeconds };
}

export async function generateAccessToken(deps: ImpersonationDeps, request: GenerateAccessTokenRequest): Promise<GenerateAccessTokenResponse> {
  const nowMs = deps.clock.now();
  const bearer = /^Bearer (\S+)$/i.exec(request.authorization ?? '')?.[1];
  const token = bearer === undefined ? undefined : openAccessToken(deps.sealer, bearer);
  if (token === undefined || token.expiresAt * 1000 <= nowMs) throw new GoogleApiError('UNAUTHENTICATED', GOOGLE_MESSAGES.unauthenticated);
  if (token.kind !== 'federated') throw new GoogleApiError('PERMISSION_DENIED', GOOGLE_MESSAGES.permissionDenied, { detail: 'a service account token cannot impersonate (no delegation chains offline)' });
  if (!token.scopes.includes(CLOUD_PLATFORM_SCOPE) && !token.scopes.includes('https://www.googleapis.com/auth/iam')) throw new GoogleApiError('PERMISSION_DENIED', GOOGLE_MESSAGES.insufficientScopes);
  const { scopes, lifetimeSeconds } = parseBody(request.body);
  const account = await deps.registry.findServiceAccount(request.email);
  const principals = principalsOf(token);
  const granted = account?.members.find((member) => principals.includes(member));
  if (account === undefined || granted === undefined) {
    throw new GoogleApiError('PERMISSION_DENIED', GOOGLE_MESSAGES.permissionDenied, { detail: `${token.subject} on ${request.email}: ${account === undefined ? 'not registered' : `no member matches ${principals.join(', ')}`}` });
  }
  const expiresAt = Math.floor(nowMs / 1000) + lifetimeSeconds;
  // The token leaves only once this row is committed.
  await deps.events.commit({
    type: 'gcp.service_account_impersonated',
    actor: token.subject,
    occurredAt: nowMs,
    subject: token.subject,
    expiresAt: expiresAt * 1000,
    details: { serviceAccount: request.email, member: granted, scopes },
  });
  return {
    accessToken: sealAccessToken(deps.sealer, { kind: 'service-account', email: request.email, scopes, expiresAt }),
    expireTime: isoSeconds(expiresAt * 1000),
  };
}
