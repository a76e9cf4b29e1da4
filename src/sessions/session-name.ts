import { invalidInput } from '../core/index.ts';

/** STS: `RoleSessionName` and `SourceIdentity` are 2–64 characters of `[\w+=,.@-]`. */
const MIN_LENGTH = 2;
const MAX_LENGTH = 64;
const DISALLOWED = /[^\w+=,.@-]/g;

/**
 * Makes any string a valid STS session name: every character outside `[\w+=,.@-]` (ASCII
 * word characters, as STS's Java-style `\w`) becomes `-`, the result is cut to 64 and
 * padded with `-` to 2. CloudTrail records this name, so it stays as close to the input as
 * the rules allow instead of being hashed.
 * @see https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html
 */
export function sanitizeSessionName(name: string): string {
  const replaced = name.replace(DISALLOWED, '-').slice(0, MAX_LENGTH);
  return replaced.padEnd(MIN_LENGTH, '-');
}

export interface SessionNameValues {
  username: string;
  email?: string | undefined;
  sessionId: string;
  roleArn: string;
}

/** `ses_3f2a9c…` → `ses-3f2a`: short enough to leave room for the username in 64 characters. */
export function shortSessionId(sessionId: string): string {
  return sessionId.replace(/_/g, '-').slice(0, 8);
}

/**
 * Renders the session-name template (`{username}.{session_id_short}` by default) and
 * sanitizes the result. Unknown placeholders are a configuration mistake and throw.
 */
export function renderSessionName(template: string, values: SessionNameValues): string {
  const { roleName, accountId } = parseRoleArn(values.roleArn);
  const known: Record<string, string> = {
    username: values.username,
    email: values.email ?? '',
    session_id: values.sessionId,
    session_id_short: shortSessionId(values.sessionId),
    role_name: roleName,
    account_id: accountId,
  };
  const rendered = template.replace(/\{([a-z_]+)\}/g, (_match, name: string) => {
    const value = known[name];
    if (value === undefined) throw invalidInput(`sessions.nameTemplate ${template}: unknown placeholder {${name}}`);
    return value;
  });
  return sanitizeSessionName(rendered);
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/((?:[\w+=,.@-]+\/)*)([\w+=,.@-]{1,64})$/;

export interface ParsedRoleArn {
  accountId: string;
  roleName: string;
  path: string;
}

/** Whether `arn` is an IAM role ARN (`arn:aws:iam::123456789012:role/path/Name`). */
export function isRoleArn(arn: string): boolean {
  return arn.length <= 2048 && ROLE_ARN.test(arn);
}

export function parseRoleArn(arn: string): ParsedRoleArn {
  const match = ROLE_ARN.exec(arn);
  if (match === null) throw invalidInput(`${JSON.stringify(arn)} is not an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>)`);
  return { accountId: match[1]!, path: `/${match[2]!}`, roleName: match[3]! };
}

/**
 * One AWS config profile name per role: the role's name, or `<name>-<account>` when two
 * roles of the session share a name (the same role name in two accounts is common).
 */
export function profileNames(roleArns: readonly string[]): string[] {
  const parsed = roleArns.map(parseRoleArn);
  const counts = new Map<string, number>();
  for (const role of parsed) counts.set(role.roleName, (counts.get(role.roleName) ?? 0) + 1);
  return parsed.map((role) => ((counts.get(role.roleName) ?? 0) > 1 ? `${role.roleName}-${role.accountId}` : role.roleName));
}
