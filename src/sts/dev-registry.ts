import type { AddProviderInput, AddRoleInput, StsRegistry } from './registry.ts';

/** The audience AWS expects in web identity tokens. */
export const DEV_CLIENT_ID = 'sts.amazonaws.com';

/** The demo roles `roleport dev` registers, in two accounts, as an admin would set them up. */
export const DEV_ROLE_ARNS = ['arn:aws:iam::111111111111:role/DataScientist', 'arn:aws:iam::222222222222:role/ReadOnly'] as const;

/** A demo role's trust policy, as `roleport aws trust-policy` writes it for the dev issuer. */
export type DevTrustPolicy = (roleArn: string) => Readonly<Record<string, unknown>>;

/**
 * What `roleport dev` pre-registers in its STS: the dev issuer as an OIDC provider and the
 * demo roles, each with the trust policy the caller generates — the one `roleport aws
 * trust-policy` prints, so that the demo refuses a token minted for another role exactly as
 * AWS would with that policy.
 */
export function devStsRegistry(issuer: string, trustPolicy: DevTrustPolicy): { providers: AddProviderInput[]; roles: AddRoleInput[] } {
  const roles = DEV_ROLE_ARNS.map((arn): AddRoleInput => ({ arn, maxSessionDurationSeconds: 43200, trustPolicy: trustPolicy(arn) }));
  return { providers: [{ url: issuer, clientIds: [DEV_CLIENT_ID] }], roles };
}

/**
 * Writes the dev registry into the database (add or replace), so that `roleport sts
 * provider|role list` on the data directory shows it and the admin can change it. The demo
 * roles are reset to trust the current dev issuer at every start.
 */
export async function registerDevSts(registry: StsRegistry, issuer: string, trustPolicy: DevTrustPolicy): Promise<void> {
  const { providers, roles } = devStsRegistry(issuer, trustPolicy);
  for (const provider of providers) await registry.addProvider(provider);
  for (const role of roles) await registry.addRole(role);
}
