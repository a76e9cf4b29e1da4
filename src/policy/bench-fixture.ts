/**
 * A realistic trust policy for the benchmark: ten statements for several OIDC providers,
 * each with a few conditions (StringEquals on `aud`, StringLike on `sub`, a multi-valued
 * `amr`, IfExists, a negated operator, a policy variable), and a request that only the last
 * Allow statement grants, so every statement is evaluated in full.
 */
import { parsePolicy } from './parse-policy.ts';
import type { PolicyDocument, PolicyRequest } from './types.ts';

const ACCOUNT = '123456789012';
const provider = (host: string): string => `arn:aws:iam::${ACCOUNT}:oidc-provider/${host}`;

export function buildBenchmarkPolicy(): { policy: PolicyDocument; request: PolicyRequest } {
  const statements: unknown[] = [];
  for (let i = 0; i < 8; i++) {
    const host = `idp-${i}.example.com`;
    statements.push({
      Sid: `AllowTeam${i}`,
      Effect: 'Allow',
      Principal: { Federated: provider(host) },
      Action: ['sts:AssumeRoleWithWebIdentity', 'sts:TagSession'],
      Condition: {
        StringEquals: { [`${host}:aud`]: ['sts.amazonaws.com', `roleport-${i}`] },
        StringLike: { [`${host}:sub`]: [`repo:example-org/team-${i}-*:ref:refs/heads/main`, `repo:example-org/team-${i}-*:environment:prod*`] },
        'ForAnyValue:StringEquals': { [`${host}:amr`]: ['mfa', 'hwk'] },
      },
    });
  }
  statements.push({
    Sid: 'DenyUntrustedSessionNames',
    Effect: 'Deny',
    Principal: '*',
    Action: 'sts:AssumeRole*',
    Condition: {
      StringNotLike: { 'sts:RoleSessionName': ['roleport-*', 'ci-*'] },
      'ForAnyValue:StringEquals': { 'aws:TagKeys': ['Admin', 'Root'] },
    },
  });
  statements.push({
    Sid: 'AllowRoleport',
    Effect: 'Allow',
    Principal: { Federated: [provider('token.example.com'), provider('token.example.com/tenant')] },
    Action: 'sts:AssumeRoleWithWebIdentity',
    Condition: {
      StringEquals: { 'token.example.com:aud': 'sts.amazonaws.com' },
      StringLike: { 'token.example.com:sub': ['user:*@example.com', 'content:${sts:RoleSessionName}'] },
      'ForAllValues:StringEquals': { 'token.example.com:amr': ['pwd', 'mfa', 'hwk'] },
      StringEqualsIfExists: { 'sts:ExternalId': 'roleport' },
    },
  });
  const policy = parsePolicy({ Version: '2012-10-17', Id: 'roleport-benchmark', Statement: statements });
  const request: PolicyRequest = {
    action: 'sts:AssumeRoleWithWebIdentity',
    principal: { federated: provider('token.example.com') },
    resource: `arn:aws:iam::${ACCOUNT}:role/roleport-benchmark`,
    context: {
      'token.example.com:aud': 'sts.amazonaws.com',
      'token.example.com:sub': 'user:ada@example.com',
      'token.example.com:amr': ['pwd', 'mfa'],
      'sts:RoleSessionName': 'roleport-ada',
      'aws:TagKeys': ['Team', 'Project'],
    },
  };
  return { policy, request };
}
