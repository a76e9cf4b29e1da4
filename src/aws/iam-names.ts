import { invalidInput } from '../core/index.ts';

/**
 * IAM's naming rules for the values an admin types into the generators. A value that breaks
 * them is refused here, naming the value, instead of producing a policy AWS rejects later.
 * @see https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html (RoleName: 1–64 of [\w+=,.@-])
 * @see https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-identifiers.html (12-digit account ids)
 */

const ACCOUNT_ID = /^\d{12}$/;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

/** The partitions whose IAM ARNs the generators write. */
export const AWS_PARTITIONS = ['aws', 'aws-cn', 'aws-us-gov'] as const;
export type AwsPartition = (typeof AWS_PARTITIONS)[number];

export function isAccountId(value: string): boolean {
  return ACCOUNT_ID.test(value);
}

export function isRoleName(value: string): boolean {
  return ROLE_NAME.test(value);
}

export function validateAccountId(value: string, what = 'account id'): string {
  if (!isAccountId(value)) throw invalidInput(`${what} ${JSON.stringify(value)}: must be 12 digits`);
  return value;
}

export function validateRoleName(value: string, what = 'role name'): string {
  if (!isRoleName(value)) {
    throw invalidInput(`${what} ${JSON.stringify(value)}: must be 1-64 characters of letters, digits and +=,.@_-`);
  }
  return value;
}

export function validatePartition(value: string): AwsPartition {
  const partition = AWS_PARTITIONS.find((p) => p === value);
  if (partition === undefined) throw invalidInput(`partition ${JSON.stringify(value)}: must be one of ${AWS_PARTITIONS.join(', ')}`);
  return partition;
}

/**
 * Splits a comma-separated list (`111111111111,222222222222`), trimming blanks and dropping
 * duplicates while keeping the order the admin wrote.
 */
export function splitList(values: string | readonly string[]): string[] {
  const items = (typeof values === 'string' ? [values] : values).flatMap((value) => value.split(','));
  return [...new Set(items.map((item) => item.trim()).filter((item) => item.length > 0))];
}
