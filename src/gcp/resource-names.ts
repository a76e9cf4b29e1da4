/**
 * Workload Identity Federation's resource names and the principal identifiers IAM bindings
 * use for them.
 * @see https://cloud.google.com/iam/docs/reference/rest/v1/projects.locations.workloadIdentityPools.providers
 * @see https://cloud.google.com/iam/docs/principal-identifiers
 */

/** The IAM API's host: audiences and principal identifiers are URLs under it. */
export const IAM_HOST = 'iam.googleapis.com';
/** Workload identity pools live only in the `global` location. */
export const POOL_LOCATION = 'global';

/** Pool and provider IDs: 4-32 characters of `[a-z0-9-]`; the prefix `gcp-` is Google's. */
const WORKLOAD_IDENTITY_ID = /^[a-z0-9-]{4,32}$/;
/** Projects are named by number in these resource names (the STS audience needs the number, not the ID). */
const PROJECT_NUMBER = /^[1-9][0-9]{0,19}$/;

export interface WorkloadIdentityProviderName {
  /** `projects/N/locations/global/workloadIdentityPools/POOL/providers/PROVIDER`. */
  readonly name: string;
  readonly projectNumber: string;
  readonly poolId: string;
  readonly providerId: string;
  /** `projects/N/locations/global/workloadIdentityPools/POOL`. */
  readonly poolName: string;
  /** `//iam.googleapis.com/<name>`: the STS `audience` parameter and the default accepted `aud`. */
  readonly audience: string;
  /** `https://iam.googleapis.com/<name>`: the other form Google accepts as `aud` when no audiences are configured. */
  readonly httpsAudience: string;
}

/** Why a pool or provider ID is not valid, or undefined. */
export function workloadIdentityIdProblem(kind: 'pool' | 'provider', id: string): string | undefined {
  if (!WORKLOAD_IDENTITY_ID.test(id)) return `${kind} ID ${JSON.stringify(id)} must be 4-32 characters of a-z, 0-9 and -`;
  if (id.startsWith('gcp-')) return `${kind} ID ${JSON.stringify(id)}: the prefix gcp- is reserved for use by Google`;
  return undefined;
}

const NAME = /^projects\/([^/]+)\/locations\/([^/]+)\/workloadIdentityPools\/([^/]+)\/providers\/([^/]+)$/;

/**
 * Reads a provider's resource name in any of the forms admins paste: the bare name, the
 * `//iam.googleapis.com/…` audience or the `https://iam.googleapis.com/…` audience.
 */
export function parseProviderName(value: string): WorkloadIdentityProviderName | undefined {
  const bare = value.replace(/^(?:https:)?\/\/iam\.googleapis\.com\//, '');
  const match = NAME.exec(bare);
  if (match === null) return undefined;
  const [, projectNumber, location, poolId, providerId] = match as unknown as [string, string, string, string, string];
  if (!PROJECT_NUMBER.test(projectNumber) || location !== POOL_LOCATION) return undefined;
  if (workloadIdentityIdProblem('pool', poolId) !== undefined || workloadIdentityIdProblem('provider', providerId) !== undefined) return undefined;
  return providerName(projectNumber, poolId, providerId);
}

/** Why `value` is not a provider resource name, or undefined. */
export function providerNameProblem(value: string): string | undefined {
  if (parseProviderName(value) !== undefined) return undefined;
  const bare = value.replace(/^(?:https:)?\/\/iam\.googleapis\.com\//, '');
  const match = NAME.exec(bare);
  if (match === null) return `${JSON.stringify(value)} is not a provider resource name (projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER)`;
  if (!PROJECT_NUMBER.test(match[1] as string)) return `${JSON.stringify(match[1])}: the project is named by its number here, not its ID`;
  if (match[2] !== POOL_LOCATION) return `location ${JSON.stringify(match[2])}: workload identity pools live only in global`;
  return workloadIdentityIdProblem('pool', match[3] as string) ?? workloadIdentityIdProblem('provider', match[4] as string);
}

export function providerName(projectNumber: string, poolId: string, providerId: string): WorkloadIdentityProviderName {
  const poolName = `projects/${projectNumber}/locations/${POOL_LOCATION}/workloadIdentityPools/${poolId}`;
  const name = `${poolName}/providers/${providerId}`;
  return { name, projectNumber, poolId, providerId, poolName, audience: `//${IAM_HOST}/${name}`, httpsAudience: `https://${IAM_HOST}/${name}` };
}

/** The principal of one mapped `google.subject` value, as IAM bindings name it. */
export function principalForSubject(poolName: string, subject: string): string {
  return `principal://${IAM_HOST}/${poolName}/subject/${subject}`;
}

/** Every identity whose mapped `attribute.<name>` has `value`, as IAM bindings name it. */
export function principalSetForAttribute(poolName: string, attribute: string, value: string): string {
  return `principalSet://${IAM_HOST}/${poolName}/attribute.${attribute}/${value}`;
}

/** Every identity of the pool. */
export function principalSetForPool(poolName: string): string {
  return `principalSet://${IAM_HOST}/${poolName}/*`;
}
