import { invalidInput } from '../core/index.ts';
import { isAccountId, isPartition, isRoleName, PARTITION_IDS, type PartitionId } from '../iam/index.ts';

/**
 * The values an admin types into the generators, checked against IAM's rules (src/iam) and
 * refused here, naming the flag and the value, instead of producing a policy AWS rejects later.
 */

/** The partitions the generators write ARNs in: every partition IAM has. */
export type AwsPartition = PartitionId;

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
  if (!isPartition(value)) throw invalidInput(`partition ${JSON.stringify(value)}: must be one of ${PARTITION_IDS.join(', ')}`);
  return value;
}

/**
 * Splits a comma-separated list (`111111111111,222222222222`), trimming blanks and dropping
 * duplicates while keeping the order the admin wrote.
 */
export function splitList(values: string | readonly string[]): string[] {
  const items = (typeof values === 'string' ? [values] : values).flatMap((value) => value.split(','));
  return [...new Set(items.map((item) => item.trim()).filter((item) => item.length > 0))];
}
