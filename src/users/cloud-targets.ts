import { invalidInput } from '../core/index.ts';
import { formatAzureTarget, parseAzureTarget, type AzureTarget } from '../azure/index.ts';
import { formatGcpTarget, parseGcpTarget, type GcpTarget } from '../gcp/index.ts';
import type { CloudName, CloudTargetGrant, RoleSource, UserCloudTargetRecord } from '../store/index.ts';

/**
 * What the users module needs to know of each cloud's targets: how one is read (the cloud's own
 * rules module checks it), stored, and when two grants of one target name contradict each
 * other. One name must mean one thing: Google binds a service account to a target *name*
 * (`principalSet://…/attribute.target/NAME`) and Entra matches a subject that names the
 * target, so granting bob "analytics" with another service account than alice's would in fact
 * hand him alice's.
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
    if (target.provider !== other.provider || (target.serviceAccount ?? '') === (other.serviceAccount ?? '')) return undefined;
    return `GCP target ${target.name} of provider ${target.provider} already stands for ${other.serviceAccount ?? 'no service account'}: Google grants service accounts to a target name, so one name is one service account (pick another name)`;
  },
};

export const AZURE_TARGETS: CloudTargetKind<AzureTarget> = {
  cloud: 'azure',
  label: 'Azure',
  parse: parseAzureTarget,
  toJson: (target) => ({ name: target.name, tenant_id: target.tenantId, client_id: target.clientId, subject_scope: target.subjectScope ?? 'user' }),
  format: formatAzureTarget,
  contradiction(target, other) {
    if (target.clientId !== other.clientId) return undefined;
    if (target.tenantId === other.tenantId && (target.subjectScope ?? 'user') === (other.subjectScope ?? 'user')) return undefined;
    return `Azure target ${target.name} of client ID ${target.clientId} already stands for tenant ${other.tenantId} with subject scope ${other.subjectScope ?? 'user'}: one name is one federated credential setup (pick another name)`;
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
