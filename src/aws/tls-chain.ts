import { X509Certificate } from 'node:crypto';
import { request } from 'node:https';
import { connect, type DetailedPeerCertificate } from 'node:tls';
import { RoleportError } from '../core/index.ts';

/**
 * Looks at the TLS certificate chain an issuer's host serves, to decide whether AWS needs a
 * thumbprint for it. AWS trusts issuers whose chain ends at a public root CA by itself; for a
 * private CA it pins the SHA-1 fingerprint of the last certificate the server sends (the top
 * intermediate or the root), exactly what `openssl s_client -showcerts` shows last.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc-verify-thumbprint.html
 */

export interface CertificateSummary {
  subject: string;
  issuer: string;
  /** SHA-1 of the DER certificate: 40 lowercase hex digits, the form IAM's ThumbprintList takes. */
  sha1: string;
  validTo: string;
}

export interface TlsChainInspection {
  host: string;
  port: number;
  /** Whether the chain verifies against the trusted roots (Node's bundled public CAs unless `ca` is given). */
  trusted: boolean;
  /** OpenSSL's reason when it does not, e.g. `SELF_SIGNED_CERT_IN_CHAIN`. */
  authorizationError: string | undefined;
  /** Set when the leaf certificate does not name the host. */
  hostnameError: string | undefined;
  /** As served, leaf first. */
  chain: CertificateSummary[];
  /** The last certificate of the chain: what IAM's thumbprint is computed from. */
  top: CertificateSummary;
  /** PEM of every certificate in `chain`, to trust exactly this chain for a follow-up request. */
  pems: string[];
}

export interface InspectOptions {
  host: string;
  port: number;
  /** Trusted roots; default Node's bundled public CAs. Tests pass a private CA to play "public". */
  ca?: readonly string[] | undefined;
  timeoutMs?: number | undefined;
}

const DEFAULT_TIMEOUT_MS = 5000;

function unreachable(what: string, cause: unknown): RoleportError {
  const reason = cause instanceof Error ? ((cause as NodeJS.ErrnoException).code ?? cause.message) : String(cause);
  return new RoleportError('ERR_AWS_ISSUER_UNREACHABLE', `cannot reach ${what}: ${reason}`, { cause });
}

export function inspectTlsChain(options: InspectOptions): Promise<TlsChainInspection> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const where = `${options.host}:${options.port}`;
  return new Promise((resolve, reject) => {
    // rejectUnauthorized is off because the point is to look at a chain that may not verify;
    // nothing read over this connection is trusted, and no data is exchanged.
    const socket = connect({
      host: options.host,
      port: options.port,
      servername: isIpAddress(options.host) ? undefined : options.host,
      rejectUnauthorized: false,
      ...(options.ca === undefined ? {} : { ca: [...options.ca] }),
    });
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no TLS handshake within ${timeoutMs} ms`)));
    socket.once('error', (error) => reject(unreachable(`${where} over TLS`, error)));
    socket.once('secureConnect', () => {
      try {
        const peer = socket.getPeerCertificate(true);
        const chain = walkChain(peer);
        if (chain.length === 0) throw new Error('the server sent no certificate');
        const leaf = new X509Certificate(chain[0]!.raw);
        const hostnameOk = isIpAddress(options.host) ? leaf.checkIP(options.host) !== undefined : leaf.checkHost(options.host) !== undefined;
        const summaries = chain.map(summarize);
        resolve({
          host: options.host,
          port: options.port,
          trusted: socket.authorized,
          authorizationError: socket.authorizationError === undefined || socket.authorizationError === null ? undefined : String(socket.authorizationError),
          hostnameError: hostnameOk ? undefined : `the certificate does not name ${options.host}`,
          chain: summaries,
          top: summaries.at(-1)!,
          pems: chain.map((cert) => new X509Certificate(cert.raw).toString()),
        });
      } catch (error) {
        reject(unreachable(`${where} over TLS`, error));
      } finally {
        socket.destroy();
      }
    });
  });
}

/** Follows `issuerCertificate` links from the leaf; a self-signed root links to itself. */
function walkChain(peer: DetailedPeerCertificate): DetailedPeerCertificate[] {
  const chain: DetailedPeerCertificate[] = [];
  let current: DetailedPeerCertificate | undefined = peer;
  while (current !== undefined && current.raw !== undefined) {
    const fingerprint = current.fingerprint256;
    if (chain.some((seen) => seen.fingerprint256 === fingerprint)) break;
    chain.push(current);
    current = current.issuerCertificate;
  }
  return chain;
}

function summarize(cert: DetailedPeerCertificate): CertificateSummary {
  const x509 = new X509Certificate(cert.raw);
  return {
    subject: x509.subject.replace(/\n/g, ', '),
    issuer: x509.issuer.replace(/\n/g, ', '),
    sha1: x509.fingerprint.replace(/:/g, '').toLowerCase(),
    validTo: x509.validTo,
  };
}

function isIpAddress(host: string): boolean {
  return /^\d+\.\d+\.\d+\.\d+$/.test(host) || host.includes(':');
}

/**
 * GETs a small JSON document over https, trusting the roots given (or exactly the chain just
 * inspected, through `allowPartialTrustChain`): used to read discovery's `jwks_uri` from an
 * issuer behind a private CA without turning certificate checks off.
 */
export function fetchJson(url: URL, options: { ca?: readonly string[] | undefined; partialChain?: boolean; timeoutMs?: number | undefined }): Promise<unknown> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'GET',
        headers: { accept: 'application/json' },
        timeout: timeoutMs,
        ...(options.ca === undefined ? {} : { ca: [...options.ca] }),
        ...(options.partialChain === true ? { allowPartialTrustChain: true } : {}),
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > 1_000_000) req.destroy(new Error('response larger than 1 MB'));
          else chunks.push(chunk);
        });
        response.on('end', () => {
          if (response.statusCode !== 200) return reject(unreachable(url.href, new Error(`HTTP ${response.statusCode}`)));
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
          } catch (error) {
            reject(unreachable(url.href, new Error(`not JSON: ${(error as Error).message}`)));
          }
        });
        response.on('error', (error) => reject(unreachable(url.href, error)));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error) => reject(unreachable(url.href, error)));
    req.end();
  });
}
