/**
 * The store: the only place SQL lives. Opens SQLite (node:sqlite) or PostgreSQL (pg) through
 * Kysely, applies migrations, and hands out repositories.
 */
import { createAuditEventRepository } from './repositories/audit-events.ts';
import { createSettingRepository } from './repositories/settings.ts';
import { createSigningKeyRepository } from './repositories/signing-keys.ts';
import { createStsProviderRepository } from './repositories/sts-providers.ts';
import { createStsRoleRepository } from './repositories/sts-roles.ts';
import { createStsCredentialRepository } from './repositories/sts-credentials.ts';
import { createStsPrincipalRepository } from './repositories/sts-principals.ts';
import { createSessionRepository } from './repositories/sessions.ts';
import { createUserApiTokenRepository } from './repositories/user-api-tokens.ts';
import { createCliLoginCodeRepository } from './repositories/cli-login-codes.ts';
import { createUserRepository } from './repositories/users.ts';
import { createUserSsoTokenRepository } from './repositories/users-sso-tokens.ts';
import { createBrowserSessionRepository } from './repositories/browser-sessions.ts';
import { createApiKeyRepository } from './repositories/api-keys.ts';
import { createOAuthIntegrationRepository } from './repositories/oauth-integrations.ts';
import { createContentRepository } from './repositories/content.ts';
import { createViewerGrantRepository } from './repositories/viewer-grants.ts';
import { createGcpProviderRepository } from './repositories/gcp-providers.ts';
import { createGcpServiceAccountRepository } from './repositories/gcp-service-accounts.ts';
import { createAzureFederatedCredentialRepository } from './repositories/azure-federated-credentials.ts';
import { createContentHandoffCodeRepository } from './repositories/content-handoff-codes.ts';
import type { StoreDatabase } from './database.ts';

export { openDatabase, migrateToLatest, redactUrl, type StoreDatabase } from './database.ts';
export { withLock, withHeldLock } from './lock.ts';
export { createAuditWriter, type AuditWriter, type AuditWriterOptions, type AuditWriterStatus, type DeadLetterReason } from './audit-writer.ts';
export type { SigningKeyRow, NewSigningKeyRow, SigningKeyRepository } from './repositories/signing-keys.ts';
export type { AuditEventRepository, AuditQuery } from './repositories/audit-events.ts';
export type { SettingRepository } from './repositories/settings.ts';
export type { StsProviderRow, StsProviderRepository } from './repositories/sts-providers.ts';
export type { StsRoleRow, StsRoleRepository } from './repositories/sts-roles.ts';
export type { StsCredentialRow, NewStsCredentialRow, StsCredentialRepository } from './repositories/sts-credentials.ts';
export type { StsPrincipalRow, StsPrincipalRepository } from './repositories/sts-principals.ts';
export type { SessionRow, NewSessionRow, SessionRepository, SessionListQuery } from './repositories/sessions.ts';
export type { UserApiTokenRow, UserApiTokenRepository } from './repositories/user-api-tokens.ts';
export type { CliLoginCodeRow, CliLoginCodeRepository } from './repositories/cli-login-codes.ts';
export { createUserRepository, type UserRow, type NewUserRow, type UserRowPatch, type UserWithRoles, type UserRoleRecord, type RoleSource, type UserRepository } from './repositories/users.ts';
export { createUserSsoTokenRepository, type UserSsoTokenRow, type UserSsoTokenRepository } from './repositories/users-sso-tokens.ts';
export type { BrowserSessionRow, BrowserSessionRepository } from './repositories/browser-sessions.ts';
export type { ApiKeyRow, ApiKeyRepository } from './repositories/api-keys.ts';
export type { OAuthIntegrationRow, OAuthIntegrationPatch, OAuthIntegrationRepository } from './repositories/oauth-integrations.ts';
export type { ContentRow, ContentAssociationRow, ContentRepository, IntegrationAccessRow } from './repositories/content.ts';
export { createViewerGrantRepository, type ViewerGrantRow, type ViewerGrantRepository } from './repositories/viewer-grants.ts';
export type { GcpProviderRow, GcpProviderRepository } from './repositories/gcp-providers.ts';
export type { GcpServiceAccountRow, GcpServiceAccountRepository } from './repositories/gcp-service-accounts.ts';
export type { AzureFederatedCredentialRow, AzureFederatedCredentialRepository } from './repositories/azure-federated-credentials.ts';
export type { ContentHandoffCodeRow, ContentHandoffCodeRepository } from './repositories/content-handoff-codes.ts';
export type { Database } from './schema.ts';
export type { DialectName } from './dialect-name.ts';

/** Every repository over one database. */
export function createRepositories(store: StoreDatabase) {
  return {
    signingKeys: createSigningKeyRepository(store.db),
    auditEvents: createAuditEventRepository(store.db),
    settings: createSettingRepository(store.db),
    stsProviders: createStsProviderRepository(store.db),
    stsRoles: createStsRoleRepository(store.db),
    stsCredentials: createStsCredentialRepository(store.db),
    stsPrincipals: createStsPrincipalRepository(store.db),
    sessions: createSessionRepository(store.db),
    userApiTokens: createUserApiTokenRepository(store.db),
    cliLoginCodes: createCliLoginCodeRepository(store.db),
    users: createUserRepository(store.db),
    userSsoTokens: createUserSsoTokenRepository(store.db),
    browserSessions: createBrowserSessionRepository(store.db),
    apiKeys: createApiKeyRepository(store.db),
    oauthIntegrations: createOAuthIntegrationRepository(store.db),
    content: createContentRepository(store.db),
    viewerGrants: createViewerGrantRepository(store.db),
    gcpProviders: createGcpProviderRepository(store.db),
    gcpServiceAccounts: createGcpServiceAccountRepository(store.db),
    azureFederatedCredentials: createAzureFederatedCredentialRepository(store.db),
    contentHandoffCodes: createContentHandoffCodeRepository(store.db),
  };
}

export type Repositories = ReturnType<typeof createRepositories>;
