import type { Clock, EventSink } from '../core/index.ts';
import { RoleportError, base64urlDecode, isRoleportError, type ErrorCode } from '../core/index.ts';
import { renderSubject, type MintToken } from '../issuer/index.ts';
import { parseRoleArn } from './session-name.ts';
import { buildSessionTags, renderSourceIdentity } from './session-tags.ts';
import type { Session, SessionsSettings, SessionUser, ViewerTokenProvider } from './types.ts';
import { SOURCE_IDENTITY_CLAIM, TAGS_CLAIM } from '../iam/index.ts';

/** A token handed to a session's agent. Times are epoch milliseconds. */
export interface IssuedToken {
  token: string;
  issuedAt: number;
  expiresAt: number;
  jti: string | undefined;
}

export interface TokenRequest {
  session: Session;
  user: SessionUser;
  roleArn: string;
  /** The audience asked for; the session's when absent. */
  audience: string | undefined;
}

/**
 * Viewer failures no retry can fix: the IdP refused the refresh token, the identity no
 * longer maps to the user, the user is gone. Anything else (IdP down, timeouts, a
 * misconfigured client the admin can fix) is temporary: the agent backs off and retries.
 */
const FINAL_VIEWER_FAILURES: ReadonlySet<ErrorCode> = new Set(['ERR_SSO_REFRESH', 'ERR_SSO_ACCOUNT', 'ERR_SSO_ID_TOKEN', 'ERR_NOT_FOUND', 'ERR_GRANT_INVALID'] as const);

/**
 * The claims of a broker token, built and checked before anything is signed. `startSession`
 * calls it too, so a template that cannot render for this user and role refuses the session
 * instead of every later token. `sub` names the role's account and name (`{account_id}`,
 * `{role_name}`): the role's trust policy matches them, so the token works for no other role.
 */
export function brokerTokenClaims(settings: SessionsSettings, session: Pick<Session, 'id' | 'region' | 'tokenSource'>, user: SessionUser, roleArn: string) {
  const role = parseRoleArn(roleArn);
  const subject = renderSubject(settings.subjectTemplate, {
    username: user.username,
    email: user.email,
    session_id: session.id,
    account_id: role.account,
    role_name: role.name,
  });
  const claims = identityClaims(user, session.id);
  const tags = buildSessionTags(settings.tags, { user, sessionId: session.id, roleArn, region: session.region, tokenSource: session.tokenSource });
  if (tags !== undefined) claims[TAGS_CLAIM] = tags;
  if (settings.sourceIdentityTemplate !== undefined) claims[SOURCE_IDENTITY_CLAIM] = renderSourceIdentity(settings.sourceIdentityTemplate, user, session.id);
  return { subject, claims };
}

type BrokerTokenClaims = ReturnType<typeof brokerTokenClaims>;

const rememberedClaims = new WeakMap<Session, Map<string, { settings: SessionsSettings; user: SessionUser; claims: BrokerTokenClaims }>>();

/**
 * `brokerTokenClaims` once per session, user and role while they are unchanged: an agent's
 * refreshes present the same session and user objects (sessions/credential-cache.ts keeps them
 * until a change drops them), and the claims depend on nothing else — not on time. A changed
 * user or session is a new object, so it never meets claims built from the old one.
 */
function rememberedBrokerTokenClaims(settings: SessionsSettings, session: Session, user: SessionUser, roleArn: string): BrokerTokenClaims {
  let byRole = rememberedClaims.get(session);
  if (byRole === undefined) {
    byRole = new Map();
    rememberedClaims.set(session, byRole);
  }
  const remembered = byRole.get(roleArn);
  if (remembered !== undefined && remembered.settings === settings && remembered.user === user) return remembered.claims;
  // Frozen: every token of the session shares them from now on.
  const claims = deepFreeze(brokerTokenClaims(settings, session, user, roleArn));
  byRole.set(roleArn, { settings, user, claims });
  return claims;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** Who the token speaks for, in every broker token of a session (roles and cloud targets alike). */
function identityClaims(user: SessionUser, sessionId: string): Record<string, unknown> {
  return {
    preferred_username: user.username,
    ...(user.email === undefined ? {} : { email: user.email }),
    ...(user.name === undefined ? {} : { name: user.name }),
    groups: [...user.groups],
    session_id: sessionId,
  };
}

/**
 * A broker token for one of the session's GCP or Azure targets: `sub`, `aud` and the target
 * claim from the cloud's rules (see cloud-targets.ts), the identity claims beside them; no AWS
 * session tags. Its `token.minted` row names the session and user, its subject the target.
 */
export async function issueTargetToken(mintToken: MintToken, request: { session: Session; user: SessionUser; binding: { subject: string; audience: string; claims: Readonly<Record<string, string>> } }): Promise<IssuedToken> {
  const minted = await mintToken({
    subject: request.binding.subject,
    audience: request.binding.audience,
    ttlSeconds: request.session.tokenTtlSeconds,
    claims: { ...identityClaims(request.user, request.session.id), ...request.binding.claims },
    actor: `session:${request.session.id}`,
    userName: request.user.username,
    sessionId: request.session.id,
  });
  return { token: minted.token, issuedAt: minted.issuedAt * 1000, expiresAt: minted.expiresAt * 1000, jti: minted.jti };
}

/**
 * broker: Roleport signs the token (AWS trusts Roleport's issuer). `mintToken` commits the
 * `token.minted` audit event with the session, user and role before it resolves.
 */
export async function issueBrokerToken(mintToken: MintToken, settings: SessionsSettings, request: TokenRequest): Promise<IssuedToken> {
  const { subject, claims } = rememberedBrokerTokenClaims(settings, request.session, request.user, request.roleArn);
  const minted = await mintToken({
    subject,
    audience: request.audience ?? request.session.audience,
    ttlSeconds: request.session.tokenTtlSeconds,
    claims,
    actor: `session:${request.session.id}`,
    userName: request.user.username,
    sessionId: request.session.id,
    roleArn: request.roleArn,
  });
  return { token: minted.token, issuedAt: minted.issuedAt * 1000, expiresAt: minted.expiresAt * 1000, jti: minted.jti };
}

export interface ViewerSourceDeps {
  provider: ViewerTokenProvider | undefined;
  events: EventSink;
  clock: Clock;
}

/**
 * viewer: the token is the company IdP's own ID token (AWS trusts the IdP), refreshed by the
 * SSO module with the user's stored refresh token. Its audience is the IdP's client id and
 * cannot be chosen. It is recorded as `token.minted` (with `token_source: viewer`) so the
 * audit log and the refresh timeline show both sources alike.
 */
export async function issueViewerToken(deps: ViewerSourceDeps, request: TokenRequest): Promise<IssuedToken> {
  if (deps.provider === undefined) throw new RoleportError('ERR_TOKEN_SOURCE_UNAVAILABLE', 'viewer tokens need single sign-on, which is not configured');
  let idToken;
  try {
    idToken = await deps.provider.currentIdToken(request.user.username);
  } catch (error) {
    if (isRoleportError(error) && FINAL_VIEWER_FAILURES.has(error.code)) {
      throw new RoleportError('ERR_GRANT_INVALID', `the IdP no longer accepts ${request.user.username}'s sign-in; sign in again to resume this session`, { cause: error });
    }
    throw new RoleportError('ERR_TOKEN_SOURCE_UNAVAILABLE', 'the IdP did not refresh the viewer token; retry later', { cause: error, detail: (error as Error).message });
  }
  const claims = decodeJwtClaims(idToken.token);
  const audiences = typeof claims['aud'] === 'string' ? [claims['aud']] : Array.isArray(claims['aud']) ? claims['aud'].map(String) : [];
  if (request.audience !== undefined && request.audience !== request.session.audience && !audiences.includes(request.audience)) {
    throw new RoleportError('ERR_TARGET_INVALID', `a viewer token's audience is set by the IdP (${audiences.join(' ')}), not ${request.audience}`);
  }
  const now = deps.clock.now();
  const jti = typeof claims['jti'] === 'string' ? claims['jti'] : undefined;
  // The viewer's token leaves only once this row is committed, like a minted one.
  await deps.events.commit({
    type: 'token.minted',
    actor: `session:${request.session.id}`,
    occurredAt: now,
    userName: request.user.username,
    sessionId: request.session.id,
    roleArn: request.roleArn,
    jti,
    subject: typeof claims['sub'] === 'string' ? claims['sub'] : undefined,
    audience: audiences.join(' '),
    expiresAt: idToken.expiresAt,
    details: { token_source: 'viewer', issuer: claims['iss'] },
  });
  const issuedAt = typeof claims['iat'] === 'number' ? claims['iat'] * 1000 : now;
  return { token: idToken.token, issuedAt, expiresAt: idToken.expiresAt, jti };
}

function decodeJwtClaims(token: string): Record<string, unknown> {
  try {
    const payload = JSON.parse(base64urlDecode(token.split('.')[1] ?? '').toString('utf8')) as unknown;
    if (typeof payload === 'object' && payload !== null && !Array.isArray(payload)) return payload as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new RoleportError('ERR_TOKEN_SOURCE_UNAVAILABLE', 'the IdP returned an ID token that is not a JWT');
}
