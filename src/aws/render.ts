import { oidcProviderCloudFormation, permissionSetCloudFormation, permissionSetTrustPolicyCloudFormation, trustPolicyCloudFormation } from './cloudformation.ts';
import type { OidcProviderSetup } from './oidc-provider.ts';
import type { PermissionSetPolicyResult } from './permission-set-policy.ts';
import type { PermissionSetTrustPolicyResult } from './permission-set-trust-policy.ts';
import { oidcProviderTerraform, permissionSetTerraform, permissionSetTrustPolicyTerraform, trustPolicyTerraform } from './terraform.ts';
import type { TrustPolicyResult } from './trust-policy.ts';

/** The output formats every generator writes. */
export const SETUP_FORMATS = ['json', 'cloudformation', 'terraform'] as const;
export type SetupFormat = (typeof SETUP_FORMATS)[number];

export function isSetupFormat(value: string): value is SetupFormat {
  return (SETUP_FORMATS as readonly string[]).includes(value);
}

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/** JSON: the policy document itself, ready for `aws iam create-role --assume-role-policy-document file://…`. */
export function renderTrustPolicy(result: TrustPolicyResult, format: SetupFormat): string {
  if (format === 'cloudformation') return trustPolicyCloudFormation(result);
  if (format === 'terraform') return trustPolicyTerraform(result);
  return json(result.policy);
}

/** JSON: the trust policy of a role the permission set's users assume (`aws iam create-role --assume-role-policy-document file://…`). */
export function renderPermissionSetTrustPolicy(result: PermissionSetTrustPolicyResult, format: SetupFormat): string {
  if (format === 'cloudformation') return permissionSetTrustPolicyCloudFormation(result);
  if (format === 'terraform') return permissionSetTrustPolicyTerraform(result);
  return json(result.policy);
}

/** JSON: the input of `aws iam create-open-id-connect-provider --cli-input-json file://…`. */
export function renderOidcProvider(setup: OidcProviderSetup, format: SetupFormat): string {
  if (format === 'cloudformation') return oidcProviderCloudFormation(setup);
  if (format === 'terraform') return oidcProviderTerraform(setup);
  return json({ Url: setup.url, ClientIDList: setup.clientIds, ...(setup.thumbprints.length === 0 ? {} : { ThumbprintList: setup.thumbprints }) });
}

/** JSON: the inline policy, for `aws sso-admin put-inline-policy-to-permission-set --inline-policy file://…`. */
export function renderPermissionSetPolicy(result: PermissionSetPolicyResult, format: SetupFormat): string {
  if (format === 'cloudformation') return permissionSetCloudFormation(result);
  if (format === 'terraform') return permissionSetTerraform(result);
  return json(result.policy);
}
