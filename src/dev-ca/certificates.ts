import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { bitString, boolean, explicit, implicit, integer, octetString, oid, sequence, set, time, utf8String } from './der.ts';

/**
 * A CA and one TLS server certificate signed by it, written with node:crypto and a few DER
 * encodings (no openssl, no dependency): ECDSA P-256 with SHA-256.
 * @see https://www.rfc-editor.org/rfc/rfc5280
 */

const ECDSA_WITH_SHA256 = sequence(oid('1.2.840.10045.4.3.2'));
const OID = {
  commonName: '2.5.4.3',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  nameConstraints: '2.5.29.30',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
} as const;

/** The names a server certificate (and, as name constraints, the CA) covers. */
export interface ServerNames {
  dns: readonly string[];
  /** IPv4 addresses. */
  ips: readonly string[];
}

export interface IssuedCertificates {
  caPem: string;
  certPem: string;
  keyPem: string;
}

const name = (commonName: string): Buffer => sequence(set(sequence(oid(OID.commonName), utf8String(commonName))));
const extension = (id: string, critical: boolean, value: Buffer): Buffer => sequence(oid(id), ...(critical ? [boolean(true)] : []), octetString(value));
const ipv4 = (address: string): Buffer => Buffer.from(address.split('.').map(Number));
const spki = (key: KeyObject): Buffer => key.export({ type: 'spki', format: 'der' });

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. */
function keyIdentifier(key: KeyObject): Buffer {
  const der = spki(key);
  // The SPKI of a P-256 key ends with the 65-byte uncompressed point (the BIT STRING's content).
  return createHash('sha1').update(der.subarray(der.length - 65)).digest();
}

function certificate(options: { serial: Buffer; issuer: Buffer; subject: Buffer; notBefore: Date; notAfter: Date; publicKey: KeyObject; extensions: Buffer[]; signer: KeyObject }): string {
  const tbs = sequence(
    explicit(0, integer(Buffer.from([2]))),
    integer(options.serial),
    ECDSA_WITH_SHA256,
    options.issuer,
    sequence(time(options.notBefore), time(options.notAfter)),
    options.subject,
    spki(options.publicKey),
    explicit(3, sequence(...options.extensions)),
  );
  const signature = sign('sha256', tbs, options.signer);
  const der = sequence(tbs, ECDSA_WITH_SHA256, bitString(signature));
  return `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
}

/**
 * A new CA and a server certificate for `names`, both valid from an hour ago for `days`. The
 * CA may sign only for these names (critical name constraints, path length 0; `constrainTo`
 * sets other ones, for the test that a certificate outside them is refused), and its key is
 * not returned: once this function returns, no one can issue another certificate under it —
 * trusting it (NODE_EXTRA_CA_CERTS) trusts this one listener and nothing else.
 */
export function issueDevCertificates(names: ServerNames, options: { now: Date; days: number; caName: string; constrainTo?: ServerNames | undefined }): IssuedCertificates {
  const ca = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const server = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const notBefore = new Date(options.now.getTime() - 3600_000);
  const notAfter = new Date(options.now.getTime() + options.days * 86400_000);
  const caName = name(options.caName);
  const caId = keyIdentifier(ca.publicKey);
  // GeneralSubtrees, tagged [0] IMPLICIT: each subtree a SEQUENCE of one GeneralName (an IP subtree is address + mask).
  const constraint = options.constrainTo ?? names;
  const permitted = Buffer.concat([
    ...constraint.dns.map((dns) => sequence(implicit(2, Buffer.from(dns, 'ascii')))),
    ...constraint.ips.map((ip) => sequence(implicit(7, Buffer.concat([ipv4(ip), Buffer.from([255, 255, 255, 255])])))),
  ]);
  const caPem = certificate({
    serial: randomBytes(16),
    issuer: caName,
    subject: caName,
    notBefore,
    notAfter,
    publicKey: ca.publicKey,
    signer: ca.privateKey,
    extensions: [
      extension(OID.basicConstraints, true, sequence(boolean(true), integer(Buffer.from([0])))),
      extension(OID.keyUsage, true, bitString(Buffer.from([0x06]), 1)), // keyCertSign, cRLSign
      extension(OID.subjectKeyIdentifier, false, octetString(caId)),
      extension(OID.nameConstraints, true, sequence(explicit(0, permitted))),
    ],
  });
  const certPem = certificate({
    serial: randomBytes(16),
    issuer: caName,
    subject: name(names.dns[0] ?? names.ips[0] ?? 'localhost'),
    notBefore,
    notAfter,
    publicKey: server.publicKey,
    signer: ca.privateKey,
    extensions: [
      extension(OID.basicConstraints, true, sequence()),
      extension(OID.keyUsage, true, bitString(Buffer.from([0x80]), 7)), // digitalSignature
      extension(OID.extKeyUsage, false, sequence(oid(OID.serverAuth))),
      extension(OID.subjectAltName, false, sequence(...names.dns.map((dns) => implicit(2, Buffer.from(dns, 'ascii'))), ...names.ips.map((ip) => implicit(7, ipv4(ip))))),
      extension(OID.subjectKeyIdentifier, false, octetString(keyIdentifier(server.publicKey))),
      extension(OID.authorityKeyIdentifier, false, sequence(implicit(0, caId))),
    ],
  });
  return { caPem, certPem, keyPem: server.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}
