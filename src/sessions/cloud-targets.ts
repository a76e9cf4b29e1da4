/**
 * A session's GCP and Azure targets: picked at the start among the user's, each with its own
 * broker token. A target's token is named by the token endpoint's `resource` (`gcp:NAME`,
 * `azure:NAME`); its audience is the target's own (the provider's resource name, or
 * `api://AzureADTokenExchange`) and its `sub` names user and target, by the cloud's rules
 * module — so that Google's attribute condition and Entra's federated credential refuse it for
 * any other target, as a role's trust policy refuses another role's token. A session that does
 * not hold a target gets no token for it (`invalid_target`), and these audiences are open
 * only to the sessions that hold such a target.
 */
import { RoleportError, invalidInput } from '../core/index.ts';
import { TOKEN_EXCHANGE_AUDIENCE, renderAzureTargetClaims, type AzureTarget } from '../azure/index.ts';
import { renderGcpTargetClaims, type GcpTarget } from '../gcp/index.ts';
import type { CloudEndpoints, Session, SessionAzureTarget, SessionGcpTarget, SessionUser, TokenSource } from './types.ts';

export type CloudName = 'gcp' | 'azure';

/** One target of a session, by cloud and name. */
export interface TargetRef {
  cloud: CloudName;
  name: string;
}

/** The targets a start request names, per cloud. */
export interface TargetNames {
  gcp?: readonly string[] | undefined;
  azure?: readonly string[] | undefined;
}

const MAX_TARGETS = 20;
const CLOUDS: readonly CloudName[] = ['gcp', 'azure'];
const LABELS: Readonly<Record<CloudName, string>> = { gcp: 'GCP', azure: 'Azure' };

/** The token endpoint's `resource` for a target: `gcp:NAME` or `azure:NAME`. */
export function targetResource(ref: TargetRef): string {
  return `${ref.cloud}:${ref.name}`;
}

/** The target a `resource` names, or undefined when it names none (a role ARN, say). */
export function parseTargetResource(resource: string): TargetRef | undefined {
  const colon = resource.indexOf(':');
  const cloud = resource.slice(0, colon);
  if (colon <= 0 || !(CLOUDS as readonly string[]).includes(cloud)) return undefined;
  return { cloud: cloud as CloudName, name: resource.slice(colon + 1) };
}

/**
 * The session's targets, from the user's grants, checked before anything is stored: each
 * named once, held by the user (`ERR_FORBIDDEN` otherwise, nothing starts), at most 20 per
 * cloud, and only for broker tokens (the IdP's own token can carry neither audience nor
 * binding). The token claims are rendered once here so that a name too long for Google's
 * 127-byte subject refuses the session instead of every later token.
 */
export function pickSessionTargets(user: SessionUser, names: TargetNames, tokenSource: TokenSource, endpoints: CloudEndpoints): Pick<Session, 'gcpTargets' | 'azureTargets'> {
  const gcp = pick(LABELS.gcp, names.gcp, user.gcpTargets ?? [], user.username);
  const azure = pick(LABELS.azure, names.azure, user.azureTargets ?? [], user.username);
  if (tokenSource !== 'broker' && gcp.length + azure.length > 0) throw invalidInput('GCP and Azure targets need broker tokens (token_source broker): the IdP\'s own ID token can carry neither their audience nor their binding');
  for (const target of gcp) renderGcpTargetClaims(user.username, target);
  for (const target of azure) renderAzureTargetClaims(user.username, target);
  return {
    gcpTargets: gcp.map((target) => sessionGcpTarget(user.username, target, endpoints)),
    azureTargets: azure.map((target) => ({ name: target.name, tenantId: target.tenantId, clientId: target.clientId, subjectScope: target.subjectScope ?? 'user', authorityHost: endpoints.azureAuthorityHost })),
  };
}

function pick<T extends { name: string }>(label: string, names: readonly string[] | undefined, held: readonly T[], username: string): T[] {
  const wanted = names ?? [];
  if (wanted.length > MAX_TARGETS) throw invalidInput(`a session holds at most ${MAX_TARGETS} ${label} targets`);
  if (new Set(wanted).size !== wanted.length) throw invalidInput(`a ${label} target is listed twice`);
  return wanted.map((name) => {
    const target = held.find((candidate) => candidate.name === name);
    if (target === undefined) throw new RoleportError('ERR_FORBIDDEN', `${username} does not hold the ${label} target ${JSON.stringify(name)}`);
    return target;
  });
}

function sessionGcpTarget(username: string, target: GcpTarget, endpoints: CloudEndpoints): SessionGcpTarget {
  const { provider, audience } = renderGcpTargetClaims(username, target);
  return {
    name: target.name,
    provider: provider.name,
    audience,
    ...(target.serviceAccount === undefined ? {} : { serviceAccount: target.serviceAccount }),
    tokenUrl: endpoints.gcpTokenUrl,
    iamCredentialsUrl: endpoints.gcpIamCredentialsUrl,
  };
}

/** The session's target a reference names, or undefined. */
export function findSessionTarget(session: Pick<Session, 'gcpTargets' | 'azureTargets'>, ref: TargetRef): SessionGcpTarget | SessionAzureTarget | undefined {
  return ref.cloud === 'gcp' ? session.gcpTargets.find((t) => t.name === ref.name) : session.azureTargets.find((t) => t.name === ref.name);
}

/**
 * The target a bare `audience` asks for (no `resource`): the session's only target with that
 * audience. Undefined when none has it; `ERR_TARGET_INVALID` when several do (name one).
 */
export function targetForAudience(session: Pick<Session, 'gcpTargets' | 'azureTargets'>, audience: string): TargetRef | undefined {
  const matches: TargetRef[] = [
    ...session.gcpTargets.filter((t) => t.audience === audience).map((t) => ({ cloud: 'gcp' as const, name: t.name })),
    ...(audience === TOKEN_EXCHANGE_AUDIENCE ? session.azureTargets.map((t) => ({ cloud: 'azure' as const, name: t.name })) : []),
  ];
  if (matches.length > 1) throw new RoleportError('ERR_TARGET_INVALID', `several of the session's targets take audience ${audience}: name one (resource=${matches.map(targetResource).join(' or resource=')})`);
  return matches[0];
}

/**
 * `sub` and `aud` of a token for one of the session's targets, checked against the user's
 * current grants: a target the user no longer holds (or holds with another definition) is
 * `ERR_GRANT_INVALID`, as a role they lost is. The audience asked, if any, must be the target's.
 */
export function targetTokenBinding(session: Session, user: SessionUser, ref: TargetRef, audience: string | undefined): { subject: string; audience: string; claims: Record<string, string> } {
  const target = findSessionTarget(session, ref);
  if (target === undefined) throw new RoleportError('ERR_TARGET_INVALID', `${LABELS[ref.cloud]} target ${JSON.stringify(ref.name)} is not one of session ${session.id}'s targets`);
  const binding = ref.cloud === 'gcp' ? gcpBinding(user, target as SessionGcpTarget) : azureBinding(user, target as SessionAzureTarget);
  if (audience !== undefined && audience !== binding.audience) {
    throw new RoleportError('ERR_TARGET_INVALID', `a token for ${targetResource(ref)} has audience ${binding.audience}, not ${JSON.stringify(audience.slice(0, 80))}`);
  }
  return binding;
}

function gcpBinding(user: SessionUser, target: SessionGcpTarget) {
  const granted = (user.gcpTargets ?? []).find((t) => t.name === target.name);
  if (granted === undefined || granted.provider !== target.provider || (granted.serviceAccount ?? '') !== (target.serviceAccount ?? '')) {
    throw new RoleportError('ERR_GRANT_INVALID', `${user.username} no longer holds the GCP target ${target.name}`);
  }
  const rendered = renderGcpTargetClaims(user.username, granted);
  return { subject: rendered.subject, audience: rendered.audience, claims: { ...rendered.claims } };
}

function azureBinding(user: SessionUser, target: SessionAzureTarget) {
  const granted: AzureTarget | undefined = (user.azureTargets ?? []).find((t) => t.name === target.name);
  if (granted === undefined || granted.tenantId !== target.tenantId || granted.clientId !== target.clientId || (granted.subjectScope ?? 'user') !== target.subjectScope) {
    throw new RoleportError('ERR_GRANT_INVALID', `${user.username} no longer holds the Azure target ${target.name}`);
  }
  const rendered = renderAzureTargetClaims(user.username, granted);
  return { subject: rendered.subject, audience: rendered.audience, claims: {} };
}
