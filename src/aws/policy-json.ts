/**
 * The IAM policy JSON the generators write, in AWS's own PascalCase element names. Kept
 * apart from the policy engine's parsed form on purpose: this is what an admin pastes.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
 */
export type StringOrList = string | readonly string[];

export interface IamPolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: { readonly Federated?: StringOrList; readonly AWS?: StringOrList };
  readonly Action: StringOrList;
  readonly Resource?: StringOrList;
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, StringOrList>>>>;
}

export interface IamPolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly IamPolicyStatement[];
}

/** One value stays a string, several become a list — the way people write policies. */
export function oneOrList(values: readonly string[]): StringOrList {
  return values.length === 1 ? values[0]! : [...values];
}
