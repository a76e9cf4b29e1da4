/**
 * AWS partitions: the first segment of every ARN (`arn:PARTITION:…`), which regions belong to
 * each, and the DNS suffix of their service endpoints. The table is the AWS SDKs' own
 * (`partitions.json` of `@aws-sdk/util-endpoints`); `rules.test.ts` holds it against the
 * SDK installed here.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html (partition)
 * @see https://github.com/aws/aws-sdk-js-v3/blob/main/packages/util-endpoints/src/lib/aws/partitions.json
 */

export interface Partition {
  readonly id: string;
  /** The suffix of `sts.<region>.<suffix>` and every other regional endpoint. */
  readonly dnsSuffix: string;
  /** The regions of the partition, as the SDK matches them. */
  readonly regionPattern: RegExp;
}

export const PARTITIONS = [
  { id: 'aws', dnsSuffix: 'amazonaws.com', regionPattern: /^(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+$/ },
  { id: 'aws-cn', dnsSuffix: 'amazonaws.com.cn', regionPattern: /^cn-\w+-\d+$/ },
  { id: 'aws-us-gov', dnsSuffix: 'amazonaws.com', regionPattern: /^us-gov-\w+-\d+$/ },
  { id: 'aws-iso', dnsSuffix: 'c2s.ic.gov', regionPattern: /^us-iso-\w+-\d+$/ },
  { id: 'aws-iso-b', dnsSuffix: 'sc2s.sgov.gov', regionPattern: /^us-isob-\w+-\d+$/ },
  { id: 'aws-iso-e', dnsSuffix: 'cloud.adc-e.uk', regionPattern: /^eu-isoe-\w+-\d+$/ },
  { id: 'aws-iso-f', dnsSuffix: 'csp.hci.ic.gov', regionPattern: /^us-isof-\w+-\d+$/ },
  { id: 'aws-eusc', dnsSuffix: 'amazonaws.eu', regionPattern: /^eusc-(de)-\w+-\d+$/ },
] as const satisfies readonly Partition[];

export type PartitionId = (typeof PARTITIONS)[number]['id'];

export const PARTITION_IDS: readonly PartitionId[] = PARTITIONS.map((partition) => partition.id);

export function isPartition(value: string): value is PartitionId {
  return (PARTITION_IDS as readonly string[]).includes(value);
}

/** A region name as AWS spells them (`us-east-1`, `cn-north-1`, `us-gov-west-1`, `us-isob-east-1`). */
const REGION = /^[a-z]{2,4}(-[a-z]+)+-\d+$/;

export function isRegion(value: string): boolean {
  return REGION.test(value);
}

/**
 * The partition a region belongs to. A well-formed region no pattern claims falls back to
 * `aws`, as the SDKs do (new commercial regions arrive before a table names them).
 */
export function partitionOfRegion(region: string): Partition {
  return PARTITIONS.find((partition) => partition.regionPattern.test(region)) ?? PARTITIONS[0];
}

/**
 * `https://sts.<region>.<dnsSuffix>`: the regional STS endpoint (the global one is legacy).
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_region-endpoints.html
 */
export function regionalStsEndpoint(region: string): string {
  return `https://sts.${region}.${partitionOfRegion(region).dnsSuffix}`;
}
