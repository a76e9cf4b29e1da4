/**
 * Session tags and source identity: from a web identity token's AWS claims, or from
 * AssumeRole's `Tags` / `SourceIdentity` parameters.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html#id_session-tags_adding-assume-role-idp
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_monitor.html
 */
import { stsError } from './sts-errors.ts';
import { isSourceIdentity } from './session-name.ts';

export const TAGS_CLAIM = 'https://aws.amazon.com/tags';
export const SOURCE_IDENTITY_CLAIM = 'https://aws.amazon.com/source_identity';

/** At most 50 session tags; keys of 1–128 and values of 0–256 characters. */
export const SESSION_TAG_LIMITS = { tags: 50, keyLength: 128, valueLength: 256 } as const;
export const MAX_SESSION_TAGS = SESSION_TAG_LIMITS.tags;
/** The characters of tag keys and values: letters, digits and spaces in any script, and `_.:/=+-@`. */
export const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const TAG_TEXT_DISALLOWED = /[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu;

export function isTagKey(key: string): boolean {
  return key.length >= 1 && key.length <= SESSION_TAG_LIMITS.keyLength && TAG_TEXT.test(key);
}

export function isTagValue(value: string): boolean {
  return value.length <= SESSION_TAG_LIMITS.valueLength && TAG_TEXT.test(value);
}

/** A value made acceptable as a tag value: disallowed characters become `_`, cut to 256. */
export function sanitizeTagValue(value: string): string {
  return value.replace(TAG_TEXT_DISALLOWED, '_').slice(0, SESSION_TAG_LIMITS.valueLength);
}

export interface SessionTags {
  /** Tag key → value, keys as given. */
  readonly tags: Readonly<Record<string, string>>;
  readonly transitiveTagKeys: readonly string[];
}

export const NO_TAGS: SessionTags = { tags: {}, transitiveTagKeys: [] };

function invalidTags(reason: string): Error {
  return stsError('InvalidIdentityToken', `The ${TAGS_CLAIM} claim is invalid: ${reason}`);
}

/**
 * Checks a set of tags as STS does: at most 50, keys of 1-128 and values of 0-256 allowed
 * characters, no `aws:` prefix, no two keys that differ only in case.
 */
export function checkTags(tags: Readonly<Record<string, string>>, fail: (reason: string) => Error): void {
  const keys = Object.keys(tags);
  if (keys.length > MAX_SESSION_TAGS) {
    throw stsError('PackedPolicyTooLarge', `The request was rejected because the total packed size of the session policies and session tags combined was too large: ${keys.length} session tags, at most ${MAX_SESSION_TAGS}`);
  }
  const seen = new Set<string>();
  for (const key of keys) {
    if (!isTagKey(key)) throw fail(`tag key ${JSON.stringify(key)} must be 1-128 of letters, digits, spaces and _.:/=+-@`);
    if (key.toLowerCase().startsWith('aws:')) throw fail(`tag key ${JSON.stringify(key)} must not start with aws:`);
    if (seen.has(key.toLowerCase())) throw fail(`tag key ${JSON.stringify(key)} repeats another key that differs only in case`);
    seen.add(key.toLowerCase());
    if (!isTagValue(tags[key] as string)) throw fail(`the value of tag ${JSON.stringify(key)} must be 0-256 of letters, digits, spaces and _.:/=+-@`);
  }
}

/**
 * `{"principal_tags": {"Key": ["value"]}, "transitive_tag_keys": ["Key"]}` → tags; each tag
 * holds exactly one value. Returns undefined when the claim is absent.
 */
export function readTagsClaim(claims: Readonly<Record<string, unknown>>): SessionTags | undefined {
  const claim = claims[TAGS_CLAIM];
  if (claim === undefined) return undefined;
  if (typeof claim !== 'object' || claim === null || Array.isArray(claim)) throw invalidTags('it must be an object with principal_tags');
  const { principal_tags: principalTags, transitive_tag_keys: transitive, ...rest } = claim as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw invalidTags(`unknown member ${JSON.stringify(unknown[0])}`);
  if (typeof principalTags !== 'object' || principalTags === null || Array.isArray(principalTags)) throw invalidTags('principal_tags must be an object of tag key → [value]');
  const tags: Record<string, string> = {};
  for (const [key, value] of Object.entries(principalTags as Record<string, unknown>)) {
    if (!Array.isArray(value) || value.length !== 1 || typeof value[0] !== 'string') throw invalidTags(`principal_tags.${key} must be an array holding one string`);
    tags[key] = value[0];
  }
  checkTags(tags, invalidTags);
  let transitiveTagKeys: string[] = [];
  if (transitive !== undefined) {
    if (!Array.isArray(transitive) || !transitive.every((key): key is string => typeof key === 'string')) throw invalidTags('transitive_tag_keys must be an array of strings');
    for (const key of transitive) {
      if (!(key in tags)) throw invalidTags(`transitive_tag_keys names ${JSON.stringify(key)}, which is not in principal_tags`);
    }
    transitiveTagKeys = [...new Set(transitive)];
  }
  return { tags, transitiveTagKeys };
}

/** Validates a source identity (from the claim or the parameter); the pattern also keeps out AWS's reserved `aws:` prefix. */
export function checkSourceIdentity(value: unknown, fail: (reason: string) => Error): string {
  if (typeof value !== 'string' || !isSourceIdentity(value)) throw fail('it must be 2-64 of [\\w+=,.@-]');
  return value;
}

export function readSourceIdentityClaim(claims: Readonly<Record<string, unknown>>): string | undefined {
  const claim = claims[SOURCE_IDENTITY_CLAIM];
  if (claim === undefined) return undefined;
  return checkSourceIdentity(claim, (reason) => stsError('InvalidIdentityToken', `The ${SOURCE_IDENTITY_CLAIM} claim is invalid: ${reason}`));
}

/**
 * An estimate of `PackedPolicySize` (percent of the allowance). AWS compresses session
 * policies and tags into a binary format it does not document; this counts their characters
 * against 4096, so a 2048-character policy alone uses half. Over 100 is `PackedPolicyTooLarge`.
 */
export function packedPolicySize(policy: string | undefined, tags: Readonly<Record<string, string>>): number | undefined {
  const tagChars = Object.entries(tags).reduce((sum, [key, value]) => sum + key.length + value.length, 0);
  const policyChars = policy === undefined ? 0 : JSON.stringify(JSON.parse(policy)).length;
  if (policy === undefined && tagChars === 0 && Object.keys(tags).length === 0) return undefined;
  const size = Math.max(1, Math.ceil((100 * (policyChars + tagChars)) / 4096));
  if (size > 100) {
    throw stsError('PackedPolicyTooLarge', `The request was rejected because the total packed size of the session policies and session tags combined was too large (${size}% of the allowance)`);
  }
  return size;
}
