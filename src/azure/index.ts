/**
 * Microsoft Entra ID's rules for workload identity federation, once: tenant and client IDs,
 * federated identity credentials (issuer, exact subject, the `api://AzureADTokenExchange`
 * audience, names, limits), the token endpoint's client-assertion rules and AADSTS codes;
 * what a broker token for an Azure target says (the binding); the environment the Azure
 * Identity libraries read; and the setup an admin pastes into Azure. Pure: imports only `core/`.
 * @see https://learn.microsoft.com/en-us/entra/workload-id/workload-identity-federation
 */
export { clientIdProblem, isGuid, tenantIdProblem } from './ids.ts';
export {
  MAX_AUDIENCE_LENGTH,
  MAX_DESCRIPTION_LENGTH,
  MAX_FEDERATED_CREDENTIALS,
  MAX_ISSUER_LENGTH,
  MAX_NAME_LENGTH,
  MAX_SUBJECT_LENGTH,
  TOKEN_EXCHANGE_AUDIENCE,
  federatedCredentialProblem,
  federatedCredentialSetProblem,
  type FederatedCredentialInput,
} from './federated-credential.ts';
export {
  AADSTS,
  ACCESS_TOKEN_LIFETIME_SECONDS,
  ASSERTION_ALGORITHMS,
  ASSERTION_CLOCK_SKEW_SECONDS,
  CLIENT_CREDENTIALS_GRANT,
  JWT_BEARER_ASSERTION_TYPE,
  PUBLIC_AUTHORITY_HOST,
  clientCredentialsScopeProblem,
  type AadstsReason,
} from './token-rules.ts';
export {
  SUBJECT_SCOPES,
  AZURE_TARGET_KEYS,
  formatAzureTarget,
  parseAzureTarget,
  azureTargetNameProblem,
  azureTargetSubject,
  checkAzureTarget,
  renderAzureTargetClaims,
  type AzureTarget,
  type AzureTargetTokenClaims,
  type SubjectScope,
} from './target.ts';
export {
  AZURE_AUTHORITY_HOST,
  AZURE_CLIENT_ID,
  AZURE_FEDERATED_TOKEN_FILE,
  AZURE_TENANT_ID,
  renderAzureEnvironment,
  type AzureEnvironmentOptions,
} from './environment.ts';
export {
  AZURE_SETUP_FORMATS,
  buildFederatedCredentialSetup,
  renderFederatedCredentialSetup,
  setupJson as federatedCredentialSetupJson,
  type AzureSetupFormat,
  type FederatedCredentialSetup,
  type FederatedCredentialSetupOptions,
} from './setup.ts';
