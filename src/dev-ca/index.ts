/**
 * `roleport dev`'s certificate authority for its local Entra endpoint, which must speak TLS
 * (MSAL takes only https:// authorities): a CA and the listener's certificate for 127.0.0.1
 * and localhost, kept in the data directory so that a client told to trust the CA
 * (`NODE_EXTRA_CA_CERTS=<dataDir>/dev-ca/ca.pem`) keeps trusting it across restarts. The CA's
 * key is never stored and its name constraints allow only those two names: trusting it
 * trusts this listener and nothing else.
 */
import { X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomically } from '../core/index.ts';
import { issueDevCertificates, type ServerNames } from './certificates.ts';

export { issueDevCertificates, type IssuedCertificates, type ServerNames } from './certificates.ts';

export interface DevCa {
  /** The CA certificate clients trust (PEM). */
  caFile: string;
  /** The listener's certificate (PEM). */
  certFile: string;
  /** The listener's private key (PEM, 0600). */
  keyFile: string;
  /** Whether this call made them (else they were reused). */
  created: boolean;
}

const NAMES: ServerNames = { dns: ['localhost'], ips: ['127.0.0.1'] };
const VALID_DAYS = 365;
/** Renewed when less than this is left, so that a running dev never outlives its certificate. */
const RENEW_BEFORE_MS = 30 * 86400_000;

/** The dev CA in `dir` (created 0700): reused while valid for the listener's names, else made anew (same file names). */
export function ensureDevCa(dir: string, now: Date = new Date()): DevCa {
  const files = { caFile: join(dir, 'ca.pem'), certFile: join(dir, 'entra.pem'), keyFile: join(dir, 'entra.key') };
  if (usable(files, now)) return { ...files, created: false };
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const issued = issueDevCertificates(NAMES, { now, days: VALID_DAYS, caName: 'Roleport dev CA (localhost only)' });
  writeFileAtomically(files.keyFile, issued.keyPem, 0o600);
  writeFileAtomically(files.certFile, issued.certPem, 0o644);
  writeFileAtomically(files.caFile, issued.caPem, 0o644);
  return { ...files, created: true };
}

function usable(files: { caFile: string; certFile: string; keyFile: string }, now: Date): boolean {
  try {
    const ca = new X509Certificate(readFileSync(files.caFile));
    const cert = new X509Certificate(readFileSync(files.certFile));
    readFileSync(files.keyFile);
    return cert.verify(ca.publicKey) && cert.checkIP('127.0.0.1') !== undefined && Date.parse(cert.validTo) - now.getTime() > RENEW_BEFORE_MS && Date.parse(cert.validFrom) <= now.getTime();
  } catch {
    return false;
  }
}
