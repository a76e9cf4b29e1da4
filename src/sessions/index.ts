/**
 * Users' sessions: starting one with roles the user holds, the session credential its agent
 * trades for fresh tokens (RFC 8693), the two token sources (broker-signed or the IdP's own
 * ID token), session names and tags as STS wants them, ending and revoking, the user API
 * tokens of the CLI and its loopback sign-in.
 * @see ../../docs/session-protocol.md
 * @see https://www.rfc-editor.org/rfc/rfc8693
 * @see https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html
 */
import type { Clock, EventSink } from '../core/index.ts';
import type { MintToken } from '../issuer/index.ts';
import type { CliLoginCodeRepository, SessionRepository, UserApiTokenRepository } from '../store/index.ts';
import { createCliLogin, type CliLogin } from './cli-login.ts';
import { createSessionService, principalOf, type Principal, type SessionService } from './session-service.ts';
import { readTokenTimeline, type AuditReader, type TimelinePoint } from './timeline.ts';
import type { SessionsSettings, SessionUser, UserDirectory, ViewerTokenProvider } from './types.ts';
import { createCredentialCache, type AccessChangeSource } from './credential-cache.ts';
import { createUserTokens, type UserTokens } from './user-tokens.ts';

export type { CloudEndpoints, SessionAzureTarget, SessionGcpTarget } from './types.ts';
export { parseTargetResource, targetResource, type CloudName, type TargetRef, type TargetNames } from './cloud-targets.ts';
export type { Session, SessionRole, SessionState, SessionUser, SessionsSettings, SessionTagSettings, SessionTagAttribute, TokenSource, UserDirectory, ViewerIdToken, ViewerTokenProvider } from './types.ts';
export type { Principal, StartSessionOptions, StartSessionResult, ListSessionsOptions, ExchangeTokenOptions, SessionToken, SessionService } from './session-service.ts';
export type { CreateUserTokenOptions, CreatedUserToken, AuthenticatedUserToken, UserTokens } from './user-tokens.ts';
export type { CliLoginRequest, RedeemCliLoginOptions, CliLogin } from './cli-login.ts';
export type { TimelinePoint, AuditReader } from './timeline.ts';
export type { AccessChange, AccessChangeSource } from './credential-cache.ts';
export type { IssuedToken } from './token-sources.ts';
export { principalOf } from './session-service.ts';
export { checkSessionClaimSettings, type SessionClaimSettings } from './settings-check.ts';
export { toSessionJson, type SessionJson } from './session-json.ts';
export { isAdmin, userDirectoryFrom, viewerTokensFrom, type AdminSettings, type UserRecord, type UserSource, type IdTokenSource } from './adapters.ts';
export { validateCliLoginRequest, cliLoginRedirect, cliLoginDeniedRedirect, isLoopbackRedirect } from './cli-login.ts';
export { renderSessionName, shortSessionId, profileNames } from './session-name.ts';
export { buildSessionTags, renderSourceIdentity, type SessionTagsClaim } from './session-tags.ts';

/** Where agents exchange session credentials (RFC 8693), relative to the issuer; advertised in discovery. */
export const TOKEN_ENDPOINT_PATH = '/oauth/token';
/** Where `roleport login` trades its one-time code for a user API token. */
export const CLI_TOKEN_PATH = '/api/v1/cli/token';
/** The grant `POST /oauth/token` accepts. */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';

export interface SessionsDeps {
  sessions: SessionRepository;
  userApiTokens: UserApiTokenRepository;
  cliLoginCodes: CliLoginCodeRepository;
  /** The users module, seen through the narrow port this module needs. */
  users: UserDirectory;
  /** The SSO module's refresh, for viewer sessions; absent when SSO is not configured. */
  viewerTokens?: ViewerTokenProvider | undefined;
  mintToken: MintToken;
  events: EventSink;
  readAudit: AuditReader;
  clock: Clock;
  settings: SessionsSettings;
  /**
   * The store's access-change log: with it, the token exchange keeps sessions and users in
   * memory and drops them when they change (credential-cache.ts); a change committed before
   * an exchange arrives is seen by it. Only for a `users` directory whose every change is
   * logged there too (the store's). Without it every exchange reads the database.
   */
  credentialCache?: { changes: AccessChangeSource } | undefined;
}

/** A user API token's user, as the API acts for them. */
export interface AuthenticatedUser {
  user: SessionUser;
  principal: Principal;
  tokenId: string;
}

/** The sessions module as the rest of the broker uses it. */
export interface Sessions extends SessionService {
  /** The user behind a user API token (`rpu_…`), or undefined when it is not valid or the user is gone. */
  authenticateUser(token: string): Promise<AuthenticatedUser | undefined>;
  /** The user as this module sees them (roles, admin), or undefined. */
  findUser(userName: string): Promise<SessionUser | undefined>;
  userTokens: UserTokens;
  cliLogin: CliLogin;
  /** Tokens issued to a session, oldest first, for the refresh timeline. */
  tokenTimeline(sessionId: string): Promise<TimelinePoint[]>;
  settings: SessionsSettings;
}

/**
 * Builds the sessions module over its repositories and ports.
 * @example
 * const sessions = createSessions({ ...repositories, users, mintToken, events, readAudit, clock, settings });
 * const { session, credential } = await sessions.start({ userName: 'alice', roles: [arn], by: { name: 'alice', admin: false, userName: 'alice' } });
 * const { token } = await sessions.exchange({ credential });
 */
export function createSessions(deps: SessionsDeps): Sessions {
  const service = createSessionService({
    repository: deps.sessions,
    users: deps.users,
    viewerTokens: deps.viewerTokens,
    mintToken: deps.mintToken,
    events: deps.events,
    clock: deps.clock,
    settings: deps.settings,
    cache: deps.credentialCache === undefined ? undefined : createCredentialCache({ changes: deps.credentialCache.changes }),
  });
  const userTokens = createUserTokens({ repository: deps.userApiTokens, users: deps.users, events: deps.events, clock: deps.clock, defaultTtlSeconds: deps.settings.userTokenTtlSeconds });
  const cliLogin = createCliLogin({ repository: deps.cliLoginCodes, userTokens, events: deps.events, clock: deps.clock, codeTtlSeconds: deps.settings.cliLoginCodeTtlSeconds });
  return {
    ...service,
    async authenticateUser(token) {
      const found = await userTokens.authenticate(token);
      if (found === undefined) return undefined;
      const user = await deps.users.findUser(found.userName);
      return user === undefined ? undefined : { user, principal: principalOf(user), tokenId: found.id };
    },
    findUser: (userName) => deps.users.findUser(userName),
    userTokens,
    cliLogin,
    tokenTimeline: (sessionId) => readTokenTimeline(deps.readAudit, sessionId),
    settings: deps.settings,
  };
}
