import { invalidInput } from '../core/index.ts';
import { isTagKey, MAX_SESSION_TAGS, sanitizeRoleSessionName, sanitizeTagValue, SESSION_TAG_LIMITS } from '../iam/index.ts';
import { parseRoleArn } from './session-name.ts';
import type { SessionTagSettings, SessionUser, TokenSource } from './types.ts';


/** The `https://aws.amazon.com/tags` claim. */
export interface SessionTagsClaim {
  principal_tags: Record<string, [string]>;
  transitive_tag_keys?: string[];
}

export interface SessionTagContext {
  user: SessionUser;
  sessionId: string;
  roleArn: string;
  region: string;
  tokenSource: TokenSource;
}

/**
 * Builds the session-tags claim from the admin's allow-list: the listed user attributes, the
 * user's allowed groups joined with `:` under one key (STS takes one value per tag), and the
 * listed session attributes. A missing attribute is left out; a value's disallowed characters
 * become `_` and it is cut to 256. Returns undefined when the allow-list yields no tag, so
 * tokens carry no empty claim (which would still demand `sts:TagSession`).
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html#id_session-tags_adding-assume-role-idp
 */
export function buildSessionTags(settings: SessionTagSettings, context: SessionTagContext): SessionTagsClaim | undefined {
  const tags = new Map<string, string>();
  const put = (key: string, value: string | undefined): void => {
    if (value === undefined || value.length === 0) return;
    assertTagKey(key);
    const lower = key.toLowerCase();
    // STS refuses two keys that differ only in case.
    for (const existing of tags.keys()) {
      if (existing.toLowerCase() === lower && existing !== key) throw invalidInput(`session tags: keys ${existing} and ${key} differ only in case`);
    }
    tags.set(key, sanitizeTagValue(value));
  };

  for (const attribute of settings.user) put(attribute, userAttribute(context.user, attribute));
  if (settings.group !== undefined) {
    const allowAll = settings.group.allow.includes('*');
    const groups = context.user.groups.filter((group) => allowAll || settings.group!.allow.includes(group));
    put(settings.group.key, groups.join(':'));
  }
  for (const attribute of settings.session) put(attribute, sessionAttribute(context, attribute));

  if (tags.size === 0) return undefined;
  if (tags.size > MAX_SESSION_TAGS) throw invalidInput(`session tags: ${tags.size} tags, STS allows at most ${MAX_SESSION_TAGS}`);
  const claim: SessionTagsClaim = { principal_tags: Object.fromEntries([...tags].map(([key, value]) => [key, [value]])) };
  const transitive = settings.transitiveTagKeys.filter((key) => tags.has(key));
  if (transitive.length > 0) claim.transitive_tag_keys = transitive;
  return claim;
}

/**
 * Renders the source-identity template and applies STS's rules for it (the same as for
 * session names: 2–64 of `[\w+=,.@-]`). Source identity is fixed for the whole role chain,
 * so it is the person, never the session.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_monitor.html
 */
export function renderSourceIdentity(template: string, user: SessionUser, sessionId: string): string {
  const rendered = template.replace(/\{([a-z_]+)\}/g, (_match, name: string) => {
    const value = name === 'session_id' ? sessionId : userAttribute(user, name);
    if (value === undefined || value.length === 0) throw invalidInput(`sessions.sourceIdentityTemplate ${template}: no value for {${name}}`);
    return value;
  });
  return sanitizeRoleSessionName(rendered);
}

function assertTagKey(key: string): void {
  if (!isTagKey(key)) throw invalidInput(`session tag key ${JSON.stringify(key)}: must be 1-${SESSION_TAG_LIMITS.keyLength} of letters, digits, spaces and _.:/=+-@`);
  if (key.toLowerCase().startsWith('aws:')) throw invalidInput(`session tag key ${key}: the aws: prefix is reserved`);
}

function userAttribute(user: SessionUser, attribute: string): string | undefined {
  switch (attribute) {
    case 'username':
      return user.username;
    case 'email':
      return user.email;
    case 'name':
      return user.name;
    default:
      return user.attributes?.[attribute];
  }
}

function sessionAttribute(context: SessionTagContext, attribute: SessionTagSettings['session'][number]): string {
  switch (attribute) {
    case 'session_id':
      return context.sessionId;
    case 'role_name':
      return parseRoleArn(context.roleArn).name;
    case 'account_id':
      return parseRoleArn(context.roleArn).account;
    case 'region':
      return context.region;
    case 'token_source':
      return context.tokenSource;
  }
}
