import { invalidInput, isRoleportError } from '../core/index.ts';
import { validateAccountId, type AwsPartition } from './admin-input.ts';
import { clientIdsProblem, normalizeProviderUrl, oidcProviderArn, parseProviderUrl, providerPrefix } from '../iam/index.ts';
import { fetchJson, inspectTlsChain, type CertificateSummary, type TlsChainInspection } from './tls-chain.ts';

export interface OidcProviderOptions {
  issuer: string;
  /** Client IDs (audiences) the provider accepts; 1–100 of at most 255 characters each. */
  audiences: readonly string[];
  account?: string | undefined;
  partition?: AwsPartition | undefined;
  /** Skip the TLS inspection (no network); the thumbprint is then left to the admin. */
  offline?: boolean | undefined;
  /** Trusted roots for the inspection; default Node's bundled public CAs. */
  ca?: readonly string[] | undefined;
  timeoutMs?: number | undefined;
}

export type TlsFinding =
  | { status: 'public'; host: string; port: number; chain: CertificateSummary[] }
  | { status: 'private'; host: string; port: number; reason: string; chain: CertificateSummary[]; thumbprintOf: CertificateSummary }
  | { status: 'not-https' }
  | { status: 'not-inspected' };

export interface OidcProviderSetup {
  url: string;
  clientIds: string[];
  /** Empty unless the jwks_uri host's chain is private. */
  thumbprints: string[];
  providerArn: string | undefined;
  tls: TlsFinding;
  notes: string[];
}

/**
 * What to register in IAM for Roleport's issuer: the provider URL, its client ID list, and a
 * thumbprint only when the host serving `jwks_uri` uses a private CA (AWS validates public
 * chains against its own trusted roots and ignores thumbprints for them).
 * @see https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateOpenIDConnectProvider.html
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc-verify-thumbprint.html
 */
export async function describeOidcProvider(options: OidcProviderOptions): Promise<OidcProviderSetup> {
  const url = parseProviderUrl(options.issuer);
  const issuer = normalizeProviderUrl(options.issuer);
  const clientIds = [...new Set(options.audiences)];
  const clientIdProblem = clientIdsProblem(clientIds);
  if (clientIdProblem !== undefined) throw invalidInput(`--audience: ${clientIdProblem}`);
  if (options.account !== undefined) validateAccountId(options.account, '--account');
  const providerArn = options.account === undefined ? undefined : oidcProviderArn(options.partition ?? 'aws', options.account, providerPrefix(issuer));
  const notes: string[] = [];
  if (url.port !== '') notes.push(`AWS registers provider URLs without a port; ${issuer} works with Roleport's local STS only`);

  if (url.protocol !== 'https:') {
    notes.push(`AWS requires an https:// issuer; ${issuer} works with Roleport's local STS only (serve the issuer over TLS, or publish discovery and JWKS to an https host with roleport issuer publish)`);
    return { url: issuer, clientIds, thumbprints: [], providerArn, tls: { status: 'not-https' }, notes };
  }
  if (options.offline === true) {
    notes.push('TLS not inspected (--offline): no thumbprint is needed if the issuer uses a certificate from a public CA; for a private CA run again without --offline');
    return { url: issuer, clientIds, thumbprints: [], providerArn, tls: { status: 'not-inspected' }, notes };
  }

  const port = (host: URL): number => (host.port === '' ? 443 : Number(host.port));
  const inspect = (target: URL): Promise<TlsChainInspection> =>
    inspectTlsChain({ host: target.hostname.replace(/^\[|\]$/g, ''), port: port(target), ca: options.ca, timeoutMs: options.timeoutMs });

  let inspected = await inspect(url);
  const jwksUrl = await readJwksUri(issuer, inspected, options, notes);
  if (jwksUrl !== undefined && (jwksUrl.hostname !== url.hostname || port(jwksUrl) !== port(url))) {
    // AWS pins the certificate of the host that serves the keys, which may differ from the issuer's.
    inspected = await inspect(jwksUrl);
    notes.push(`jwks_uri is served by ${jwksUrl.host}: the TLS findings are for that host`);
  }
  if (inspected.hostnameError !== undefined) notes.push(`${inspected.hostnameError}: AWS will refuse the connection`);
  if (inspected.trusted) {
    notes.push(`${inspected.host} uses a certificate from a public CA: AWS needs no thumbprint`);
    return { url: issuer, clientIds, thumbprints: [], providerArn, tls: { status: 'public', host: inspected.host, port: inspected.port, chain: inspected.chain }, notes };
  }
  const reason = inspected.authorizationError ?? 'the chain does not end at a public root CA';
  notes.push(`${inspected.host} uses a private CA (${reason}): AWS needs the thumbprint of ${inspected.top.subject}`);
  return {
    url: issuer,
    clientIds,
    thumbprints: [inspected.top.sha1],
    providerArn,
    tls: { status: 'private', host: inspected.host, port: inspected.port, reason, chain: inspected.chain, thumbprintOf: inspected.top },
    notes,
  };
}

/** Reads discovery's jwks_uri, trusting exactly the chain just inspected when it is private. */
async function readJwksUri(issuer: string, inspected: TlsChainInspection, options: OidcProviderOptions, notes: string[]): Promise<URL | undefined> {
  const discoveryUrl = new URL(`${issuer}/.well-known/openid-configuration`);
  let document: unknown;
  try {
    document = await fetchJson(
      discoveryUrl,
      inspected.trusted ? { ca: options.ca, timeoutMs: options.timeoutMs } : { ca: inspected.pems, partialChain: true, timeoutMs: options.timeoutMs },
    );
  } catch (error) {
    if (!isRoleportError(error)) throw error;
    notes.push(`could not read ${discoveryUrl.href} (${error.message}); the TLS findings are for the issuer host`);
    return undefined;
  }
  const record = typeof document === 'object' && document !== null ? (document as Record<string, unknown>) : {};
  if (record['issuer'] !== issuer) notes.push(`discovery says issuer ${JSON.stringify(record['issuer'])}, not ${issuer}: AWS will refuse the tokens`);
  const jwksUri = record['jwks_uri'];
  if (typeof jwksUri !== 'string') {
    notes.push('discovery has no jwks_uri: AWS cannot fetch the keys');
    return undefined;
  }
  try {
    const parsed = new URL(jwksUri);
    if (parsed.protocol !== 'https:') notes.push(`jwks_uri ${jwksUri} is not https: AWS cannot fetch the keys`);
    return parsed.protocol === 'https:' ? parsed : undefined;
  } catch {
    notes.push(`jwks_uri ${JSON.stringify(jwksUri)} is not a URL`);
    return undefined;
  }
}
