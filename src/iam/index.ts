/**
 * AWS's rules, once: ARNs and names, partitions, OIDC provider URL ↔ ARN ↔ condition-key
 * prefix, STS's parameter and token rules with its error codes, and the request context of
 * each STS action. Pure (no I/O, no clock: time is passed in) and imports only `core/`.
 * The local STS (`sts/`), explain (`aws/`, `sts/`), sessions, users, integrations, the
 * generators and the CLI all take their AWS rules from here, so they cannot disagree.
 * Each rule's source is pinned in `rules.test.ts`.
 *
 * @example
 * const role = parseRoleArn('arn:aws:iam::123456789012:role/team/Reader'); // { partition: 'aws', account, path: '/team/', name: 'Reader' }
 * federatedPrincipal(providerPrefix('https://token.example.com'), 'aws', '123456789012'); // 'arn:aws:iam::123456789012:oidc-provider/token.example.com'
 * federatedPrincipal('cognito-identity.amazonaws.com', 'aws', '123456789012'); // 'cognito-identity.amazonaws.com'
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
 * @see https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html
 */
export { PARTITIONS, PARTITION_IDS, isPartition, isRegion, partitionOfRegion, regionalStsEndpoint, type Partition, type PartitionId } from './partitions.ts';
export {
  ARN_SEGMENTS,
  MAX_ARN_LENGTH,
  MAX_PATH_LENGTH,
  assumedRoleArn,
  checkRoleArn,
  isAccountId,
  isIamPath,
  isPolicyArn,
  isRoleArn,
  isRoleName,
  isUserName,
  parseArn,
  parseAssumedRoleArn,
  parseRoleArn,
  parseUserArn,
  roleArn,
  roleOfSession,
  splitAtColons,
  type Arn,
  type ArnCheck,
  type AssumedRoleArn,
  type IamEntityArn,
  type RoleArn,
  type UserArn,
} from './arn.ts';
export {
  BUILT_IN_WEB_IDENTITY_PROVIDERS,
  PROVIDER_LIMITS,
  awsProviderUrlNotes,
  clientIdsProblem,
  federatedPrincipal,
  isBuiltInProvider,
  normalizeProviderUrl,
  normalizeThumbprint,
  oidcProviderArn,
  parseOidcProviderArn,
  parseProviderReference,
  parseProviderUrl,
  providerPrefix,
  providerUrlProblem,
  thumbprintsProblem,
  type OidcProviderArn,
  type ProviderReference,
} from './oidc-provider.ts';
export { accountRootArn, isPermissionSetName, permissionSetRolePattern } from './identity-center.ts';
export { StsError, stsError, stsErrorStatus, toStsError, validationError, type StsErrorCode, type ValidationIssue } from './sts-errors.ts';
export { SESSION_NAME_LENGTH, isRoleSessionName, isSourceIdentity, sanitizeRoleSessionName } from './session-name.ts';
export {
  DURATION_SECONDS,
  MAX_LIST_MEMBERS,
  MAX_SESSION_DURATION_SECONDS,
  ROLE_CHAINING_MAX_SECONDS,
  WEB_IDENTITY_TOKEN_LENGTH,
  ParamReader,
  checkSafeParameters,
  checkSessionDuration,
  maxSessionDurationProblem,
  readAssumeRoleParams,
  readAssumeRoleWithWebIdentityParams,
  type AssumeRoleParams,
  type AssumeRoleWithWebIdentityParams,
  type CommonAssumeParams,
  type QueryParams,
} from './sts-parameters.ts';
export {
  MAX_SESSION_TAGS,
  NO_TAGS,
  SESSION_TAG_LIMITS,
  SOURCE_IDENTITY_CLAIM,
  TAGS_CLAIM,
  checkSourceIdentity,
  checkTags,
  isTagKey,
  isTagValue,
  packedPolicySize,
  readSourceIdentityClaim,
  readTagsClaim,
  sanitizeTagValue,
  type SessionTags,
} from './session-tags.ts';
export {
  CLOCK_SKEW_SECONDS,
  REQUIRED_CLAIMS,
  SUBJECT_LENGTH,
  WEB_IDENTITY_ALGORITHMS,
  checkAlgorithm,
  checkWebIdentityClaims,
  keysUnavailable,
  readContextClaimsLeniently,
  readIssuer,
  readUnverifiedToken,
  unknownProvider,
  type ClaimCheckName,
  type ClaimCheckOptions,
  type ClaimCheckReport,
  type UnverifiedToken,
  type WebIdentityClaims,
} from './web-identity-token.ts';
export {
  ORIGIN_KEYS,
  assumeRoleContext,
  assumeRoleWithWebIdentityContext,
  callerContext,
  currentTimeValue,
  describeOriginDependences,
  offlineOrigin,
  type AssumeRoleContextInput,
  type CallerContextInput,
  type OriginKey,
  type OriginFlags,
  type OriginSources,
  type RequestContext,
  type RequestOrigin,
  type WebIdentityContextClaims,
  type WebIdentityContextInput,
} from './request-context.ts';
