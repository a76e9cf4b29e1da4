import { request as httpsRequest } from 'node:https';
import { checkServerIdentity, type PeerCertificate, type TLSSocket } from 'node:tls';

export interface FetchDocumentOptions {
  timeoutMs: number;
  /** Largest body accepted, in bytes. */
  maxBytes: number;
  /**
   * SHA-1 thumbprints (hex) of certificates the issuer's TLS chain may end in when no public
   * CA vouches for it. Empty: only publicly trusted chains are accepted (fetch's default).
   */
  thumbprints: readonly string[];
}

/**
 * GETs a JSON document (discovery or JWKS) the way AWS STS does: a bounded time, a bounded
 * size, TLS checked against the trusted roots — or, for a provider registered with
 * thumbprints, against those when the chain is private.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc_verify-thumbprint.html
 */
export async function fetchJsonDocument(url: string, options: FetchDocumentOptions): Promise<unknown> {
  const text = url.startsWith('https:') && options.thumbprints.length > 0 ? await fetchPinned(url, options) : await fetchPlain(url, options);
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${url} did not return JSON`);
  }
}

async function fetchPlain(url: string, options: FetchDocumentOptions): Promise<string> {
  // Redirects are not followed: the issuer's documents live at the URLs it names.
  const response = await fetch(url, { signal: AbortSignal.timeout(options.timeoutMs), redirect: 'error', headers: { accept: 'application/json' } });
  if (response.status !== 200) throw new Error(`${url} answered HTTP ${response.status}`);
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > options.maxBytes) throw new Error(`${url} is larger than ${options.maxBytes} bytes`);
  const body = await response.arrayBuffer();
  if (body.byteLength > options.maxBytes) throw new Error(`${url} is larger than ${options.maxBytes} bytes`);
  return Buffer.from(body).toString('utf8');
}

function normalizeThumbprint(value: string): string {
  return value.replace(/:/g, '').toLowerCase();
}

/** Every certificate the server presented, leaf first, up to the top of the chain. */
function presentedChain(socket: TLSSocket): PeerCertificate[] {
  const chain: PeerCertificate[] = [];
  let cert = socket.getPeerCertificate(true) as PeerCertificate & { issuerCertificate?: PeerCertificate };
  while (cert !== undefined && cert.raw !== undefined && !chain.some((seen) => seen.fingerprint256 === cert.fingerprint256)) {
    chain.push(cert);
    cert = (cert as PeerCertificate & { issuerCertificate?: PeerCertificate }).issuerCertificate as typeof cert;
  }
  return chain;
}

function fetchPinned(url: string, options: FetchDocumentOptions): Promise<string> {
  const pins = new Set(options.thumbprints.map(normalizeThumbprint));
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const request = httpsRequest(
      url,
      // The chain is judged below, after the handshake: trusted roots first, then the pins.
      { method: 'GET', agent: false, rejectUnauthorized: false, timeout: options.timeoutMs, headers: { accept: 'application/json' } },
      (response) => {
        if (response.statusCode !== 200) {
          response.resume();
          reject(new Error(`${url} answered HTTP ${response.statusCode ?? '?'}`));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > options.maxBytes) {
            request.destroy(new Error(`${url} is larger than ${options.maxBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        response.on('error', reject);
      },
    );
    request.on('socket', (socket) => {
      socket.once('secureConnect', () => {
        const tls = socket as TLSSocket;
        const chain = presentedChain(tls);
        const leaf = chain[0];
        const identityError = leaf === undefined ? new Error('no certificate') : checkServerIdentity(target.hostname, leaf);
        if (identityError !== undefined) {
          request.destroy(new Error(`${url}: TLS certificate does not name ${target.hostname}: ${identityError.message}`));
          return;
        }
        if (tls.authorized) return;
        if (!chain.some((cert) => pins.has(normalizeThumbprint(cert.fingerprint)))) {
          request.destroy(new Error(`${url}: TLS chain is not publicly trusted (${String(tls.authorizationError)}) and no certificate in it matches a registered thumbprint`));
        }
      });
    });
    request.on('timeout', () => request.destroy(new Error(`${url} did not answer within ${options.timeoutMs} ms`)));
    request.on('error', reject);
    request.end();
  });
}
