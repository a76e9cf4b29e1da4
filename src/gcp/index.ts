/**
 * Google Cloud's rules, once: workload identity pool provider resource names and their
 * audience forms, service account emails, the STS token exchange's parameters, attribute
 * mapping and condition limits; what a broker token for a GCP target says (the binding);
 * the `external_account` configuration the client libraries read; and the setup an admin
 * pastes into Google Cloud. Pure: imports only `core/`.
 * @see https://cloud.google.com/iam/docs/workload-identity-federation
 * @see https://cloud.google.com/iam/docs/reference/sts/rest/v1/TopLevel/token
 */
export {
  IAM_HOST,
  POOL_LOCATION,
  parseProviderName,
  providerName,
  providerNameProblem,
  workloadIdentityIdProblem,
  principalForSubject,
  principalSetForAttribute,
  principalSetForPool,
  type WorkloadIdentityProviderName,
} from './resource-names.ts';
export {
  IAM_CREDENTIALS_URL,
  IMPERSONATION_DEFAULT_LIFETIME_SECONDS,
  IMPERSONATION_EXTENDED_MAX_LIFETIME_SECONDS,
  IMPERSONATION_MAX_LIFETIME_SECONDS,
  WORKLOAD_IDENTITY_USER_ROLE,
  generateAccessTokenPath,
  parseServiceAccountEmail,
  serviceAccountEmailProblem,
  serviceAccountImpersonationUrl,
  type ServiceAccountEmail,
} from './service-account.ts';
export {
  ACCESS_TOKEN_TYPE,
  CLOUD_PLATFORM_SCOPE,
  FEDERATED_TOKEN_LIFETIME_SECONDS,
  ID_TOKEN_TYPE,
  JWT_TOKEN_TYPE,
  MAX_ALLOWED_AUDIENCES,
  MAX_AUDIENCE_LENGTH,
  OIDC_ALGORITHMS,
  OIDC_SUBJECT_TOKEN_TYPES,
  STS_URL,
  TOKEN_EXCHANGE_GRANT,
  acceptedAudiences,
  allowedAudiencesProblem,
  issuerUriProblem,
} from './sts-rules.ts';
export {
  GOOGLE_DISPLAY_NAME,
  GOOGLE_GROUPS,
  GOOGLE_PROFILE_PHOTO,
  GOOGLE_SUBJECT,
  MAX_CONDITION_LENGTH,
  MAX_CUSTOM_ATTRIBUTES,
  MAX_MAPPED_BYTES,
  MAX_MAPPING_EXPRESSION_LENGTH,
  MAX_SUBJECT_BYTES,
  attributeConditionProblem,
  attributeMappingProblem,
  customAttributeName,
  mappedAttributesProblem,
} from './attribute-mapping.ts';
export {
  TARGET_ATTRIBUTE,
  TARGET_CLAIM,
  GCP_TARGET_KEYS,
  checkGcpTarget,
  formatGcpTarget,
  parseGcpTarget,
  gcpTargetNameProblem,
  gcpTargetSubject,
  renderGcpTargetClaims,
  targetAttributeCondition,
  targetAttributeMapping,
  targetPrincipalSet,
  type GcpTarget,
  type GcpTargetTokenClaims,
} from './target.ts';
export {
  GOOGLE_APPLICATION_CREDENTIALS,
  renderExternalAccountConfig,
  renderGcpEnvironment,
  type ExternalAccountConfig,
  type ExternalAccountOptions,
} from './external-account.ts';
export {
  GCP_SETUP_FORMATS,
  buildWorkloadIdentityProviderSetup,
  renderWorkloadIdentityProviderSetup,
  setupJson,
  type GcpSetupFormat,
  type WorkloadIdentityProviderSetup,
  type WorkloadIdentityProviderSetupOptions,
} from './setup.ts';
