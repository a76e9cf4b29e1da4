/**
 * The local STS: AWS Security Token Service semantics, offline. It speaks the Query protocol
 * the AWS SDKs and CLI use (`AssumeRoleWithWebIdentity`, `AssumeRole`, `GetCallerIdentity`
 * signed with SigV4), validates web identity tokens as AWS does, decides with the role's
 * trust policy — and for `AssumeRole` with the caller's identity policies too, same-account
 * and cross-account as IAM does — through the IAM policy engine, and answers with AWS's XML
 * and error codes, so a setup can be tested before it touches AWS. Callers sign with
 * temporary credentials it issued or with the long-term keys of registered principals (IAM
 * users, and roles standing for IAM Identity Center permission sets).
 *
 * @example
 * const sts = createSts({ config: config.sts, storage, sealer, clock, logger, events, policyEngine });
 * const response = await sts.handleQuery(request); // from the HTTP adapter
 *
 * @see https://docs.aws.amazon.com/STS/latest/APIReference/welcome.html
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_oidc.html
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
 */
import type { Clock, EventSink, Logger } from '../core/index.ts';
import type { Sealer } from '../secrets/index.ts';
import { federatedPrincipal, providerPrefix } from '../iam/index.ts';
import { createCredentialStore, type AccessKeyDirectory, type CredentialStorage } from './credentials.ts';
import { createKeySource } from '../jwks/index.ts';
import { createOperations } from './operations.ts';
import { createPrincipalRegistry, type PrincipalRegistry, type PrincipalStorage } from './principals.ts';
import { createQueryHandler, type StsQueryRequest, type StsQueryResponse } from './query.ts';
import { createRegistry, type AddProviderInput, type AddRoleInput, type RegistryStorage, type StsRegistry } from './registry.ts';
import { createTrustPolicyEngine, type PolicyEngineFunctions } from './trust.ts';
import { createWebIdentityVerifier, type VerifyWebIdentityToken } from './web-identity.ts';

export { STS_NAMESPACE, renderError, renderResult } from './xml.ts';
export { STS_API_VERSION, type StsQueryRequest, type StsQueryResponse } from './query.ts';
export type { VerifiedWebIdentity } from './web-identity.ts';
export { MAX_SIGNATURE_SKEW_MS, parseRawQuery, type SignedHttpRequest } from './sigv4.ts';
export { devStsRegistry, registerDevSts, DEV_ROLE_ARNS, DEV_CLIENT_ID, type DevTrustPolicy } from './dev-registry.ts';
export type { StsProvider, StsRole, AddProviderInput, AddRoleInput, RegistrySource, StsRegistry } from './registry.ts';
export type { StsCaller, AssumedRoleCaller, UserCaller, AccessKeyDirectory, AccessKeyRecord, IdentityPolicy, SigningSecret, CredentialStorage } from './credentials.ts';
export { createCredentialStore } from './credentials.ts';
export type { PolicyEngineFunctions, TrustPolicyEngine } from './trust.ts';
export { createTrustPolicyEngine } from './trust.ts';
export { DEFAULT_PRINCIPAL_SESSION_NAME, type AddPrincipalInput, type AddPrincipalResult, type PrincipalRegistry, type PrincipalRow, type PrincipalStorage, type StsPrincipal } from './principals.ts';
export {
  assumeRoleDenialMessage,
  authorizeAssumeRole,
  formatAssumeRoleDecision,
  type AssumeRoleAuthorizationRequest,
  type AssumeRoleCallerView,
  type AssumeRoleDecision,
  type AssumeRoleDecisionReason,
  type IdentityPolicyEvaluation,
} from './assume-role-authorization.ts';
export {
  explainAssumeRole,
  formatAssumeRoleExplanation,
  EXPLAIN_ASSUME_ROLE_ACTIONS,
  EXPLAIN_SESSION_NAME,
  type ExplainAssumeRoleOptions,
  type ExplainAssumeRoleResult,
  type ExplainFailingCondition,
  type ExplainedPolicy,
} from './explain-assume-role.ts';

/** The `sts` section of the configuration (src/config), as this module reads it. */
export interface StsSettings {
  accountId: string;
  providers: readonly AddProviderInput[];
  roles: readonly AddRoleInput[];
  maxTokenAgeSeconds?: number | undefined;
  jwksCacheSeconds: number;
}

export interface StsOptions {
  settings: StsSettings;
  storage: RegistryStorage & { credentials: CredentialStorage; principals: PrincipalStorage };
  sealer: Sealer;
  clock: Clock;
  logger: Logger;
  events: EventSink;
  /** src/policy's functions, handed in by the composition root. */
  policyEngine: PolicyEngineFunctions;
  /**
   * Further sources of signing keys, consulted after the STS's own temporary credentials and
   * its registered principals.
   */
  accessKeyDirectories?: readonly AccessKeyDirectory[];
  /** How long a read of the registry is reused (default 2 s; admin changes show within it). */
  registryReloadMs?: number;
  /** Discovery/JWKS request timeout (default 5 s, as AWS). */
  keyFetchTimeoutMs?: number;
}

export interface Sts {
  readonly accountId: string;
  /** Providers and roles: add, list, remove. */
  readonly registry: StsRegistry;
  /** IAM users and permission-set roles with long-term keys and identity policies: add, list, remove. */
  readonly principals: Pick<PrincipalRegistry, 'add' | 'list' | 'remove'>;
  /** Serves one Query-protocol request; never throws, failures are AWS error XML. */
  handleQuery(request: StsQueryRequest): Promise<StsQueryResponse>;
  /** AWS's error XML for a failure outside `handleQuery` (bad body, wrong content type). */
  errorResponse(error: unknown): StsQueryResponse;
  /** Verifies a web identity token as AssumeRoleWithWebIdentity would (for explain and tests). */
  verifyWebIdentityToken: VerifyWebIdentityToken;
  /** The `Principal.Federated` a role in `account` trusts for an issuer URL: the provider's ARN, or a built-in provider's name. */
  providerArn(url: string, account?: string): string;
  /** Drops credentials that expired more than a day ago; returns how many. */
  purgeExpiredCredentials(): Promise<number>;
  /**
   * Resolves once no request is being served. Shutdown awaits it before closing the
   * database: a request whose client already left still finishes its write.
   */
  drain(): Promise<void>;
}

/**
 * Builds the local STS. Configured providers and roles are checked here: a malformed one
 * throws `ERR_CONFIG_INVALID` naming `sts.roles[i]` / `sts.providers[i]`.
 */
export function createSts(options: StsOptions): Sts {
  const engine = createTrustPolicyEngine(options.policyEngine);
  const registry = createRegistry({
    storage: options.storage,
    engine,
    clock: options.clock,
    logger: options.logger,
    configProviders: options.settings.providers,
    configRoles: options.settings.roles,
    reloadMs: options.registryReloadMs ?? 2000,
  });
  const keys = createKeySource({ cacheMs: options.settings.jwksCacheSeconds * 1000, timeoutMs: options.keyFetchTimeoutMs });
  const verifyToken = createWebIdentityVerifier({
    clock: options.clock,
    keys,
    findProvider: (url) => registry.findProvider(url),
    maxTokenAgeSeconds: options.settings.maxTokenAgeSeconds,
  });
  const credentials = createCredentialStore({ storage: options.storage.credentials, sealer: options.sealer, clock: options.clock });
  const principals = createPrincipalRegistry({ storage: options.storage.principals, sealer: options.sealer, engine, clock: options.clock });
  const directories = [credentials, principals, ...(options.accessKeyDirectories ?? [])];
  const directory: AccessKeyDirectory = {
    async find(accessKeyId) {
      for (const source of directories) {
        const record = await source.find(accessKeyId);
        if (record !== undefined) return record;
      }
      return undefined;
    },
  };
  const operations = createOperations({ registry, engine, credentials, verifyToken, clock: options.clock });
  const query = createQueryHandler({ operations, directory, clock: options.clock, logger: options.logger, events: options.events });

  let inFlight = 0;
  const whenIdle: Array<() => void> = [];
  let lastPurge = options.clock.now();
  const purgeEveryMs = 3600 * 1000;

  return {
    accountId: options.settings.accountId,
    registry,
    principals,
    async handleQuery(request) {
      inFlight++;
      let response;
      try {
        response = await query.handle(request);
      } finally {
        inFlight--;
        if (inFlight === 0) for (const resolve of whenIdle.splice(0)) resolve();
      }
      // Expired credentials are swept at most hourly, on traffic, without a timer to stop.
      if (options.clock.now() - lastPurge > purgeEveryMs) {
        lastPurge = options.clock.now();
        credentials.purgeExpired().catch((error: unknown) => options.logger.warn({ err: error }, 'purging expired sts credentials failed'));
      }
      return response;
    },
    errorResponse: (error) => query.errorResponse(error),
    verifyWebIdentityToken: verifyToken,
    providerArn: (url, account) => federatedPrincipal(providerPrefix(url), 'aws', account ?? options.settings.accountId),
    purgeExpiredCredentials: () => credentials.purgeExpired(),
    drain: () => (inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => whenIdle.push(resolve))),
  };
}
