/**
 * `roleport gcp workload-identity-provider`: what an admin creates in Google Cloud so that
 * Google trusts this issuer's tokens for some targets — the pool, the OIDC provider (issuer
 * URI, allowed audience, attribute mapping, an attribute condition that admits only these
 * targets) and, per target with a service account, the IAM binding that lets that target
 * (and no other) impersonate it. As gcloud commands, Terraform, or JSON (what the local Google
 * STS registers: `roleport gcp provider add --from-setup`).
 * @see https://cloud.google.com/iam/docs/workload-identity-federation-with-other-providers
 * @see https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/iam_workload_identity_pool_provider
 */
import { invalidInput } from '../core/index.ts';
import { raw, renderFile, resourceName, type HclBlock } from '../core/hcl.ts';
import { shellCommand } from '../core/shell-quote.ts';
import { providerName, workloadIdentityIdProblem, type WorkloadIdentityProviderName } from './resource-names.ts';
import { issuerUriProblem } from './sts-rules.ts';
import { parseServiceAccountEmail, WORKLOAD_IDENTITY_USER_ROLE } from './service-account.ts';
import { checkGcpTarget, targetAttributeCondition, targetAttributeMapping, targetPrincipalSet } from './target.ts';

export const GCP_SETUP_FORMATS = ['gcloud', 'terraform', 'json'] as const;
export type GcpSetupFormat = (typeof GCP_SETUP_FORMATS)[number];

export interface WorkloadIdentityProviderSetupOptions {
  issuer: string;
  projectNumber: string;
  poolId: string;
  providerId: string;
  /** The targets this provider serves: name and optional service account. */
  targets: readonly { name: string; serviceAccount?: string | undefined }[];
  /** Accept http:// issuers (the local counterpart only; Google refuses them). */
  allowHttpIssuer?: boolean;
}

export interface WorkloadIdentityProviderSetup {
  provider: WorkloadIdentityProviderName;
  issuerUri: string;
  allowedAudiences: string[];
  attributeMapping: Record<string, string>;
  attributeCondition: string;
  /** Service account → the members granted roles/iam.workloadIdentityUser on it. */
  serviceAccounts: { email: string; members: string[] }[];
  /** Targets without a service account: the member to grant roles on resources directly. */
  directMembers: { target: string; member: string }[];
}

export function buildWorkloadIdentityProviderSetup(options: WorkloadIdentityProviderSetupOptions): WorkloadIdentityProviderSetup {
  const problem =
    workloadIdentityIdProblem('pool', options.poolId) ??
    workloadIdentityIdProblem('provider', options.providerId) ??
    (/^[1-9][0-9]{0,19}$/.test(options.projectNumber) ? undefined : `project number ${JSON.stringify(options.projectNumber)} must be digits (the number, not the project ID)`) ??
    issuerUriProblem(options.issuer, { allowHttp: options.allowHttpIssuer === true });
  if (problem !== undefined) throw invalidInput(problem);
  const provider = providerName(options.projectNumber, options.poolId, options.providerId);
  const names = new Set<string>();
  const byAccount = new Map<string, string[]>();
  const directMembers: { target: string; member: string }[] = [];
  for (const target of options.targets) {
    checkGcpTarget({ name: target.name, provider: provider.name, serviceAccount: target.serviceAccount });
    if (names.has(target.name)) throw invalidInput(`two targets are named ${target.name}`);
    names.add(target.name);
    const member = targetPrincipalSet(provider, target.name);
    if (target.serviceAccount === undefined) directMembers.push({ target: target.name, member });
    else byAccount.set(target.serviceAccount, [...(byAccount.get(target.serviceAccount) ?? []), member]);
  }
  return {
    provider,
    issuerUri: options.issuer,
    allowedAudiences: [provider.audience],
    attributeMapping: targetAttributeMapping(),
    attributeCondition: targetAttributeCondition([...names]),
    serviceAccounts: [...byAccount].map(([email, members]) => ({ email, members })),
    directMembers,
  };
}

export function renderWorkloadIdentityProviderSetup(setup: WorkloadIdentityProviderSetup, format: GcpSetupFormat): string {
  if (format === 'json') return `${JSON.stringify(setupJson(setup), null, 2)}\n`;
  return format === 'gcloud' ? renderGcloud(setup) : renderTerraform(setup);
}

/** The JSON form: the provider and service accounts as the local Google STS registers them. */
export function setupJson(setup: WorkloadIdentityProviderSetup) {
  return {
    provider: {
      name: setup.provider.name,
      issuer_uri: setup.issuerUri,
      allowed_audiences: setup.allowedAudiences,
      attribute_mapping: setup.attributeMapping,
      attribute_condition: setup.attributeCondition,
    },
    service_accounts: setup.serviceAccounts.map((account) => ({ email: account.email, members: account.members })),
    direct_members: setup.directMembers,
  };
}

function renderGcloud(setup: WorkloadIdentityProviderSetup): string {
  const p = setup.provider;
  const project = `--project=${p.projectNumber}`;
  const lines = [
    '# Workload Identity Federation for Roleport: pool, OIDC provider, service account bindings.',
    shellCommand(['gcloud', 'iam', 'workload-identity-pools', 'create', p.poolId, project, '--location=global', '--display-name=Roleport']),
    '',
    shellCommand([
      'gcloud', 'iam', 'workload-identity-pools', 'providers', 'create-oidc', p.providerId, project, '--location=global',
      `--workload-identity-pool=${p.poolId}`,
      `--issuer-uri=${setup.issuerUri}`,
      `--allowed-audiences=${setup.allowedAudiences.join(',')}`,
      `--attribute-mapping=${Object.entries(setup.attributeMapping).map(([key, value]) => `${key}=${value}`).join(',')}`,
      `--attribute-condition=${setup.attributeCondition}`,
    ]),
  ];
  for (const account of setup.serviceAccounts) {
    const projectId = parseServiceAccountEmail(account.email)?.projectId ?? '';
    for (const member of account.members) {
      lines.push('', shellCommand(['gcloud', 'iam', 'service-accounts', 'add-iam-policy-binding', account.email, `--project=${projectId}`, `--role=${WORKLOAD_IDENTITY_USER_ROLE}`, `--member=${member}`]));
    }
  }
  for (const direct of setup.directMembers) {
    lines.push('', `# target ${direct.target} has no service account: grant roles on your resources to its sessions, e.g.`, `#   gcloud projects add-iam-policy-binding PROJECT_ID --role=ROLE --member=${direct.member}`);
  }
  return `${lines.join('\n')}\n`;
}

function renderTerraform(setup: WorkloadIdentityProviderSetup): string {
  const p = setup.provider;
  const blocks: HclBlock[] = [
    {
      type: 'resource',
      labels: ['google_iam_workload_identity_pool', 'roleport'],
      body: [
        { attribute: 'project', value: p.projectNumber },
        { attribute: 'workload_identity_pool_id', value: p.poolId },
        { attribute: 'display_name', value: 'Roleport' },
      ],
    },
    {
      type: 'resource',
      labels: ['google_iam_workload_identity_pool_provider', 'roleport'],
      body: [
        { attribute: 'project', value: p.projectNumber },
        { attribute: 'workload_identity_pool_id', value: raw('google_iam_workload_identity_pool.roleport.workload_identity_pool_id') },
        { attribute: 'workload_identity_pool_provider_id', value: p.providerId },
        { attribute: 'attribute_mapping', value: setup.attributeMapping },
        { attribute: 'attribute_condition', value: setup.attributeCondition },
        { block: { type: 'oidc', labels: [], body: [{ attribute: 'issuer_uri', value: setup.issuerUri }, { attribute: 'allowed_audiences', value: setup.allowedAudiences }] } },
      ],
    },
  ];
  for (const account of setup.serviceAccounts) {
    const projectId = parseServiceAccountEmail(account.email)?.projectId ?? '';
    for (const member of account.members) {
      blocks.push({
        type: 'resource',
        labels: ['google_service_account_iam_member', resourceName(`${account.email.split('@')[0]}_${member.slice(member.lastIndexOf('/') + 1)}`)],
        body: [
          { attribute: 'service_account_id', value: `projects/${projectId}/serviceAccounts/${account.email}` },
          { attribute: 'role', value: WORKLOAD_IDENTITY_USER_ROLE },
          { attribute: 'member', value: member },
        ],
      });
    }
  }
  const notes = setup.directMembers.map((direct) => `target ${direct.target}: grant roles on your resources to ${direct.member}`);
  return renderFile(blocks, { comment: ['Workload Identity Federation for Roleport.', ...notes].join('\n') });
}
