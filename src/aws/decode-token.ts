import { RoleportError } from '../core/index.ts';

/**
 * Splits a compact JWS into its header and claims WITHOUT verifying the signature: explain
 * looks at what a token says, to tell which of STS's checks it would fail. Nothing decoded
 * here is trusted; the local STS verifies signatures with jose.
 * @see https://www.rfc-editor.org/rfc/rfc7515#section-7.1
 */

export interface DecodedToken {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  /** Characters of the compact form, for STS's 4–20000 length rule. */
  length: number;
  hasSignature: boolean;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

function malformed(message: string): RoleportError {
  return new RoleportError('ERR_TOKEN_INVALID', `malformed token: ${message}`);
}

function decodePart(part: string, name: string): Record<string, unknown> {
  if (part.length === 0) throw malformed(`the ${name} is empty`);
  if (!BASE64URL.test(part)) throw malformed(`the ${name} is not base64url`);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw malformed(`the ${name} is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformed(`the ${name} is not a JSON object`);
  return value as Record<string, unknown>;
}

export function decodeToken(token: string): DecodedToken {
  const parts = token.split('.');
  if (parts.length === 5) throw malformed('it is an encrypted JWE (5 parts); STS takes a signed JWT');
  if (parts.length !== 3) throw malformed(`expected 3 dot-separated parts (header.claims.signature), found ${parts.length}`);
  const [header, claims, signature] = parts as [string, string, string];
  if (!BASE64URL.test(signature)) throw malformed('the signature is not base64url');
  return { header: decodePart(header, 'header'), claims: decodePart(claims, 'claims'), length: token.length, hasSignature: signature.length > 0 };
}
