import type { Clock, EventSink } from '../core/index.ts';
import { RoleportError, assertSafeText, constantTimeEqual, invalidInput } from '../core/index.ts';
import type { MintToken } from '../issuer/index.ts';
import type { SessionRepository, SessionRow } from '../store/index.ts';
import { hashCredential, newSessionCredential, newSessionId, sessionIdOfCredential } from './credentials.ts';
import { sanitizeRoleSessionName } from '../iam/index.ts';
import { parseRoleArn, profileNames, renderSessionName } from './session-name.ts';
import { brokerTokenClaims, issueBrokerToken, issueTargetToken, issueViewerToken, type IssuedToken } from './token-sources.ts';
import { pickSessionTargets, targetForAudience, targetTokenBinding, type TargetRef } from './cloud-targets.ts';
import type { Session, SessionRole, SessionsSettings, SessionState, SessionUser, TokenSource, UserDirectory, ViewerTokenProvider } from './types.ts';
import type { CredentialCache } from './credential-cache.ts';

/** Who acts on a session: a signed-in user (admin or not) or the admin CLI. */
export interface Principal {
  /** For the audit log: a username or `cli`. */
  name: string;
  admin: boolean;
  /** The user acting, when it is a user. */
  userName?: string | undefined;
}

export interface StartSessionOptions {
  userName: string;
  roles: readonly string[];
  /** Names of GCP targets the user holds, each to get its own token. */
  gcpTargets?: readonly string[] | undefined;
  /** Names of Azure targets the user holds. */
  azureTargets?: readonly string[] | undefined;
  tokenSource?: TokenSource | undefined;
  audience?: string | undefined;
  region?: string | undefined;
  tokenTtlSeconds?: number | undefined;
  by: Principal;
}

export interface StartSessionResult {
  session: Session;
  /** `rps_…`: shown once; only its hash is stored. */
  credential: string;
}

export interface ListSessionsOptions {
  /** Only this user's sessions (admins may name anyone; others only themselves). */
  userName?: string | undefined;
  state?: SessionState | undefined;
  limit?: number | undefined;
  /** Keyset paging, newest first: only sessions listed after this one (see `sessionCursor`). */
  after?: { createdAt: number; id: string } | undefined;
  by: Principal;
}

export interface ExchangeTokenOptions {
  credential: string;
  audience?: string | undefined;
  roleArn?: string | undefined;
  /** A GCP or Azure target of the session instead of a role (`resource=gcp:NAME` / `azure:NAME`). */
  target?: TargetRef | undefined;
}

export interface SessionToken extends IssuedToken {
  session: Session;
  /** The role the token is for; undefined for a cloud target's token. */
  roleArn: string | undefined;
  target: TargetRef | undefined;
  /** Whole seconds the token has left (OAuth `expires_in`). */
  expiresIn: number;
}

export interface SessionServiceDeps {
  repository: SessionRepository;
  users: UserDirectory;
  viewerTokens?: ViewerTokenProvider | undefined;
  mintToken: MintToken;
  events: EventSink;
  clock: Clock;
  settings: SessionsSettings;
  /** What the token exchange reads, kept in memory with a revocation bound (credential-cache.ts); absent: read every time. */
  cache?: CredentialCache | undefined;
}

const MAX_ROLES = 20;
const MAX_AUDIENCE_LENGTH = 255;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const MIN_TOKEN_TTL = 10;

/** How a signed-in user acts on sessions. */
export function principalOf(user: SessionUser): Principal {
  return { name: user.username, admin: user.admin, userName: user.username };
}

export function createSessionService(deps: SessionServiceDeps) {
  const { repository, settings, clock, events } = deps;

  const findUser = async (userName: string): Promise<SessionUser> => {
    const user = await deps.users.findUser(userName);
    if (user === undefined) throw new RoleportError('ERR_NOT_FOUND', `no user named ${userName}`);
    return user;
  };

  /** Loads a session the principal may see; someone else's is "not found", never "forbidden". */
  const loadVisible = async (id: string, by: Principal): Promise<Session> => {
    const row = await repository.findById(id);
    if (row === undefined || (!by.admin && row.user_name !== by.userName)) throw new RoleportError('ERR_NOT_FOUND', `no session ${id}`);
    return toSession(row);
  };

  const finish = async (id: string, state: 'ended' | 'revoked', by: Principal): Promise<Session> => {
    await loadVisible(id, by);
    const now = clock.now();
    if (await repository.finish(id, state, now, by.name)) {
      const session = toSession((await repository.findById(id))!);
      events.record({ type: `session.${state}`, actor: by.name, occurredAt: now, userName: session.userName, sessionId: id });
      return session;
    }
    // Already ended or revoked: the call is idempotent and reports the state as it is.
    return loadVisible(id, by);
  };

  const authenticate = async (credential: string): Promise<Session | undefined> => {
    const id = sessionIdOfCredential(credential);
    if (id === undefined) return undefined;
    return loadSession(id, hashCredential(credential));
  };

  const loadSession = async (id: string, credentialHash: string): Promise<Session | undefined> => {
    const row = await repository.findById(id);
    if (row === undefined || !constantTimeEqual(credentialHash, row.credential_hash)) return undefined;
    return toSession(row);
  };

  /** `authenticate` through the cache: the exchange reads no row while its session and user are unchanged. */
  const authenticateForExchange = async (credential: string, arrivedAt: number): Promise<Session | undefined> => {
    const id = sessionIdOfCredential(credential);
    if (id === undefined) return undefined;
    const credentialHash = hashCredential(credential);
    return deps.cache === undefined ? loadSession(id, credentialHash) : deps.cache.session(credentialHash, arrivedAt, () => loadSession(id, credentialHash));
  };

  const findUserForExchange = (userName: string, arrivedAt: number): Promise<SessionUser | undefined> =>
    deps.cache === undefined ? deps.users.findUser(userName) : deps.cache.user(userName, arrivedAt, () => deps.users.findUser(userName));

  return {
    /**
     * Starts a session for `userName` with roles the user holds. Everything is checked before
     * anything is stored: a role the user does not hold is `ERR_FORBIDDEN` and nothing starts.
     */
    async start(options: StartSessionOptions): Promise<StartSessionResult> {
      if (!options.by.admin && options.by.userName !== options.userName) throw new RoleportError('ERR_FORBIDDEN', 'only admins start sessions for other users');
      const request = validateStartRequest(options, settings);
      const user = await findUser(options.userName);
      assertHoldsRoles(user, request.roles);
      if (request.tokenSource === 'viewer' && deps.viewerTokens === undefined) throw invalidInput('token_source viewer needs single sign-on, which is not configured');
      const targets = pickSessionTargets(user, { gcp: options.gcpTargets, azure: options.azureTargets }, request.tokenSource, settings.clouds);
      const id = newSessionId();
      const session: Session = {
        id,
        userName: user.username,
        state: 'active',
        tokenSource: request.tokenSource,
        audience: request.audience,
        tokenTtlSeconds: request.tokenTtlSeconds,
        region: request.region,
        roles: buildRoles(settings, user, id, request.roles),
        ...targets,
        createdAt: clock.now(),
        createdBy: options.by.name,
        endedAt: null,
        endedBy: null,
        lastTokenAt: null,
        tokenExpiresAt: null,
      };
      if (session.tokenSource === 'broker') for (const role of session.roles) brokerTokenClaims(settings, session, user, role.arn);
      const credential = newSessionCredential(id);
      await repository.insert(toRow(session, hashCredential(credential)));
      // The session credential leaves only once this row is committed.
      await events.commit({
        type: 'session.started',
        actor: options.by.name,
        occurredAt: session.createdAt,
        userName: user.username,
        sessionId: id,
        roleArn: session.roles[0]!.arn,
        audience: session.audience,
        details: {
          roles: session.roles.map((r) => r.arn),
          ...(session.gcpTargets.length === 0 ? {} : { gcp_targets: session.gcpTargets.map((t) => t.name) }),
          ...(session.azureTargets.length === 0 ? {} : { azure_targets: session.azureTargets.map((t) => t.name) }),
          token_source: session.tokenSource,
          region: session.region,
          token_ttl_seconds: session.tokenTtlSeconds,
        },
      });
      return { session, credential };
    },

    async get(id: string, by: Principal): Promise<Session> {
      return loadVisible(id, by);
    },

    async list(options: ListSessionsOptions): Promise<Session[]> {
      const userName = options.by.admin ? options.userName : options.by.userName;
      if (!options.by.admin && (userName === undefined || (options.userName !== undefined && options.userName !== userName))) {
        throw new RoleportError('ERR_FORBIDDEN', 'only admins list other users\' sessions');
      }
      const rows = await repository.list({ userName, state: options.state, limit: options.limit, after: options.after });
      return rows.map(toSession);
    },

    /** Ends a session (its owner, or an admin). Idempotent. */
    end(id: string, by: Principal): Promise<Session> {
      return finish(id, 'ended', by);
    },

    /** Revokes a session (admins only): its agent gets `invalid_grant` from the next request on. */
    async revoke(id: string, by: Principal): Promise<Session> {
      if (!by.admin) throw new RoleportError('ERR_FORBIDDEN', 'only admins revoke sessions');
      return finish(id, 'revoked', by);
    },

    /** Revokes every active session of a user (admins only; a deleted user's, say); returns how many. */
    async revokeAllOf(userName: string, by: Principal): Promise<number> {
      if (!by.admin) throw new RoleportError('ERR_FORBIDDEN', 'only admins revoke sessions');
      const active = await repository.list({ userName, state: 'active', limit: 100_000 });
      for (const row of active) await finish(row.id, 'revoked', by);
      return active.length;
    },

    /** Replaces the roles of an active session; the agent picks them up at its next poll. */
    async setRoles(id: string, roles: readonly string[], by: Principal): Promise<Session> {
      const session = await loadVisible(id, by);
      const arns = validateRoles(roles);
      const user = await findUser(session.userName);
      assertHoldsRoles(user, arns);
      const updated: Session = { ...session, roles: buildRoles(settings, user, id, arns) };
      if (updated.tokenSource === 'broker') for (const role of updated.roles) brokerTokenClaims(settings, updated, user, role.arn);
      if (!(await repository.setRoles(id, JSON.stringify(updated.roles.map(roleToJson))))) {
        throw new RoleportError('ERR_SESSION_INACTIVE', `session ${id} is ${(await repository.findById(id))?.state ?? 'gone'}`);
      }
      events.record({ type: 'session.roles_set', actor: by.name, occurredAt: clock.now(), userName: session.userName, sessionId: id, details: { roles: arns } });
      return updated;
    },

    /**
     * The session a credential belongs to, whatever its state, or undefined when the
     * credential is malformed or does not match (a credential of another session included).
     */
    authenticate,

    /**
     * RFC 8693 token exchange for a session's agent: checks the credential, the session's
     * state, the role and that the user still holds it, then issues a token from the
     * session's source and notes it on the session.
     * @throws ERR_GRANT_INVALID (bad credential, session not active, user or role gone),
     *   ERR_TARGET_INVALID (role not in the session), ERR_TOKEN_SOURCE_UNAVAILABLE (IdP down).
     */
    async exchange(options: ExchangeTokenOptions): Promise<SessionToken> {
      const arrivedAt = deps.cache?.now() ?? 0;
      const session = await authenticateForExchange(options.credential, arrivedAt);
      if (session === undefined) throw new RoleportError('ERR_GRANT_INVALID', 'the session credential is not valid');
      if (session.state !== 'active') throw new RoleportError('ERR_GRANT_INVALID', `session ${session.id} is ${session.state}`);
      // A cloud target's token: named by resource, or by its audience alone (never one of sessions.audiences, which stay the roles').
      const target =
        options.target ??
        (options.roleArn === undefined && options.audience !== undefined && !settings.audiences.includes(options.audience) ? targetForAudience(session, options.audience) : undefined);
      if (target !== undefined) return exchangeForTarget(session, target, options.audience);
      const role = options.roleArn === undefined ? session.roles[0] : session.roles.find((r) => r.arn === options.roleArn);
      if (role === undefined) throw new RoleportError('ERR_TARGET_INVALID', `role ${options.roleArn ?? ''} is not one of session ${session.id}'s roles`);
      // The session's own audience is checked too: it may predate a narrower allow-list.
      const audience = options.audience ?? session.audience;
      if (!settings.audiences.includes(audience)) throw new RoleportError('ERR_TARGET_INVALID', audienceRefusal(audience, settings));
      const user = await findUserForExchange(session.userName, arrivedAt);
      if (user === undefined) throw new RoleportError('ERR_GRANT_INVALID', `user ${session.userName} no longer exists`);
      if (!user.roles.includes(role.arn)) throw new RoleportError('ERR_GRANT_INVALID', `${user.username} no longer holds role ${role.arn}`);
      const request = { session, user, roleArn: role.arn, audience: options.audience };
      const issued = session.tokenSource === 'broker' ? await issueBrokerToken(deps.mintToken, settings, request) : await issueViewerToken({ provider: deps.viewerTokens, events, clock }, request);
      // The session's last-token note committed with the token's audit row (store: session-token-notes.ts).
      const now = clock.now();
      return { ...issued, session: { ...session, lastTokenAt: now, tokenExpiresAt: issued.expiresAt }, roleArn: role.arn, target: undefined, expiresIn: expiresIn(issued, now) };
    },
  };

  /** The exchange for one of the session's GCP or Azure targets (always a broker token). */
  async function exchangeForTarget(session: Session, target: TargetRef, audience: string | undefined): Promise<SessionToken> {
    const user = await deps.users.findUser(session.userName);
    if (user === undefined) throw new RoleportError('ERR_GRANT_INVALID', `user ${session.userName} no longer exists`);
    const binding = targetTokenBinding(session, user, target, audience);
    const issued = await issueTargetToken(deps.mintToken, { session, user, binding });
    const now = clock.now();
    return { ...issued, session: { ...session, lastTokenAt: now, tokenExpiresAt: issued.expiresAt }, roleArn: undefined, target, expiresIn: expiresIn(issued, now) };
  }
}

/** Whole seconds a token has left, counted from the current whole second as `iat` is: a fresh broker token says exactly its lifetime. */
function expiresIn(issued: IssuedToken, now: number): number {
  return Math.max(0, Math.floor((issued.expiresAt - Math.max(issued.issuedAt, Math.floor(now / 1000) * 1000)) / 1000));
}

export type SessionService = ReturnType<typeof createSessionService>;

interface ValidStartRequest {
  roles: string[];
  tokenSource: TokenSource;
  audience: string;
  region: string;
  tokenTtlSeconds: number;
}

function validateStartRequest(options: StartSessionOptions, settings: SessionsSettings): ValidStartRequest {
  const tokenSource = options.tokenSource ?? 'broker';
  if (tokenSource !== 'broker' && tokenSource !== 'viewer') throw invalidInput(`token_source must be broker or viewer`);
  const audience = assertSafeText('audience', options.audience ?? settings.defaultAudience, { minLength: 1, maxLength: MAX_AUDIENCE_LENGTH });
  if (!settings.audiences.includes(audience)) throw invalidInput(audienceRefusal(audience, settings));
  const region = options.region ?? settings.defaultRegion;
  if (!REGION.test(region)) throw invalidInput(`region ${JSON.stringify(region)} is not an AWS region such as us-east-1`);
  const tokenTtlSeconds = options.tokenTtlSeconds ?? Math.min(settings.defaultTokenTtlSeconds, settings.maxTokenTtlSeconds);
  if (!Number.isInteger(tokenTtlSeconds) || tokenTtlSeconds < MIN_TOKEN_TTL || tokenTtlSeconds > settings.maxTokenTtlSeconds) {
    throw invalidInput(`token_ttl_seconds must be a whole number between ${MIN_TOKEN_TTL} and ${settings.maxTokenTtlSeconds}`);
  }
  return { roles: validateRoles(options.roles), tokenSource, audience, region, tokenTtlSeconds };
}

/** Names the refused audience (cut, as it is the caller's text) and the ones that are allowed. */
function audienceRefusal(audience: string, settings: SessionsSettings): string {
  const shown = audience.length > 80 ? `${audience.slice(0, 80)}…` : audience;
  return `audience ${JSON.stringify(shown)} is not one a session may ask for (sessions.audiences: ${settings.audiences.join(', ')})`;
}

function validateRoles(roles: readonly string[]): string[] {
  if (roles.length === 0) throw invalidInput('a session needs at least one role');
  if (roles.length > MAX_ROLES) throw invalidInput(`a session holds at most ${MAX_ROLES} roles`);
  for (const arn of roles) parseRoleArn(arn);
  if (new Set(roles).size !== roles.length) throw invalidInput('a role is listed twice');
  return [...roles];
}

function assertHoldsRoles(user: SessionUser, roles: readonly string[]): void {
  for (const arn of roles) {
    if (!user.roles.includes(arn)) throw new RoleportError('ERR_FORBIDDEN', `${user.username} does not hold role ${arn}`);
  }
}

function buildRoles(settings: SessionsSettings, user: SessionUser, sessionId: string, arns: readonly string[]): SessionRole[] {
  const profiles = profileNames(arns);
  return arns.map((arn, index) => ({
    arn,
    profile: profiles[index]!,
    sessionName:
      user.roleSessionName !== undefined && user.roleSessionName.length > 0
        ? sanitizeRoleSessionName(user.roleSessionName)
        : renderSessionName(settings.nameTemplate, { username: user.username, email: user.email, sessionId, roleArn: arn }),
  }));
}

function roleToJson(role: SessionRole) {
  return { arn: role.arn, profile: role.profile, session_name: role.sessionName };
}

function toRow(session: Session, credentialHash: string) {
  return {
    id: session.id,
    user_name: session.userName,
    state: session.state,
    token_source: session.tokenSource,
    audience: session.audience,
    token_ttl_seconds: session.tokenTtlSeconds,
    region: session.region,
    roles: JSON.stringify(session.roles.map(roleToJson)),
    cloud_targets: JSON.stringify({ gcp: session.gcpTargets, azure: session.azureTargets }),
    credential_hash: credentialHash,
    created_at: session.createdAt,
    created_by: session.createdBy,
    ended_at: null,
    ended_by: null,
    last_token_at: null,
    token_expires_at: null,
  };
}

function toSession(row: SessionRow): Session {
  const roles = JSON.parse(row.roles) as Array<{ arn: string; profile: string; session_name: string }>;
  return {
    id: row.id,
    userName: row.user_name,
    state: row.state,
    tokenSource: row.token_source,
    audience: row.audience,
    tokenTtlSeconds: row.token_ttl_seconds,
    region: row.region,
    roles: roles.map((r) => ({ arn: r.arn, profile: r.profile, sessionName: r.session_name })),
    ...readCloudTargets(row.cloud_targets),
    createdAt: row.created_at,
    createdBy: row.created_by,
    endedAt: row.ended_at,
    endedBy: row.ended_by,
    lastTokenAt: row.last_token_at,
    tokenExpiresAt: row.token_expires_at,
  };
}

/** The stored `{gcp, azure}` (camelCase, as the session module writes it); a session from before targets holds none. */
function readCloudTargets(text: string): Pick<Session, 'gcpTargets' | 'azureTargets'> {
  const stored = JSON.parse(text) as Partial<Record<'gcp' | 'azure', unknown>>;
  return {
    gcpTargets: Array.isArray(stored.gcp) ? (stored.gcp as Session['gcpTargets']) : [],
    azureTargets: Array.isArray(stored.azure) ? (stored.azure as Session['azureTargets']) : [],
  };
}
