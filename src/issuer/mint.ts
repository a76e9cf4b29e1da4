import { availableParallelism } from 'node:os';
import type { Clock, EventSink } from '../core/index.ts';
import { findUnsafeCharacter, invalidInput, pooledRandomBytes } from '../core/index.ts';
import type { SigningKeyMaterial } from './signing-key.ts';
import { createJwsSigner, type SigningPlace } from './jws-signer.ts';

/** Claims the minting core owns; callers may not set them. */
const RESERVED_CLAIMS = new Set(['iss', 'sub', 'aud', 'exp', 'iat', 'nbf', 'jti']);

export interface MintOptions {
  subject: string;
  audience: string | readonly string[];
  ttlSeconds?: number | undefined;
  claims?: Readonly<Record<string, unknown>> | undefined;
  /** Who asked, for the audit log. */
  actor: string;
  userName?: string | undefined;
  sessionId?: string | undefined;
  roleArn?: string | undefined;
}

export interface MintResult {
  token: string;
  jti: string;
  kid: string;
  issuedAt: number;
  expiresAt: number;
  claims: Record<string, unknown>;
}

export interface MinterOptions {
  issuer: string;
  clock: Clock;
  events: EventSink;
  signingKey: () => SigningKeyMaterial;
  defaultTtlSeconds: number;
  maxTtlSeconds: number;
  /** Observer for metrics; called once per token. */
  onMint?: () => void;
  /** Where signatures are computed (jws-signer.ts); default: the thread pool when more than one core is available. */
  signingPlace?: SigningPlace | undefined;
}

/** Resolves once the token's `token.minted` row is committed to the audit log: only then may the token leave. */
export type MintToken = (options: MintOptions) => Promise<MintResult>;

/**
 * The one function that mints Roleport's JWTs. It builds the compact JWS itself (three
 * base64url parts — RFC 7515 §7.1) and signs with node:crypto, on the event loop or on the
 * thread pool (jws-signer.ts); jose's SignJWT did the same work with several times the
 * overhead per token, and jose verifies the result in the tests. The `token.minted` audit row
 * is committed before the token is returned (group commit: concurrent mints share one
 * write), so no token can leave without its row.
 * @see https://www.rfc-editor.org/rfc/rfc7519
 */
export function createMinter(options: MinterOptions): MintToken {
  const signJws = createJwsSigner(options.signingPlace ?? defaultSigningPlace());
  const headerCache = new Map<string, string>();
  const encodedHeader = (key: SigningKeyMaterial): string => {
    let header = headerCache.get(key.kid);
    if (header === undefined) {
      header = Buffer.from(JSON.stringify({ alg: key.alg, kid: key.kid, typ: 'JWT' })).toString('base64url');
      headerCache.set(key.kid, header);
    }
    return header;
  };

  // The checked, serialized part of a payload that stays the same from token to token — the
  // caller's claims, iss, sub and aud — kept per claims object: a session's refreshes pass the
  // same frozen claims (sessions/token-sources.ts), so only exp, iat, nbf and jti are new.
  const fixedParts = new WeakMap<object, Map<string, FixedPayload>>();
  const fixedPayload = (mint: MintOptions): FixedPayload => {
    const audienceKey = typeof mint.audience === 'string' ? mint.audience : mint.audience.join('\n');
    const remembered = mint.claims === undefined ? undefined : fixedParts.get(mint.claims)?.get(mint.subject);
    if (remembered !== undefined && remembered.audienceKey === audienceKey) return remembered;
    const audiences = typeof mint.audience === 'string' ? [mint.audience] : [...mint.audience];
    if (mint.subject.length === 0) throw invalidInput('sub must not be empty');
    if (audiences.length === 0 || audiences.some((a) => a.length === 0)) throw invalidInput('aud must not be empty');
    // Whoever asked, sub and aud are safe text (core/text.ts): AWS matches them, the audit log stores them.
    for (const [name, value] of [['sub', mint.subject], ...audiences.map((a) => ['aud', a] as const)] as const) {
      const unsafe = findUnsafeCharacter(value);
      if (unsafe !== undefined) throw invalidInput(`${name} must not contain control characters (found ${unsafe})`);
    }
    for (const name of Object.keys(mint.claims ?? {})) {
      if (RESERVED_CLAIMS.has(name)) throw invalidInput(`claim ${name} is set by the issuer and cannot be given`);
    }
    const fixed: Record<string, unknown> = { ...mint.claims, iss: options.issuer, sub: mint.subject, aud: audiences.length === 1 ? audiences[0] : audiences };
    // `{…fixed,` — the JSON of the fixed claims without its closing brace; the rest is appended.
    const part: FixedPayload = { audienceKey, audiences, claims: fixed, json: JSON.stringify(fixed).slice(0, -1) };
    if (mint.claims !== undefined && Object.isFrozen(mint.claims)) {
      let bySubject = fixedParts.get(mint.claims);
      if (bySubject === undefined) fixedParts.set(mint.claims, (bySubject = new Map()));
      bySubject.set(mint.subject, part);
    }
    return part;
  };

  return async (mint) => {
    const ttl = mint.ttlSeconds ?? options.defaultTtlSeconds;
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > options.maxTtlSeconds) {
      throw invalidInput(`ttl must be a whole number of seconds between 1 and ${options.maxTtlSeconds}`);
    }
    const fixed = fixedPayload(mint);
    const audiences = fixed.audiences;
    const key = options.signingKey();
    const issuedAt = Math.floor(options.clock.now() / 1000);
    const expiresAt = issuedAt + ttl;
    const jti = timeOrderedUuid(options.clock.now());
    const claims: Record<string, unknown> = { ...fixed.claims, exp: expiresAt, iat: issuedAt, nbf: issuedAt, jti };
    // The same JSON as JSON.stringify(claims): the fixed part, then the four claims in that order.
    const payload = `${fixed.json},"exp":${expiresAt},"iat":${issuedAt},"nbf":${issuedAt},"jti":"${jti}"}`;
    const signingInput = `${encodedHeader(key)}.${Buffer.from(payload).toString('base64url')}`;
    const signature = Buffer.from(await signJws(key, Buffer.from(signingInput)));
    await options.events.commit({
      type: 'token.minted',
      actor: mint.actor,
      occurredAt: options.clock.now(),
      userName: mint.userName,
      sessionId: mint.sessionId,
      roleArn: mint.roleArn,
      jti,
      kid: key.kid,
      subject: mint.subject,
      audience: audiences.join(' '),
      expiresAt: expiresAt * 1000,
    });
    options.onMint?.();
    return { token: `${signingInput}.${signature.toString('base64url')}`, jti, kid: key.kid, issuedAt, expiresAt, claims };
  };
}

/** What `createMinter` keeps of a payload that stays the same from token to token. */
interface FixedPayload {
  audienceKey: string;
  audiences: readonly string[];
  claims: Readonly<Record<string, unknown>>;
  json: string;
}

/** RS256 off the event loop when the process may use more than one core (a `taskset` to one CPU counts as one); see jws-signer.ts. */
function defaultSigningPlace(): SigningPlace {
  return availableParallelism() > 1 ? 'thread-pool' : 'event-loop';
}

/**
 * A UUIDv7 (RFC 9562 §5.7): 48 bits of Unix milliseconds, then random bits. The audit log
 * indexes `jti`; time-ordered values append at the index's end, where random v4 values made
 * every insert touch a random page — several times the cost, growing with the table.
 */
export function timeOrderedUuid(unixMs: number): string {
  const bytes = pooledRandomBytes(16);
  bytes.writeUIntBE(Math.max(0, Math.floor(unixMs)) % 2 ** 48, 0, 6);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
