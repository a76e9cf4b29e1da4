import type { IdpUser } from './types.ts';

/** The roles the demo users hold unless `roleport dev` passes its own (those its local STS knows). */
export const DEMO_ROLE_ARNS = ['arn:aws:iam::111111111111:role/DataScientist', 'arn:aws:iam::222222222222:role/ReadOnly'] as const;

/**
 * alice holds every role as an array claim (she chooses one per session); bob holds the last
 * one as a plain string claim. The password is the username: these are demo accounts.
 */
export function demoIdpUsers(roleArns: readonly string[] = DEMO_ROLE_ARNS): IdpUser[] {
  const last = roleArns.at(-1);
  return [
    {
      username: 'alice',
      password: 'alice',
      email: 'alice@example.com',
      name: 'Alice Demo',
      groups: ['data-science', 'engineering'],
      claims: { aws_role_arn: [...roleArns], aws_role_session_name: 'alice' },
    },
    {
      username: 'bob',
      password: 'bob',
      email: 'bob@example.com',
      name: 'Bob Demo',
      groups: ['analysts'],
      claims: { ...(last === undefined ? {} : { aws_role_arn: last }), aws_role_session_name: 'bob' },
    },
  ];
}
