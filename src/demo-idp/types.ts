import type { JWK } from 'jose';

/** A person who can sign in at the IdP. */
export interface IdpUser {
  username: string;
  password: string;
  email: string;
  name: string;
  groups: string[];
  /** Extra claims put into the ID token, e.g. `aws_role_arn`, `aws_role_session_name`. */
  claims: Record<string, unknown>;
  /** The `sub` claim; defaults to `username`. */
  sub?: string;
}

/**
 * A registered client. Snake_case fields are RFC 7591 client metadata passed to
 * `oidc-provider` as they are; camelCase fields are options of this module.
 */
export interface IdpClient {
  client_id: string;
  /** Makes the client confidential; `token_endpoint_auth_method` then defaults to `client_secret_basic`. */
  client_secret?: string;
  /** Defaults to `client_secret_basic` with a secret, `private_key_jwt` with `jwks`, else `none` (public). */
  token_endpoint_auth_method?: 'client_secret_basic' | 'client_secret_post' | 'client_secret_jwt' | 'private_key_jwt' | 'none';
  redirect_uris: string[];
  post_logout_redirect_uris?: string[];
  /** Defaults to `['authorization_code', 'refresh_token']`. */
  grant_types?: string[];
  /** Public keys for `private_key_jwt` client authentication. */
  jwks?: { keys: JWK[] };
  token_endpoint_auth_signing_alg?: string;
  /** `native` allows http loopback and custom-scheme redirect URIs. Defaults to `web`. */
  application_type?: 'web' | 'native';
  client_name?: string;
  /** Require PKCE (S256) from this client. Defaults to true. */
  requirePkce?: boolean;
}

/** Lifetimes in seconds. */
export interface IdpTtl {
  /** Defaults to 3600. */
  idToken?: number;
  /** Defaults to 3600. */
  accessToken?: number;
  /** Defaults to 14 days. */
  refreshToken?: number;
  /** Defaults to 60. */
  authorizationCode?: number;
  /** The IdP's own login session; defaults to 14 days. */
  session?: number;
}
