import type { AssumeRoleWithWebIdentityResult } from '../aws/index.ts';
import { createBrokerClient, findSessionCredential, resolveSessionBrokerUrl, type BrokerClient, type BrokerSession } from '../client/index.ts';
import { nonEmptyEnv } from './flags.ts';

/** Flags shared by the in-session commands that reach the broker. */
export interface InSessionFlags {
  /** The agent's session directory (default env ROLEPORT_SESSION_DIR). */
  sessionDir?: string | undefined;
  /** The broker (default env ROLEPORT_URL). */
  url?: string | undefined;
}

export interface InSessionContext {
  client: BrokerClient;
  credential: string;
}

/** The broker client and session credential of the session this process runs in. */
export function inSessionContext(flags: InSessionFlags): InSessionContext {
  const { credential } = findSessionCredential({ sessionDir: flags.sessionDir, env: process.env });
  return { client: createBrokerClient({ baseUrl: resolveSessionBrokerUrl(flags.url, flags.sessionDir, process.env) }), credential };
}

export interface RoleExchangeOptions {
  context: InSessionContext;
  roleArn: string;
  durationSeconds?: number | undefined;
  stsEndpoint?: string | undefined;
  region?: string | undefined;
  audience?: string | undefined;
  roleSessionName?: string | undefined;
}

/**
 * Session credential → fresh token for the role (per attempt) → STS
 * `AssumeRoleWithWebIdentity`. The session supplies the region and the session name for its
 * own roles. A role outside the session gets the first role's token, which that role's trust
 * policy refuses when it pins the role in `:sub` (as `roleport aws trust-policy` writes it);
 * only an unbound trust policy would accept it.
 */
export async function exchangeForRole(options: RoleExchangeOptions): Promise<{ result: AssumeRoleWithWebIdentityResult; session: BrokerSession }> {
  const { client, credential } = options.context;
  // The AWS SDK is loaded only when an exchange happens: the commands that may skip it start faster.
  // The exchange's own module, not aws/index.ts: an in-session command loads only what it uses (cold start).
  const [{ assumeRoleWithWebIdentity }, session] = await Promise.all([import('../aws/sts-exchange.ts'), client.getCurrentSession(credential)]);
  const role = session.roles.find((r) => r.arn === options.roleArn);
  const roleSessionName = options.roleSessionName ?? role?.sessionName ?? session.roles[0]?.sessionName ?? session.userName;
  const result = await assumeRoleWithWebIdentity({
    region: options.region ?? process.env['AWS_REGION'] ?? session.region,
    endpoint: options.stsEndpoint ?? nonEmptyEnv('AWS_ENDPOINT_URL_STS'),
    roleArn: options.roleArn,
    roleSessionName,
    durationSeconds: options.durationSeconds,
    getToken: async () =>
      (await client.exchangeToken({ sessionCredential: credential, audience: options.audience, resource: role === undefined ? undefined : role.arn })).token,
  });
  return { result, session };
}
