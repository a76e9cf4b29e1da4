/**
 * A provider's attribute mapping and attribute condition: which keys exist, how long the CEL
 * expressions and the mapped values may be. Evaluating them (CEL) is the local Google STS's
 * job (src/gcp-sts); the limits live here.
 * @see https://cloud.google.com/iam/docs/reference/rest/v1/projects.locations.workloadIdentityPools.providers (attributeMapping, attributeCondition)
 * @see https://cloud.google.com/iam/docs/workload-identity-federation#mapping
 */

export const GOOGLE_SUBJECT = 'google.subject';
export const GOOGLE_GROUPS = 'google.groups';
export const GOOGLE_DISPLAY_NAME = 'google.display_name';
export const GOOGLE_PROFILE_PHOTO = 'google.profile_photo';
const GOOGLE_KEYS = new Set([GOOGLE_SUBJECT, GOOGLE_GROUPS, GOOGLE_DISPLAY_NAME, GOOGLE_PROFILE_PHOTO]);

/** `attribute.<name>`: the name at most 100 characters of `[a-z0-9_]`. */
const CUSTOM_KEY = /^attribute\.([a-z0-9_]{1,100})$/;
export const MAX_CUSTOM_ATTRIBUTES = 50;
export const MAX_MAPPING_EXPRESSION_LENGTH = 2048;
export const MAX_CONDITION_LENGTH = 4096;
/** The mapped `google.subject` (bytes of UTF-8). */
export const MAX_SUBJECT_BYTES = 127;
export const MAX_DISPLAY_NAME_BYTES = 100;
/** All mapped attributes together. */
export const MAX_MAPPED_BYTES = 8 * 1024;

/** Why an attribute mapping breaks Google's rules, or undefined. An OIDC provider's mapping must map `google.subject`. */
export function attributeMappingProblem(mapping: Readonly<Record<string, string>>): string | undefined {
  const keys = Object.keys(mapping);
  if (!keys.includes(GOOGLE_SUBJECT)) return 'the attribute mapping must map google.subject (e.g. google.subject=assertion.sub)';
  let custom = 0;
  for (const key of keys) {
    if (CUSTOM_KEY.test(key)) custom++;
    else if (!GOOGLE_KEYS.has(key)) return `attribute mapping key ${JSON.stringify(key)}: expected google.subject, google.groups, google.display_name, google.profile_photo or attribute.NAME (NAME: 1-100 of a-z, 0-9, _)`;
    const expression = mapping[key] as string;
    if (expression.trim().length === 0) return `attribute mapping ${key}: the expression is empty`;
    if (expression.length > MAX_MAPPING_EXPRESSION_LENGTH) return `attribute mapping ${key}: the expression is longer than ${MAX_MAPPING_EXPRESSION_LENGTH} characters`;
  }
  if (custom > MAX_CUSTOM_ATTRIBUTES) return `at most ${MAX_CUSTOM_ATTRIBUTES} custom attributes`;
  return undefined;
}

export function attributeConditionProblem(condition: string): string | undefined {
  if (condition.trim().length === 0) return 'the attribute condition is empty';
  if (condition.length > MAX_CONDITION_LENGTH) return `the attribute condition is longer than ${MAX_CONDITION_LENGTH} characters`;
  return undefined;
}

/** The custom attribute's name in `attribute.<name>`, or undefined for google.* keys. */
export function customAttributeName(key: string): string | undefined {
  return CUSTOM_KEY.exec(key)?.[1];
}

/** Why the values a mapping produced break Google's size limits, or undefined. */
export function mappedAttributesProblem(values: Readonly<Record<string, string | readonly string[]>>): string | undefined {
  const bytes = (text: string): number => Buffer.byteLength(text, 'utf8');
  const subject = values[GOOGLE_SUBJECT];
  if (typeof subject === 'string' && bytes(subject) > MAX_SUBJECT_BYTES) return `The size of mapped attribute google.subject exceeds the ${MAX_SUBJECT_BYTES} bytes limit. Either modify your attribute mapping or the incoming assertion to produce a mapped attribute that is less than ${MAX_SUBJECT_BYTES} bytes.`;
  const displayName = values[GOOGLE_DISPLAY_NAME];
  if (typeof displayName === 'string' && bytes(displayName) > MAX_DISPLAY_NAME_BYTES) return `The size of mapped attribute google.display_name exceeds the ${MAX_DISPLAY_NAME_BYTES} bytes limit.`;
  let total = 0;
  for (const [key, value] of Object.entries(values)) total += bytes(key) + (typeof value === 'string' ? bytes(value) : value.reduce((sum, item) => sum + bytes(item), 0));
  return total > MAX_MAPPED_BYTES ? `The total size of mapped attributes exceeds the ${MAX_MAPPED_BYTES / 1024} KB limit.` : undefined;
}
