/**
 * The access tokens the local Google STS and IAM Credentials endpoint hand out: opaque to
 * clients, self-contained for the endpoint — the federated principal (or service account),
 * scopes and expiry sealed with the master key, so any replica can read them back without a
 * table, and nothing outside can forge or read one.
 */
import type { Sealer } from '../secrets/index.ts';

/** Google's access tokens start `ya29.`; so do these, so clients that sniff the prefix treat them alike. */
const PREFIX = 'ya29.roleport.';
const ASSOCIATED_DATA = 'gcp-sts access token';

export interface FederatedTokenBody {
  kind: 'federated';
  provider: string;
  poolName: string;
  subject: string;
  groups: string[];
  attributes: Record<string, string>;
  scopes: string[];
  /** Epoch seconds. */
  expiresAt: number;
}

export interface ServiceAccountTokenBody {
  kind: 'service-account';
  email: string;
  scopes: string[];
  expiresAt: number;
}

export type AccessTokenBody = FederatedTokenBody | ServiceAccountTokenBody;

export function sealAccessToken(sealer: Sealer, body: AccessTokenBody): string {
  return `${PREFIX}${Buffer.from(sealer.seal(JSON.stringify(body), ASSOCIATED_DATA)).toString('base64url')}`;
}

/** The token's body, or undefined when it is not one of ours (or was tampered with). */
export function openAccessToken(sealer: Sealer, token: string): AccessTokenBody | undefined {
  if (!token.startsWith(PREFIX)) return undefined;
  try {
    return JSON.parse(sealer.openText(Buffer.from(token.slice(PREFIX.length), 'base64url').toString('utf8'), ASSOCIATED_DATA)) as AccessTokenBody;
  } catch {
    return undefined;
  }
}
