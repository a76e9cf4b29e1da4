/**
 * A GCP target: a workload identity pool provider, optionally with a service account to
 * impersonate, granted to users under a name. What a broker token for one says — and the
 * attribute mapping, attribute condition and IAM member that make Google hold the token to
 * its target, the way `sub` names the role for AWS.
 *
 * The binding: `sub` is `user:<username>:gcp:<target>`, so Cloud Logging and `principal://…/
 * subject/…` bindings see the user and the target; the `roleport_target` claim carries the
 * target alone, mapped to `attribute.target`, so that a service account's IAM policy can
 * grant one target (`principalSet://…/attribute.target/<target>`) and nothing else; the
 * attribute condition admits only the provider's targets and checks that `sub` names the
 * same target as the claim. The audience is the provider's own resource name, so a token
 * for one provider is refused by every other.
 */
import { formatKeyValueSpec, invalidInput, readKeyValueSpec } from '../core/index.ts';
import { GOOGLE_SUBJECT, MAX_SUBJECT_BYTES } from './attribute-mapping.ts';
import { parseProviderName, principalSetForAttribute, providerNameProblem, type WorkloadIdentityProviderName } from './resource-names.ts';
import { parseServiceAccountEmail, serviceAccountEmailProblem } from './service-account.ts';

/** The claim that names the target in a broker token for GCP. */
export const TARGET_CLAIM = 'roleport_target';
/** The custom attribute the target claim is mapped to (`attribute.target`). */
export const TARGET_ATTRIBUTE = 'target';

/** A target name: also an attribute value in a `principalSet://` identifier, so 1-63 of `[a-z0-9-]`, starting alphanumeric. */
const TARGET_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

export interface GcpTarget {
  /** Unique among the targets of one provider. */
  readonly name: string;
  /** The provider's resource name (any of its three forms). */
  readonly provider: string;
  /** A service account the target impersonates, if any. */
  readonly serviceAccount?: string | undefined;
}

export interface GcpTargetTokenClaims {
  readonly subject: string;
  /** `//iam.googleapis.com/projects/…/providers/…`. */
  readonly audience: string;
  /** Claims besides `sub`/`aud`, for the minting core. */
  readonly claims: Readonly<Record<string, string>>;
  readonly provider: WorkloadIdentityProviderName;
}

export function gcpTargetNameProblem(name: string): string | undefined {
  return TARGET_NAME.test(name) ? undefined : `target name ${JSON.stringify(name)} must be 1-63 characters of a-z, 0-9 and -, starting with a letter or digit`;
}

/** Checks a target; throws `ERR_INPUT_INVALID` naming what is wrong. */
export function checkGcpTarget(target: GcpTarget): WorkloadIdentityProviderName {
  const problem = gcpTargetNameProblem(target.name) ?? providerNameProblem(target.provider) ?? (target.serviceAccount === undefined ? undefined : serviceAccountEmailProblem(target.serviceAccount));
  if (problem !== undefined) throw invalidInput(problem);
  return parseProviderName(target.provider) as WorkloadIdentityProviderName;
}

/** The `sub` of a user's token for a GCP target. */
export function gcpTargetSubject(username: string, targetName: string): string {
  return `user:${username}:gcp:${targetName}`;
}

/**
 * What a broker token for `username` and `target` carries. Throws `ERR_INPUT_INVALID` when
 * `sub`, mapped to `google.subject`, would pass Google's 127-byte limit (a long username).
 */
export function renderGcpTargetClaims(username: string, target: GcpTarget): GcpTargetTokenClaims {
  const provider = checkGcpTarget(target);
  const subject = gcpTargetSubject(username, target.name);
  if (Buffer.byteLength(subject, 'utf8') > MAX_SUBJECT_BYTES) {
    throw invalidInput(`sub ${JSON.stringify(subject)} is longer than ${MAX_SUBJECT_BYTES} bytes, Google's limit for ${GOOGLE_SUBJECT}: use a shorter target name`);
  }
  return { subject, audience: provider.audience, claims: { [TARGET_CLAIM]: target.name }, provider };
}

/** The attribute mapping every Roleport provider uses. */
export function targetAttributeMapping(): Record<string, string> {
  return { [GOOGLE_SUBJECT]: 'assertion.sub', [`attribute.${TARGET_ATTRIBUTE}`]: `assertion.${TARGET_CLAIM}` };
}

/**
 * The attribute condition that admits only these targets' tokens, and only when `sub` names
 * the same target as the claim (so neither can be swapped for another target's).
 */
export function targetAttributeCondition(targetNames: readonly string[]): string {
  if (targetNames.length === 0) throw invalidInput('a provider needs at least one target');
  for (const name of targetNames) {
    const problem = gcpTargetNameProblem(name);
    if (problem !== undefined) throw invalidInput(problem);
  }
  const list = [...new Set(targetNames)].map((name) => `'${name}'`).join(', ');
  return `assertion.${TARGET_CLAIM} in [${list}] && assertion.sub.startsWith('user:') && assertion.sub.endsWith(':gcp:' + assertion.${TARGET_CLAIM})`;
}

/** The IAM member that stands for every session of one target. */
export function targetPrincipalSet(provider: WorkloadIdentityProviderName, targetName: string): string {
  return principalSetForAttribute(provider.poolName, TARGET_ATTRIBUTE, targetName);
}

/** The keys of a target's written form (`name=…,provider=…[,service_account=…]`, or an object with them). */
export const GCP_TARGET_KEYS = ['name', 'provider', 'service_account'] as const;

/**
 * A target as the admin CLI and an IdP's claim give it: `name=NAME,provider=PROVIDER[,service_account=EMAIL]`
 * or an object with those keys. Checked, with the provider in its bare `projects/…` form.
 * Throws `ERR_INPUT_INVALID` naming what is wrong.
 */
export function parseGcpTarget(value: unknown): GcpTarget {
  const spec = readKeyValueSpec(value, GCP_TARGET_KEYS, 'a GCP target');
  if (spec['name'] === undefined || spec['provider'] === undefined) throw invalidInput('a GCP target needs name= and provider= (projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER)');
  const target: GcpTarget = { name: spec['name'], provider: spec['provider'], serviceAccount: spec['service_account'] };
  const provider = checkGcpTarget(target);
  return { name: target.name, provider: provider.name, ...(target.serviceAccount === undefined ? {} : { serviceAccount: target.serviceAccount }) };
}

/** The written form {@link parseGcpTarget} reads back. */
export function formatGcpTarget(target: GcpTarget): string {
  return formatKeyValueSpec({ name: target.name, provider: target.provider, service_account: target.serviceAccount }, GCP_TARGET_KEYS);
}

export { parseServiceAccountEmail };
