/**
 * AWS setup: the generators for what an admin registers in AWS (OIDC provider, role trust
 * policies for Roleport's tokens or for an Identity Center permission set's users, the
 * permission set's inline policy) as JSON, CloudFormation or Terraform,
 * `explain`, which tells offline why STS would accept or refuse a token for a trust policy,
 * and the token exchange at the real AWS STS (`assumeRoleWithWebIdentity`: the SDK, regional
 * endpoints, retries and failover). Pure except for {@link AwsSetup.oidcProvider}, which looks
 * at the issuer's TLS chain, and the exchange, which calls AWS.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc.html
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html
 * @see https://docs.aws.amazon.com/singlesignon/latest/userguide/permissionsetcustom.html
 * @see https://docs.aws.amazon.com/singlesignon/latest/userguide/referencingpermissionsets.html
 * @see https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html
 */
import type { Clock } from '../core/index.ts';
import { explainWebIdentity, type ExplainOptions, type ExplainResult } from './explain.ts';
import { describeOidcProvider, type OidcProviderOptions, type OidcProviderSetup } from './oidc-provider.ts';
import { buildPermissionSetPolicy, type PermissionSetPolicyOptions, type PermissionSetPolicyResult } from './permission-set-policy.ts';
import { buildTrustPolicy, type TrustPolicyOptions, type TrustPolicyResult } from './trust-policy.ts';

export {
  explainWebIdentity,
  DEFAULT_EXPLAIN_ACTION,
  EXPLAIN_SESSION_NAME,
  PLACEHOLDER_ACCOUNT,
  type ExplainAudience,
  type ExplainOptions,
  type ExplainProvider,
  type ExplainResult,
  type FailingCondition,
  type RelatedEvaluation,
  type StsCheck,
  type StsCheckName,
} from './explain.ts';
export { formatExplanation, type FormatExplanationOptions } from './explain-format.ts';
export { readExplainRequest, type ExplainRequestInput, type ExplainRequestProblem, type ExplainRequestValues } from './explain-request.ts';
export { buildTrustPolicy, subjectPattern, ACCOUNT_PLACEHOLDER, type TrustPolicyOptions, type TrustPolicyResult, type TrustedTokenSource } from './trust-policy.ts';
export { buildPermissionSetPolicy, type PermissionSetPolicyOptions, type PermissionSetPolicyResult } from './permission-set-policy.ts';
export { buildPermissionSetTrustPolicy, type PermissionSetTrustPolicyOptions, type PermissionSetTrustPolicyResult } from './permission-set-trust-policy.ts';
export { describeOidcProvider, type OidcProviderOptions, type OidcProviderSetup, type TlsFinding } from './oidc-provider.ts';
export { inspectTlsChain, type CertificateSummary, type TlsChainInspection } from './tls-chain.ts';
export { splitList, validateAccountId, validatePartition, validateRoleName, type AwsPartition } from './admin-input.ts';
export { renderOidcProvider, renderPermissionSetPolicy, renderPermissionSetTrustPolicy, renderTrustPolicy, isSetupFormat, SETUP_FORMATS, type SetupFormat } from './render.ts';
export type { IamPolicyDocument, IamPolicyStatement } from './policy-json.ts';
export {
  assumeRoleWithWebIdentity,
  classifyStsError,
  StsExchangeError,
  type AssumeRoleWithWebIdentityOptions,
  type AssumeRoleWithWebIdentityResult,
  type StsCredentials,
  type StsErrorClassification,
  type StsRetryOptions,
} from './sts-exchange.ts';

export interface AwsSetupDeps {
  /** The configured issuer URL (`iss`), the default for every generator. */
  issuer: string;
  /** The configured `sub` template; the default `:sub` pattern is derived from it. */
  subjectTemplate: string;
  /** The configured default audience; the default `:aud` value and client ID. */
  defaultAudience: string;
  clock: Clock;
}

/** The generators and explain with the broker's configuration as defaults. */
export interface AwsSetup {
  trustPolicy(options: Omit<TrustPolicyOptions, 'issuer' | 'audience' | 'subjectTemplate'> & { issuer?: string | undefined; audience?: string | undefined }): TrustPolicyResult;
  oidcProvider(options: Omit<OidcProviderOptions, 'issuer' | 'audiences'> & { issuer?: string | undefined; audiences?: readonly string[] | undefined }): Promise<OidcProviderSetup>;
  permissionSetPolicy(options: PermissionSetPolicyOptions): PermissionSetPolicyResult;
  /** Explains at the clock's current time, unless `at` says otherwise. */
  explain(options: Omit<ExplainOptions, 'now'>): ExplainResult;
}

export function createAwsSetup(deps: AwsSetupDeps): AwsSetup {
  return {
    trustPolicy: (options) =>
      buildTrustPolicy({ ...options, issuer: options.issuer ?? deps.issuer, audience: options.audience ?? deps.defaultAudience, subjectTemplate: deps.subjectTemplate }),
    oidcProvider: (options) =>
      describeOidcProvider({
        ...options,
        issuer: options.issuer ?? deps.issuer,
        audiences: options.audiences !== undefined && options.audiences.length > 0 ? options.audiences : [deps.defaultAudience],
      }),
    permissionSetPolicy: (options) => buildPermissionSetPolicy(options),
    explain: (options) => explainWebIdentity({ ...options, now: deps.clock.now() }),
  };
}
