import { invalidInput } from '../core/index.ts';
import { checkRoleArn, sanitizeRoleSessionName, type RoleArn } from '../iam/index.ts';

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
  const role = parseRoleArn(values.roleArn);
  const known: Record<string, string> = {
    username: values.username,
    email: values.email ?? '',
    session_id: values.sessionId,
    session_id_short: shortSessionId(values.sessionId),
    role_name: role.name,
    account_id: role.account,
  };
  const rendered = template.replace(/\{([a-z_]+)\}/g, (_match, name: string) => {
    const value = known[name];
    if (value === undefined) throw invalidInput(`sessions.nameTemplate ${template}: unknown placeholder {${name}}`);
    return value;
  });
  return sanitizeRoleSessionName(rendered);
}

/** A role ARN a session was given, checked with IAM's rule (src/iam); bad input otherwise. */
export function parseRoleArn(arn: string): RoleArn {
  const check = checkRoleArn(arn);
  if (!check.ok) throw invalidInput(`${JSON.stringify(arn)} is not an IAM role ARN: ${check.reason}`);
  return check.value;
}

/**
 * One AWS config profile name per role: the role's name, or `<name>-<account>` when two
 * roles of the session share a name (the same role name in two accounts is common).
 */
export function profileNames(roleArns: readonly string[]): string[] {
  const parsed = roleArns.map(parseRoleArn);
  const counts = new Map<string, number>();
  for (const role of parsed) counts.set(role.name, (counts.get(role.name) ?? 0) + 1);
  return parsed.map((role) => ((counts.get(role.name) ?? 0) > 1 ? `${role.name}-${role.account}` : role.name));
}
