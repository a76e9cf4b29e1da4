/**
 * The ARNs and names the local STS reads and writes.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html
 */

export interface RoleArn {
  readonly arn: string;
  readonly partition: string;
  readonly account: string;
  /** `/` or `/path/…/`. */
  readonly path: string;
  readonly name: string;
}

/** `arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME`; names are 1-64 of `[\w+=,.@-]`, paths ≤ 512. */
const ROLE_ARN = /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b):iam::(\d{12}):role(\/(?:[\u0021-\u007E]+\/)?)([\w+=,.@-]{1,64})$/;

export function parseRoleArn(value: string): RoleArn | undefined {
  const match = ROLE_ARN.exec(value);
  if (match === null) return undefined;
  const [, partition, account, path, name] = match as unknown as [string, string, string, string, string];
  if (path.length > 512) return undefined;
  return { arn: value, partition, account, path, name };
}

export interface UserArn {
  readonly arn: string;
  readonly partition: string;
  readonly account: string;
  readonly path: string;
  readonly name: string;
}

/** `arn:PARTITION:iam::ACCOUNT:user/[PATH/]NAME`; names are 1-64 of `[\w+=,.@-]`. */
const USER_ARN = /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b):iam::(\d{12}):user(\/(?:[\u0021-\u007E]+\/)?)([\w+=,.@-]{1,64})$/;

export function parseUserArn(value: string): UserArn | undefined {
  const match = USER_ARN.exec(value);
  if (match === null) return undefined;
  const [, partition, account, path, name] = match as unknown as [string, string, string, string, string];
  if (path.length > 512) return undefined;
  return { arn: value, partition, account, path, name };
}

/** `arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION` — the role's path is not part of it. */
export function assumedRoleArn(role: RoleArn, sessionName: string): string {
  return `arn:${role.partition}:sts::${role.account}:assumed-role/${role.name}/${sessionName}`;
}

/**
 * The condition-key prefix and provider-ARN suffix of an issuer: the URL without its
 * scheme — host, port when there is one, path — and no trailing slash. AWS registers only
 * `https://` URLs without a port; the local STS also takes `http://` and ports so that
 * loopback issuers (`http://127.0.0.1:8080` → `127.0.0.1:8080`) can be tested offline.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif
 */
export function providerPrefix(issuerUrl: string): string {
  const url = new URL(issuerUrl);
  return `${url.host}${url.pathname}`.replace(/\/+$/, '');
}

export function oidcProviderArn(partition: string, account: string, issuerUrl: string): string {
  return providerArnFor(partition, account, providerPrefix(issuerUrl));
}

/** The provider ARN from an already computed prefix. */
export function providerArnFor(partition: string, account: string, prefix: string): string {
  return `arn:${partition}:iam::${account}:oidc-provider/${prefix}`;
}

/** The form provider URLs are stored and matched in: as given, without trailing slashes. */
export function normalizeProviderUrl(value: string): string {
  return value.replace(/\/+$/, '');
}

/** Why a provider URL is unusable, or undefined when it is fine. */
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
  if (value.length > 255) return 'must be at most 255 characters';
  return undefined;
}
