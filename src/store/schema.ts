import type { Generated } from 'kysely';

/**
 * The tables, as Kysely sees them. Times are epoch milliseconds (`bigint` on PostgreSQL,
 * parsed back to numbers), booleans are 0/1, JSON is text: one representation on both
 * databases so every repository is written once.
 */
export interface SigningKeyTable {
  kid: string;
  alg: string;
  state: 'next' | 'active' | 'retired';
  public_jwk: string;
  private_key_sealed: string;
  created_at: number;
  /** When the key may start signing: created_at + the JWKS pre-publication window. */
  activate_after: number;
  activated_at: number | null;
  retired_at: number | null;
  /** Latest `exp` of any token this key signed; the key leaves JWKS after it. */
  last_token_expires_at: number;
}

export interface AuditEventTable {
  id: Generated<number>;
  occurred_at: number;
  type: string;
  actor: string;
  user_name: string | null;
  session_id: string | null;
  jti: string | null;
  kid: string | null;
  subject: string | null;
  audience: string | null;
  role_arn: string | null;
  expires_at: number | null;
  details: string | null;
}

export interface SettingTable {
  name: string;
  value: string;
  updated_at: number;
}

export interface LockTable {
  name: string;
  holder: string | null;
  locked_at: number;
}

export interface SessionTable {
  id: string;
  user_name: string;
  state: 'active' | 'ended' | 'revoked';
  token_source: 'broker' | 'viewer';
  audience: string;
  token_ttl_seconds: number;
  region: string;
  /** JSON array of `{arn, profile, session_name}`. */
  roles: string;
  /** sha256 hex of the whole session credential (`rps_…`). */
  credential_hash: string;
  created_at: number;
  created_by: string;
  ended_at: number | null;
  ended_by: string | null;
  last_token_at: number | null;
  token_expires_at: number | null;
}

export interface UserApiTokenTable {
  id: string;
  user_name: string;
  /** sha256 hex of the whole token (`rpu_…`). */
  token_hash: string;
  description: string | null;
  created_at: number;
  created_by: string;
  expires_at: number;
  revoked_at: number | null;
}

export interface CliLoginCodeTable {
  /** sha256 hex of the one-time code. */
  code_hash: string;
  user_name: string;
  redirect_uri: string;
  code_challenge: string;
  created_at: number;
  expires_at: number;
}

/** An IAM OIDC identity provider of the local STS. */
/** A workload identity pool provider of the local Google STS. */
export interface GcpProviderTable {
  /** `projects/N/locations/global/workloadIdentityPools/POOL/providers/PROVIDER`. */
  name: string;
  issuer_uri: string;
  /** JSON array; empty: the provider's own resource name is the accepted audience. */
  allowed_audiences: string;
  /** JSON object: attribute key → CEL expression. */
  attribute_mapping: string;
  /** CEL expression, or null: every valid token is accepted. */
  attribute_condition: string | null;
  created_at: number;
  updated_at: number;
}

/** A service account the local Google STS lets federated principals impersonate. */
export interface GcpServiceAccountTable {
  email: string;
  /** JSON array of principal / principalSet identifiers granted roles/iam.workloadIdentityUser. */
  members: string;
  created_at: number;
  updated_at: number;
}

/** A federated identity credential of the local Entra token endpoint. */
export interface AzureFederatedCredentialTable {
  client_id: string;
  name: string;
  tenant_id: string;
  issuer: string;
  subject: string;
  /** JSON array with one audience. */
  audiences: string;
  description: string | null;
  created_at: number;
  updated_at: number;
}

export interface StsProviderTable {
  /** The issuer URL, without a trailing slash; equals the tokens' `iss`. */
  url: string;
  /** JSON array of accepted audiences. */
  client_ids: string;
  /** JSON array of SHA-1 thumbprints (hex, lower case). */
  thumbprints: string;
  created_at: number;
  updated_at: number;
}

/** An IAM role of the local STS. */
export interface StsRoleTable {
  arn: string;
  /** The trust policy JSON as given. */
  trust_policy: string;
  max_session_duration: number;
  /** JSON object of role tags. */
  tags: string;
  /** JSON array of `{name, document}`: the role's permission policies (what its sessions may assume). */
  permission_policies: string;
  created_at: number;
  updated_at: number;
}

/**
 * A principal of the local STS with a long-term access key: an IAM user, or a role standing
 * for an IAM Identity Center permission set. Only `SHA-256("AWS4" + secret)` of the key is
 * kept (sealed): enough to verify SigV4, not to show the secret again.
 */
export interface StsPrincipalTable {
  /** `arn:aws:iam::ACCOUNT:user/NAME` or a role ARN. */
  arn: string;
  kind: 'user' | 'role';
  /** Role principals: the session name they call as. */
  session_name: string | null;
  access_key_id: string;
  key_hash_sealed: string;
  /** JSON array of `{name, document}`: the identity policies as given. */
  identity_policies: string;
  created_at: number;
  updated_at: number;
}

/**
 * Temporary credentials the local STS issued. The secret is sealed (SigV4 verification needs
 * it back); the session token is only compared, so only its SHA-256 is kept.
 */
export interface StsCredentialTable {
  access_key_id: string;
  secret_sealed: string;
  session_token_hash: string;
  /** `arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION`. */
  principal_arn: string;
  role_arn: string;
  role_id: string;
  session_name: string;
  source_identity: string | null;
  /** The web identity's `sub`, or the chaining caller's ARN. */
  subject: string | null;
  /** The OIDC provider ARN, or null when assumed with AssumeRole. */
  provider: string | null;
  audience: string | null;
  /** JSON object of session tags. */
  session_tags: string;
  /** JSON array of transitive tag keys. */
  transitive_tag_keys: string;
  /** 1 when assumed with role credentials (role chaining). */
  chained: number;
  /** The access key of the credentials that called AssumeRole, if any. */
  parent_access_key_id: string | null;
  issued_at: number;
  expires_at: number;
}

/** A one-time code of the content hand-off (broker origin → content origin). */
export interface ContentHandoffCodeTable {
  /** sha256 hex of the code. */
  code_hash: string;
  user_name: string;
  /** The broker browser session the viewer was signed in with; the content origin's cookie stays bound to it. */
  browser_session_id: string;
  content_guid: string;
  /** The content origin the code was issued for. */
  audience: string;
  created_at: number;
  expires_at: number;
}

export interface Database {
  signing_keys: SigningKeyTable;
  audit_events: AuditEventTable;
  settings: SettingTable;
  locks: LockTable;
  sts_providers: StsProviderTable;
  gcp_providers: GcpProviderTable;
  gcp_service_accounts: GcpServiceAccountTable;
  azure_federated_credentials: AzureFederatedCredentialTable;
  sts_roles: StsRoleTable;
  sts_credentials: StsCredentialTable;
  sts_principals: StsPrincipalTable;
  sessions: SessionTable;
  user_api_tokens: UserApiTokenTable;
  cli_login_codes: CliLoginCodeTable;
  users: UserTable;
  user_roles: UserRoleTable;
  user_sso_tokens: UserSsoTokenTable;
  browser_sessions: BrowserSessionTable;
  api_keys: ApiKeyTable;
  oauth_integrations: OAuthIntegrationTable;
  content: ContentTable;
  content_integrations: ContentIntegrationTable;
  integration_access: IntegrationAccessTable;
  viewer_grants: ViewerGrantTable;
  content_handoff_codes: ContentHandoffCodeTable;
}

/** A person: created at first sign-in, or beforehand by `roleport users set-aws-role-arns`. */
export interface UserTable {
  id: string;
  username: string;
  /** The IdP that vouches for this user; null until the first sign-in. */
  idp_issuer: string | null;
  /** The IdP's `sub`; null until the first sign-in binds the record to one IdP identity. */
  subject: string | null;
  display_name: string | null;
  email: string | null;
  /** JSON array of group names. */
  groups: string;
  role_session_name: string | null;
  created_at: number;
  created_by: string;
  updated_at: number;
  last_sign_in_at: number | null;
}

export interface UserRoleTable {
  user_id: string;
  role_arn: string;
  source: 'claim' | 'cli';
  /** Order in which the roles were given (the claim's or the CLI's order). */
  position: number;
  assigned_at: number;
}

/** The IdP's tokens for one user, sealed; `generation` counts refreshes (the refresh lock compares it). */
export interface UserSsoTokenTable {
  user_id: string;
  refresh_token_sealed: string | null;
  id_token_sealed: string | null;
  id_token_expires_at: number | null;
  generation: number;
  updated_at: number;
}

/** A browser sign-in; the cookie carries the id, the table only its SHA-256. */
export interface BrowserSessionTable {
  id_hash: string;
  user_id: string;
  created_at: number;
  expires_at: number;
}

/** An API key (`Authorization: Key …`); only the SHA-256 of the whole key is kept. */
export interface ApiKeyTable {
  id: string;
  name: string;
  role: 'admin' | 'publisher';
  key_hash: string;
  created_at: number;
  created_by: string;
  last_used_at: number | null;
  revoked_at: number | null;
}

/** An OAuth integration of published content; `config` is JSON without the client secret, which is sealed apart. */
export interface OAuthIntegrationTable {
  guid: string;
  name: string;
  description: string;
  template: string;
  config: string;
  client_secret_sealed: string | null;
  created_at: number;
  created_by: string;
  updated_at: number;
}

/** A published content item (app, API, report) known to the broker. */
export interface ContentTable {
  guid: string;
  name: string;
  title: string | null;
  /** Where the broker proxies viewers to, if it does. */
  upstream_url: string | null;
  created_at: number;
  created_by: string;
  updated_at: number;
}

export interface ContentIntegrationTable {
  content_guid: string;
  integration_guid: string;
  created_at: number;
}

/** An admin's grant: this content may use this integration (its allow-list). */
export interface IntegrationAccessTable {
  integration_guid: string;
  content_guid: string;
  granted_at: number;
  granted_by: string;
}

/** A viewer's authorization of a Viewer integration: the IdP's tokens, sealed; `generation` counts refreshes. */
export interface ViewerGrantTable {
  user_name: string;
  integration_guid: string;
  refresh_token_sealed: string | null;
  id_token_sealed: string | null;
  id_token_expires_at: number | null;
  idp_issuer: string | null;
  idp_subject: string | null;
  generation: number;
  created_at: number;
  updated_at: number;
}
