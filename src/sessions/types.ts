/** Where a session's tokens come from: Roleport's own issuer, or the company IdP's ID token. */
export type TokenSource = 'broker' | 'viewer';

export type SessionState = 'active' | 'ended' | 'revoked';

/** One IAM role a session may use, with the names it is known by. */
export interface SessionRole {
  arn: string;
  /** The AWS config profile the agent writes for this role. */
  profile: string;
  /** `RoleSessionName` sent to STS (2–64 of `[\w+=,.@-]`). */
  sessionName: string;
}

export interface Session {
  id: string;
  userName: string;
  state: SessionState;
  tokenSource: TokenSource;
  audience: string;
  tokenTtlSeconds: number;
  region: string;
  roles: SessionRole[];
  createdAt: number;
  createdBy: string;
  endedAt: number | null;
  endedBy: string | null;
  lastTokenAt: number | null;
  tokenExpiresAt: number | null;
}

/** What the sessions module needs to know about a person; the users/SSO module supplies it. */
export interface SessionUser {
  username: string;
  email?: string | undefined;
  name?: string | undefined;
  groups: readonly string[];
  /** IAM role ARNs the user may use. */
  roles: readonly string[];
  /** `aws_role_session_name` from the IdP, used verbatim (sanitized) when present. */
  roleSessionName?: string | undefined;
  /** May list and revoke every session. */
  admin: boolean;
  /** Further string attributes (IdP claims) that session tags may use. */
  attributes?: Readonly<Record<string, string>> | undefined;
}

/** The port to the users module. */
export interface UserDirectory {
  findUser(username: string): Promise<SessionUser | undefined>;
}

/** A token handed to a session's agent. */
export interface ViewerIdToken {
  token: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/**
 * The port to the SSO module for viewer sessions: the user's current IdP ID token, refreshed
 * with the stored refresh token when it is (nearly) expired. `ERR_SSO_REFRESH`,
 * `ERR_SSO_ACCOUNT`, `ERR_SSO_ID_TOKEN` or `ERR_NOT_FOUND` mean the sign-in is gone for
 * good; any other failure is taken as temporary (the agent retries).
 */
export interface ViewerTokenProvider {
  currentIdToken(username: string): Promise<ViewerIdToken>;
}

/** The `sessions` section of the configuration plus the token settings it uses. */
export interface SessionsSettings {
  nameTemplate: string;
  defaultTokenTtlSeconds: number;
  maxTokenTtlSeconds: number;
  defaultRegion: string;
  defaultAudience: string;
  /**
   * The audiences a session may ask tokens for (config `sessions.audiences`, less the content
   * audience). Anything else is refused at the start and at the token exchange.
   */
  audiences: readonly string[];
  subjectTemplate: string;
  sourceIdentityTemplate?: string | undefined;
  tags: SessionTagSettings;
  userTokenTtlSeconds: number;
  cliLoginCodeTtlSeconds: number;
}

export type SessionTagAttribute = 'session_id' | 'role_name' | 'account_id' | 'region' | 'token_source';

export interface SessionTagSettings {
  user: readonly string[];
  group?: { key: string; allow: readonly string[] } | undefined;
  session: readonly SessionTagAttribute[];
  transitiveTagKeys: readonly string[];
}
