import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { azureTokenFile, gcpTokenFile, tokenExpiry, type BrokerClient, type BrokerSession, type SessionLayout } from '../client/index.ts';
import { roleTokenFile } from './session-files.ts';
import { removeTokenFile, writeTokenFile } from './token-file.ts';

/** One refresh's tokens: one per role (each names its role), one per GCP and Azure target (each names its target). */
export interface SessionTokens {
  roles: { profile: string; token: string }[];
  gcp: { name: string; token: string }[];
  azure: { name: string; token: string }[];
}

/**
 * Asks the broker for every token of the session at once — the roles' (`resource=<arn>`) and
 * the cloud targets' (`resource=gcp:NAME`, `azure:NAME`) — so that one refresh at 80 % of the
 * shortest lifetime keeps them all fresh. Expiry is the earliest of them.
 */
export async function fetchSessionTokens(client: BrokerClient, credential: string, session: BrokerSession, requestedAt: number): Promise<{ token: SessionTokens; expiresAt: number }> {
  const exchange = async (resource: string) => {
    const exchanged = await client.exchangeToken({ sessionCredential: credential, resource });
    return { token: exchanged.token, expiresAt: tokenExpiry(exchanged.token, requestedAt + exchanged.expiresInSeconds * 1000) };
  };
  const [roles, gcp, azure] = await Promise.all([
    Promise.all(session.roles.map(async (role) => ({ profile: role.profile, ...(await exchange(role.arn)) }))),
    Promise.all(session.gcpTargets.map(async (target) => ({ name: target.name, ...(await exchange(`gcp:${target.name}`)) }))),
    Promise.all(session.azureTargets.map(async (target) => ({ name: target.name, ...(await exchange(`azure:${target.name}`)) }))),
  ]);
  return { token: { roles, gcp, azure }, expiresAt: Math.min(...[...roles, ...gcp, ...azure].map((t) => t.expiresAt)) };
}

/**
 * Writes each token to its own file (atomic, 0600): `token` (the first role's) and
 * `tokens/<profile>`, `gcp/<name>.jwt`, `azure/<name>.jwt`; then removes the token files of
 * roles and targets the session no longer has.
 */
export function writeSessionTokens(layout: SessionLayout, tokens: SessionTokens): void {
  writeTokenFile(layout.tokenFile, tokens.roles[0]!.token);
  const written = new Set<string>();
  const write = (file: string, token: string): void => {
    writeTokenFile(file, token);
    written.add(file);
  };
  for (const { profile, token } of tokens.roles) write(roleTokenFile(layout, profile), token);
  if (tokens.gcp.length > 0) mkdirSync(layout.gcpDir, { recursive: true, mode: 0o700 });
  for (const { name, token } of tokens.gcp) write(gcpTokenFile(layout, name), token);
  if (tokens.azure.length > 0) mkdirSync(layout.azureDir, { recursive: true, mode: 0o700 });
  for (const { name, token } of tokens.azure) write(azureTokenFile(layout, name), token);
  for (const file of tokenFilesIn(layout)) if (!written.has(file)) removeTokenFile(file);
}

/** Removes every token file of the session (refresh stopped and the tokens expired). */
export function removeSessionTokens(layout: SessionLayout): void {
  removeTokenFile(layout.tokenFile);
  for (const file of tokenFilesIn(layout)) removeTokenFile(file);
}

function tokenFilesIn(layout: SessionLayout): string[] {
  const list = (dir: string, keep: (name: string) => boolean): string[] => {
    try {
      return readdirSync(dir).filter(keep).map((name) => join(dir, name));
    } catch {
      return [];
    }
  };
  const jwt = (name: string): boolean => name.endsWith('.jwt');
  return [...list(layout.roleTokenDir, () => true), ...list(layout.gcpDir, jwt), ...list(layout.azureDir, jwt)];
}
