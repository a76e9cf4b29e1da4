/**
 * An Azure target — an Entra application or user-assigned managed identity in a tenant,
 * granted to users under a name — and what a broker token for it says.
 *
 * Entra matches a federated identity credential's issuer, subject and audience exactly (no
 * wildcards) and takes at most 20 credentials per application, so the subject offers two
 * scopes: `user` (default) — `user:<username>:azure:<target>`, one credential per user, so
 * Entra's sign-in logs name the person and a token is bound to both user and target; and
 * `target` — `roleport:azure:<target>`, one credential for every session granted the target
 * (for more than 20 users; the user is then only in Roleport's audit log). Either way the
 * subject names the target, so a token for one target matches no other target's credential,
 * as `sub` names the role for AWS. The audience is always `api://AzureADTokenExchange`.
 */
import { formatKeyValueSpec, invalidInput, readKeyValueSpec } from '../core/index.ts';
import { MAX_SUBJECT_LENGTH, TOKEN_EXCHANGE_AUDIENCE } from './federated-credential.ts';
import { clientIdProblem, tenantIdProblem } from './ids.ts';

export const SUBJECT_SCOPES = ['user', 'target'] as const;
export type SubjectScope = (typeof SUBJECT_SCOPES)[number];

/** A target name: also part of the credential's name (`roleport-<target>…`), so 1-63 of `[a-z0-9-]`. */
const TARGET_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

export interface AzureTarget {
  readonly name: string;
  readonly tenantId: string;
  readonly clientId: string;
  /** Default `user`. */
  readonly subjectScope?: SubjectScope | undefined;
}

export interface AzureTargetTokenClaims {
  readonly subject: string;
  readonly audience: string;
}

export function azureTargetNameProblem(name: string): string | undefined {
  return TARGET_NAME.test(name) ? undefined : `target name ${JSON.stringify(name)} must be 1-63 characters of a-z, 0-9 and -, starting with a letter or digit`;
}

export function checkAzureTarget(target: AzureTarget): void {
  const problem = azureTargetNameProblem(target.name) ?? tenantIdProblem(target.tenantId) ?? clientIdProblem(target.clientId);
  if (problem !== undefined) throw invalidInput(problem);
}

/** The subject a target's tokens carry: per user, or shared by the target's sessions. */
export function azureTargetSubject(targetName: string, scope: SubjectScope, username?: string): string {
  if (scope === 'target') return `roleport:azure:${targetName}`;
  if (username === undefined || username.length === 0) throw invalidInput('a user-scoped Azure subject needs the username');
  return `user:${username}:azure:${targetName}`;
}

/** What a broker token for `username` and `target` carries. Throws when the subject passes Entra's 600 characters. */
export function renderAzureTargetClaims(username: string, target: AzureTarget): AzureTargetTokenClaims {
  checkAzureTarget(target);
  const subject = azureTargetSubject(target.name, target.subjectScope ?? 'user', username);
  if (subject.length > MAX_SUBJECT_LENGTH) throw invalidInput(`sub is longer than ${MAX_SUBJECT_LENGTH} characters, Entra's limit for a federated credential's subject`);
  return { subject, audience: TOKEN_EXCHANGE_AUDIENCE };
}

/** The keys of a target's written form (`name=…,tenant_id=…,client_id=…[,subject_scope=user|target]`, or an object with them). */
export const AZURE_TARGET_KEYS = ['name', 'tenant_id', 'client_id', 'subject_scope'] as const;

/**
 * A target as the admin CLI and an IdP's claim give it: `name=NAME,tenant_id=TENANT,client_id=GUID[,subject_scope=user|target]`
 * or an object with those keys. Checked; throws `ERR_INPUT_INVALID` naming what is wrong.
 */
export function parseAzureTarget(value: unknown): AzureTarget {
  const spec = readKeyValueSpec(value, AZURE_TARGET_KEYS, 'an Azure target');
  if (spec['name'] === undefined || spec['tenant_id'] === undefined || spec['client_id'] === undefined) throw invalidInput('an Azure target needs name=, tenant_id= and client_id=');
  const scope = spec['subject_scope'] ?? 'user';
  if (!(SUBJECT_SCOPES as readonly string[]).includes(scope)) throw invalidInput(`subject_scope ${JSON.stringify(scope)} must be ${SUBJECT_SCOPES.join(' or ')}`);
  // Entra compares GUIDs without regard to case: one spelling, so that one target is one target.
  const target: AzureTarget = { name: spec['name'], tenantId: spec['tenant_id'].toLowerCase(), clientId: spec['client_id'].toLowerCase(), subjectScope: scope as SubjectScope };
  checkAzureTarget(target);
  return target;
}

/** The written form {@link parseAzureTarget} reads back. */
export function formatAzureTarget(target: AzureTarget): string {
  return formatKeyValueSpec({ name: target.name, tenant_id: target.tenantId, client_id: target.clientId, subject_scope: target.subjectScope ?? 'user' }, AZURE_TARGET_KEYS);
}
