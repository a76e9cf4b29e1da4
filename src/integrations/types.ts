/** Who the integration's AWS credentials stand for: the person viewing the content, or the content itself. */
export type AuthType = 'Viewer' | 'Service Account';
/** A Viewer integration's client at its IdP: with a client secret, or public (PKCE only). */
export type AuthMode = 'Confidential' | 'Public';
export type TokenEndpointAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';
/** The one template Roleport knows. */
export type IntegrationTemplate = 'aws';

/** The OAuth side of a Viewer integration: its client at the viewer's IdP. */
export interface ViewerOAuthSettings {
  authMode: AuthMode;
  clientId: string;
  authorizationUri: string;
  tokenUri: string;
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  /** Space-separated; always includes `openid` and `offline_access`. */
  scopes: string;
  usePkce: boolean;
}

/** An integration's configuration, defaults applied; the client secret is never part of it. */
export interface IntegrationConfig {
  authType: AuthType;
  roleArn: string;
  stsRegion: string;
  /** `DurationSeconds` of the STS call, 900–43200. */
  sessionDuration: number;
  /**
   * Service Account: `aud` of the broker-signed web identity token (default the broker's
   * `tokens.defaultAudience`). Viewer: sent as `audience` in the authorization request,
   * for IdPs that pick the token's audience from it.
   */
  audience?: string | undefined;
  /** Present exactly when `authType` is Viewer. */
  oauth?: ViewerOAuthSettings | undefined;
}

export interface Integration {
  guid: string;
  name: string;
  description: string;
  template: IntegrationTemplate;
  config: IntegrationConfig;
  /** Whether a client secret is stored (it is never returned). */
  hasClientSecret: boolean;
  createdAt: number;
  createdBy: string;
  updatedAt: number;
}

export type ApiKeyRole = 'admin' | 'publisher';

/** The caller behind an API key. */
export interface ApiKeyPrincipal {
  id: string;
  name: string;
  role: ApiKeyRole;
}

export interface ApiKey extends ApiKeyPrincipal {
  createdAt: number;
  createdBy: string;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

/** A published content item known to the broker. */
export interface Content {
  guid: string;
  name: string;
  title: string | null;
  /** Where the broker proxies viewers' requests to; null when the content is not served through the broker. */
  upstreamUrl: string | null;
  createdAt: number;
  createdBy: string;
  updatedAt: number;
}

/** Content that uses an integration, and whether the integration's access list allows it (see ContentAssociation.granted). */
export interface ContentUse {
  content: Content;
  granted: boolean;
}

/** One content item's use of an integration. */
export interface ContentAssociation {
  contentGuid: string;
  integration: Integration;
  createdAt: number;
  /**
   * Whether the integration's allow-list (its access list, kept by admins) has the content.
   * An association without it is inert: no credentials, no viewer authorization.
   */
  granted: boolean;
}

/** One entry of an integration's access list: content an admin allowed to use it. */
export interface IntegrationAccess {
  contentGuid: string;
  grantedAt: number;
  grantedBy: string;
}

/** A token the broker signed for content or a viewer; times in epoch milliseconds. */
export interface IssuedSessionToken {
  token: string;
  issuedAt: number;
  expiresAt: number;
}

/** The kinds of subject token the credentials exchange accepts. */
export type SubjectTokenKind = 'content_session' | 'user_session';

/** A verified content or user session token. */
export interface VerifiedSubjectToken {
  kind: SubjectTokenKind;
  contentGuid: string;
  /** The viewer, for a user session token. */
  userName: string | undefined;
  expiresAt: number;
}

/** Temporary AWS credentials; `expiration` in epoch milliseconds. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: number;
}

/** Who acts, for the audit log: an API key's name, a username, `cli`. */
export interface Actor {
  name: string;
}
