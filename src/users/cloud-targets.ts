import { invalidInput } from '../core/index.ts';
import { formatAzureTarget, parseAzureTarget, type AzureTarget } from '../azure/index.ts';
import { formatGcpTarget, parseGcpTarget, parseProviderName, type GcpTarget } from '../gcp/index.ts';
import type { CloudName, CloudTargetGrant, RoleSource, UserCloudTargetRecord } from '../store/index.ts';

/**
 * What the users module needs to know of each cloud's targets: how one is read (the cloud's own
 * rules module checks it), stored, and when two grants of one target name contradict each
 * other. One name must mean one thing: Google binds a service account to a target *name* in a
 * pool (`principalSet://…/POOL/attribute.target/NAME`, whichever provider of the pool exchanged
 * the token) and Entra matches a subject that names the target but not the application, so
 * granting bob "analytics" with another service account (or application) than alice's would in
 * fact hand him alice's.
 */
export interface CloudTargetKind<T extends { name: string }> {
  cloud: CloudName;
  /** For messages: `GCP`, `Azure`. */
  label: string;
  parse(value: unknown): T;
  /** The JSON stored for a grant: the written form as an object. */
  toJson(target: T): Record<string, string>;
  format(target: T): string;
  /** Why `target` contradicts `other` (same name), or undefined when they agree or live apart. */
  contradiction(target: T, other: T): string | undefined;
}

export const GCP_TARGETS: CloudTargetKind<GcpTarget> = {
  cloud: 'gcp',
  label: 'GCP',
  parse: parseGcpTarget,
  toJson: (target) => ({ name: target.name, provider: target.provider, ...(target.serviceAccount === undefined ? {} : { service_account: target.serviceAccount }) }),
  format: formatGcpTarget,
  contradiction(target, other) {
    // A principalSet names the pool, not the provider: every provider of one pool shares its target names.
    const pool = parseProviderName(target.provider)?.poolName;
    if (pool !== parseProviderName(other.provider)?.poolName || (target.serviceAccount ?? '') === (other.serviceAccount ?? '')) return undefined;
    return `GCP target ${target.name} of pool ${pool ?? target.provider} already stands for ${other.serviceAccount ?? 'no service account'} (provider ${other.provider}): Google grants service accounts and roles to a target name in a pool (principalSet://…/attribute.target/${target.name}), so one name is one service account in a pool (pick another name)`;
  },
};

export const AZURE_TARGETS: CloudTargetKind<AzureTarget> = {
  cloud: 'azure',
  label: 'Azure',
  parse: parseAzureTarget,
  toJson: (target) => ({ name: target.name, tenant_id: target.tenantId, client_id: target.clientId, subject_scope: target.subjectScope ?? 'user' }),
  format: formatAzureTarget,
  contradiction(target, other) {
    // Entra matches issuer, subject and audience only, and the subject names the target, not the
    // application: the same name on two applications would make one's tokens open the other
    // (with subject scope target, anyone's).
    if (target.clientId === other.clientId && target.tenantId === other.tenantId && (target.subjectScope ?? 'user') === (other.subjectScope ?? 'user')) return undefined;
    return `Azure target ${target.name} already stands for client ID ${other.clientId} in tenant ${other.tenantId} with subject scope ${other.subjectScope ?? 'user'}: Entra matches a token's subject, which names the target and not the application, so one name is one application (pick another name)`;
  },
};

/** A granted target with where the grant came from. */
export type GrantedTarget<T> = T & { source: RoleSource };

/** The targets of one cloud among a user's stored grants, in order. */
export function grantedTargets<T extends { name: string }>(kind: CloudTargetKind<T>, records: readonly UserCloudTargetRecord[]): GrantedTarget<T>[] {
  return records.filter((record) => record.cloud === kind.cloud).map((record) => ({ ...kind.parse(JSON.parse(record.target) as unknown), source: record.source }));
}

/** Reads a list of targets, all or nothing: one bad target or a name given twice is `ERR_INPUT_INVALID` naming it. */
export function parseTargetList<T extends { name: string }>(kind: CloudTargetKind<T>, values: readonly unknown[]): T[] {
  const targets: T[] = [];
  for (const value of values) {
    const target = kind.parse(value);
    if (targets.some((other) => other.name === target.name)) throw invalidInput(`${kind.label} target ${target.name} is given twice: a user's target names are unique (a session picks targets by name)`);
    targets.push(target);
  }
  return targets;
}

/** The first contradiction between `targets` and other users' grants of the same names. */
export function contradictionWithOthers<T extends { name: string }>(kind: CloudTargetKind<T>, target: T, grants: readonly CloudTargetGrant[], username: string): string | undefined {
  for (const grant of grants) {
    if (grant.username === username || grant.name !== target.name) continue;
    const problem = kind.contradiction(target, kind.parse(JSON.parse(grant.target) as unknown));
    if (problem !== undefined) return `${problem}; granted to ${grant.username}`;
  }
  return undefined;
}
