import { formatWireTime } from './integration-json.ts';
import type { AwsCredentials } from './types.ts';

/**
 * The exchange's `access_token`: standard base64 (with padding) of the JSON
 * `{accessKeyId, secretAccessKey, sessionToken, expiration}`, `expiration` as
 * `%Y-%m-%dT%H:%M:%SZ` — what the publishing server's SDKs decode.
 */
export function encodeAwsCredentials(credentials: AwsCredentials): string {
  const json = JSON.stringify({
    accessKeyId: credentials.accessKeyId,
    secretAccessKey: credentials.secretAccessKey,
    sessionToken: credentials.sessionToken,
    expiration: formatWireTime(credentials.expiration),
  });
  return Buffer.from(json, 'utf8').toString('base64');
}
