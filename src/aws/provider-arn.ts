import { invalidInput } from '../core/index.ts';
import { isAccountId, type AwsPartition } from './iam-names.ts';

/**
 * How IAM names an OIDC identity provider. The provider's ARN and its condition keys both use
 * the issuer URL without `https://`: host (with port when there is one) and path, no
 * trailing slash. AWS itself only registers https issuers without a port, but Roleport's
 * local STS also trusts `http://127.0.0.1:8080`-style dev issuers, so the port is kept.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc.html
 */

export interface OidcProviderArn {
  readonly partition: string;
  readonly account: string;
  /** Host and path, e.g. `roleport.example.com` or `127.0.0.1:8080/tenant`. */
  readonly prefix: string;
}

const PROVIDER_ARN = /^arn:([a-z-]+):iam::([^:]*):oidc-provider\/(.+)$/;

/** The condition-key prefix of an issuer URL: `https://id.example.com/a/` → `id.example.com/a`. */
export function providerPrefix(issuer: string): string {
  const url = parseIssuerUrl(issuer);
  return `${url.host}${url.pathname}`.replace(/\/+$/, '');
}

export function parseIssuerUrl(issuer: string): URL {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw invalidInput(`issuer ${JSON.stringify(issuer)}: not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalidInput(`issuer ${issuer}: must be an https:// URL`);
  if (url.search !== '' || url.hash !== '') throw invalidInput(`issuer ${issuer}: must not have a query or fragment`);
  if (url.username !== '' || url.password !== '') throw invalidInput(`issuer ${issuer}: must not carry credentials`);
  return url;
}

export function oidcProviderArn(options: { partition?: AwsPartition | string; account: string; issuer: string }): string {
  return `arn:${options.partition ?? 'aws'}:iam::${options.account}:oidc-provider/${providerPrefix(options.issuer)}`;
}

/** Parses `arn:aws:iam::ACCOUNT:oidc-provider/HOST[/PATH]`, or returns undefined. */
export function parseOidcProviderArn(value: string): OidcProviderArn | undefined {
  const match = PROVIDER_ARN.exec(value);
  if (match === null) return undefined;
  const [, partition, account, prefix] = match as unknown as [string, string, string, string];
  if (!isAccountId(account) || prefix.endsWith('/')) return undefined;
  return { partition, account, prefix };
}
