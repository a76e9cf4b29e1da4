/**
 * Roleport's own API, from the outside: a typed fetch client for the session API, the
 * RFC 8693 token endpoint and the CLI sign-in, plus the CLI's stored credentials. Shared by
 * the CLI and the agent.
 * @see ../../docs/session-protocol.md
 */
export {
  createBrokerClient,
  ID_TOKEN_TYPE,
  SESSION_CREDENTIAL_TOKEN_TYPE,
  TOKEN_EXCHANGE_GRANT,
  type BrokerClient,
  type BrokerClientOptions,
  type CliCodeExchange,
  type ExchangeTokenOptions,
} from './broker-client.ts';
export { BrokerClientError, isBrokerClientError } from './errors.ts';
export { createApiKeyClient, type ApiKeyClient, type ApiKeyClientOptions } from './api-key-client.ts';
export type {
  BrokerAzureTarget,
  BrokerGcpTarget,
  BrokerSession,
  BrokerSessionRole,
  BrokerSessionState,
  BrokerTokenSource,
  CliLoginResult,
  ExchangedToken,
  StartSessionRequest,
  StartedSession,
} from './types.ts';
export { defaultCredentialsPath, readCliCredentials, removeCliCredentials, writeCliCredentials, type CliCredentials } from './credentials-file.ts';
export { createPkcePair, loginWithLoopbackRedirect, type LoopbackLoginOptions } from './cli-login.ts';
export { decodeToken, tokenExpiry, type DecodedToken } from './jwt.ts';
export { findSessionCredential, resolveBrokerUrl, resolveSessionBrokerUrl, sessionIdOfCredential, type FoundSessionCredential, type SessionCredentialLookup } from './session-credential.ts';
export { azureTokenFile, gcpConfigFile, gcpTokenFile, parseEnvFile, renderEnvFile, sessionEnvValue, sessionLayout, type SessionLayout } from './session-dir.ts';
export {
  credentialCacheFile,
  readCachedCredentials,
  writeCachedCredentials,
  CREDENTIAL_REFRESH_WINDOW_MS,
  type CredentialCacheKey,
  type ProcessCredentials,
} from './credential-cache.ts';
