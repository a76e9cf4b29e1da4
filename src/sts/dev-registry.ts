import { oidcProviderArn, parseRoleArn, providerPrefix } from '../iam/index.ts';
import type { AddProviderInput, AddRoleInput, StsRegistry } from './registry.ts';

/** The audience AWS expects in web identity tokens. */
export const DEV_CLIENT_ID = 'sts.amazonaws.com';

/** The demo roles `roleport dev` registers, in two accounts, as an admin would set them up. */
export const DEV_ROLE_ARNS = ['arn:aws:iam::111111111111:role/DataScientist', 'arn:aws:iam::222222222222:role/ReadOnly'] as const;

/**
 * What `roleport dev` pre-registers in its STS: the dev issuer as an OIDC provider and the
 * demo roles, each trusting it the way a generated trust policy does — audience
 * `sts.amazonaws.com`, any `user:*` subject.
 */
export function devStsRegistry(issuer: string): { providers: AddProviderInput[]; roles: AddRoleInput[] } {
  const prefix = providerPrefix(issuer);
  const roles = DEV_ROLE_ARNS.map((arn): AddRoleInput => {
    const { account, partition } = parseRoleArn(arn)!;
    return {
      arn,
      maxSessionDurationSeconds: 43200,
      trustPolicy: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'RoleportUsers',
            Effect: 'Allow',
            Principal: { Federated: oidcProviderArn(partition, account, prefix) },
            Action: ['sts:AssumeRoleWithWebIdentity', 'sts:TagSession', 'sts:SetSourceIdentity'],
            Condition: {
              StringEquals: { [`${prefix}:aud`]: DEV_CLIENT_ID },
              StringLike: { [`${prefix}:sub`]: 'user:*' },
            },
          },
        ],
      },
    };
  });
  return { providers: [{ url: issuer, clientIds: [DEV_CLIENT_ID] }], roles };
}

/**
 * Writes the dev registry into the database (add or replace), so that `roleport sts
 * provider|role list` on the data directory shows it and the admin can change it. The demo
 * roles are reset to trust the current dev issuer at every start.
 */
export async function registerDevSts(registry: StsRegistry, issuer: string): Promise<void> {
  const { providers, roles } = devStsRegistry(issuer);
  for (const provider of providers) await registry.addProvider(provider);
  for (const role of roles) await registry.addRole(role);
}
