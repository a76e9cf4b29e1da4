/**
 * How IAM names an OpenID Connect identity provider. Its URL, its ARN and the prefix of its
 * condition keys are one value in three spellings: the URL without `https://` — host (with
 * port, for Roleport's local STS), path, no trailing slash — is the ARN's resource after
 * `oidc-provider/` and the prefix of `<prefix>:aud`, `:sub`, `:azp`, `:amr`. A few providers
 * are built into IAM and need no registration: a trust policy names them bare
 * (`"Federated": "cognito-identity.amazonaws.com"`), not by ARN.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc.html
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-federated-web-identity
 * @see https://docs.aws.amazon.com/cognito/latest/developerguide/role-trust-and-permissions.html
 * @see https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateOpenIDConnectProvider.html
 */
import { invalidInput } from '../core/index.ts';
import { isAccountId, parseArn } from './arn.ts';
import { isPartition, type PartitionId } from './partitions.ts';

/**
 * The identity providers IAM knows without an `oidc-provider/` resource. A trust policy names
 * them bare; their condition keys use the same name as prefix (`cognito-identity.amazonaws.com:amr`).
 * Only Cognito and Google issue OpenID Connect tokens (`iss` `https://<name>`); Login with
 * Amazon and Facebook send OAuth access tokens with `ProviderId`, which Roleport does not take.
 */
export const BUILT_IN_WEB_IDENTITY_PROVIDERS = ['cognito-identity.amazonaws.com', 'accounts.google.com', 'graph.facebook.com', 'www.amazon.com'] as const;

export function isBuiltInProvider(prefix: string): boolean {
  return (BUILT_IN_WEB_IDENTITY_PROVIDERS as readonly string[]).includes(prefix);
}

/** IAM's limits on a provider: at most 100 client IDs of 1–255 characters, at most 5 thumbprints of 40 hex digits, a URL of at most 255. */
export const PROVIDER_LIMITS = { urlLength: 255, clientIds: 100, clientIdLength: 255, thumbprints: 5 } as const;

/** The form provider URLs are stored and matched in: as given, without trailing slashes. */
export function normalizeProviderUrl(value: string): string {
  return value.replace(/\/+$/, '');
}

/**
 * Why a provider URL is unusable by Roleport's local STS, or undefined. AWS takes only
 * `https://` URLs without a port ({@link awsProviderUrlNotes}); the local STS also takes
 * `http://` and ports so that loopback issuers can be tested offline.
 */
export function providerUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an https:// (or, locally, http://) URL';
  if (url.search !== '' || url.hash !== '' || value.includes('?') || value.includes('#')) return 'must not have a query or fragment';
  if (url.username !== '' || url.password !== '') return 'must not carry credentials';
  if (value.length > PROVIDER_LIMITS.urlLength) return `must be at most ${PROVIDER_LIMITS.urlLength} characters`;
  return undefined;
}

/** What AWS would refuse in a URL the local STS accepts: plain http, a port. */
export function awsProviderUrlNotes(value: string): string[] {
  const url = new URL(value);
  const notes: string[] = [];
  if (url.protocol !== 'https:') notes.push('not https (AWS registers only https:// provider URLs)');
  if (url.port !== '') notes.push('has a port (AWS registers provider URLs without one)');
  return notes;
}

/** Parses a provider (issuer) URL, throwing `ERR_INPUT_INVALID` that names `what` and the problem. */
export function parseProviderUrl(value: string, what = 'issuer'): URL {
  const problem = providerUrlProblem(value);
  if (problem !== undefined) throw invalidInput(`${what} ${JSON.stringify(value)}: ${problem.replace(/^is /, '')}`);
  return new URL(value);
}

/** The condition-key prefix of a provider URL: `https://id.example.com/a/` → `id.example.com/a`. */
export function providerPrefix(url: string): string {
  const parsed = parseProviderUrl(url);
  return `${parsed.host}${parsed.pathname}`.replace(/\/+$/, '');
}

/** `arn:PARTITION:iam::ACCOUNT:oidc-provider/PREFIX`. */
export function oidcProviderArn(partition: PartitionId | string, account: string, prefix: string): string {
  return `arn:${partition}:iam::${account}:oidc-provider/${prefix}`;
}

export interface OidcProviderArn {
  readonly arn: string;
  readonly partition: PartitionId;
  readonly account: string;
  /** Host and path, e.g. `roleport.example.com` or `127.0.0.1:8080/tenant`. */
  readonly prefix: string;
}

/** Parses `arn:aws:iam::ACCOUNT:oidc-provider/HOST[/PATH]`, or returns undefined. */
export function parseOidcProviderArn(value: string): OidcProviderArn | undefined {
  const arn = parseArn(value);
  if (arn === undefined || !isPartition(arn.partition) || arn.service !== 'iam' || arn.region !== '' || !isAccountId(arn.account)) return undefined;
  if (!arn.resource.startsWith('oidc-provider/')) return undefined;
  const prefix = arn.resource.slice('oidc-provider/'.length);
  if (prefix === '' || prefix.endsWith('/') || prefix.startsWith('/')) return undefined;
  return { arn: value, partition: arn.partition, account: arn.account, prefix };
}

/**
 * The `Principal.Federated` value a trust policy names the provider by, and the value of
 * `aws:FederatedProvider`: the bare name of a built-in provider, else the provider's ARN in
 * the role's account.
 */
export function federatedPrincipal(prefix: string, partition: PartitionId | string, account: string): string {
  return isBuiltInProvider(prefix) ? prefix : oidcProviderArn(partition, account, prefix);
}

/** A provider as the admin names it: by URL, by ARN, or (a built-in one) by its bare name. */
export type ProviderReference =
  | { readonly kind: 'url'; readonly url: string; readonly prefix: string }
  | { readonly kind: 'arn'; readonly arn: OidcProviderArn; readonly prefix: string }
  | { readonly kind: 'built-in'; readonly url: string; readonly prefix: string };

/**
 * Reads `--provider`: a URL, a host (`https://` assumed), an OIDC provider ARN, or a built-in
 * provider's bare name such as `cognito-identity.amazonaws.com` (as the trust policy names it).
 */
export function parseProviderReference(value: string): ProviderReference {
  if (value.startsWith('arn:')) {
    const arn = parseOidcProviderArn(value);
    if (arn === undefined) throw invalidInput(`provider ${value}: not an OIDC provider ARN (arn:aws:iam::ACCOUNT:oidc-provider/HOST[/PATH])`);
    return { kind: 'arn', arn, prefix: arn.prefix };
  }
  const url = normalizeProviderUrl(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `https://${value}`);
  const prefix = providerPrefix(url);
  return isBuiltInProvider(prefix) && url === `https://${prefix}` ? { kind: 'built-in', url, prefix } : { kind: 'url', url, prefix };
}

/** Why a provider's client ID list is unusable, or undefined. */
export function clientIdsProblem(clientIds: readonly string[]): string | undefined {
  if (clientIds.length === 0) return 'a provider needs at least one client ID (audience), e.g. sts.amazonaws.com';
  if (clientIds.length > PROVIDER_LIMITS.clientIds) return `a provider takes at most ${PROVIDER_LIMITS.clientIds} client IDs`;
  const bad = clientIds.find((id) => id.length === 0 || id.length > PROVIDER_LIMITS.clientIdLength);
  if (bad !== undefined) return `client ID ${JSON.stringify(bad)}: a client ID is 1-${PROVIDER_LIMITS.clientIdLength} characters`;
  return undefined;
}

/** Thumbprints as IAM stores them: 40 lowercase hex digits (SHA-1), colons dropped. */
export function normalizeThumbprint(value: string): string {
  return value.replace(/:/g, '').toLowerCase();
}

export function thumbprintsProblem(thumbprints: readonly string[]): string | undefined {
  const bad = thumbprints.find((thumbprint) => !/^[0-9a-f]{40}$/.test(thumbprint));
  if (bad !== undefined) return `thumbprint ${JSON.stringify(bad)} must be 40 hex digits (a SHA-1 fingerprint)`;
  if (thumbprints.length > PROVIDER_LIMITS.thumbprints) return `a provider takes at most ${PROVIDER_LIMITS.thumbprints} thumbprints`;
  return undefined;
}
