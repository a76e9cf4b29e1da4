import type { Clock, Logger } from '../core/index.ts';
import type { BrokerClient } from '../client/index.ts';
import { isFinalSessionError } from './final-errors.ts';
import type { ManagedSession } from './managed-session.ts';
import { createRoleCredentials } from './role-credentials.ts';
import { profileName } from './session-files.ts';
import type { Timers } from './timers.ts';
import type { BackoffOptions } from './token-refresher.ts';
import type { ContainerCredentialsOptions } from './types.ts';

export interface ContainerCredentialsDeps {
  client: BrokerClient;
  settings: ContainerCredentialsOptions;
  stsEndpoint: string | undefined;
  clock: Clock;
  timers: Timers;
  random: () => number;
  logger: Logger;
  backoff: BackoffOptions | undefined;
}

/**
 * Keeps one renewing set of container credentials per role of the session: starts them for
 * roles that appeared, closes those of roles that went. Each renewal is an STS
 * `AssumeRoleWithWebIdentity` with a fresh token bound to its role.
 */
export function syncRoleCredentials(managed: ManagedSession, deps: ContainerCredentialsDeps): void {
  const wanted = new Set(managed.session.roles.map((r) => r.arn));
  for (const [arn, credentials] of managed.roleCredentials) {
    if (!wanted.has(arn)) {
      credentials.close();
      managed.roleCredentials.delete(arn);
    }
  }
  for (const role of managed.session.roles) {
    if (managed.roleCredentials.has(role.arn)) continue;
    const credentials = createRoleCredentials({
      roleArn: role.arn,
      profile: profileName(role.profile),
      clock: deps.clock,
      timers: deps.timers,
      random: deps.random,
      logger: deps.logger,
      backoff: deps.backoff,
      renewBeforeMs: deps.settings.renewBeforeMs,
      isFinal: isFinalSessionError,
      exchange: async (signal) => {
        // The AWS SDK loads with the first exchange: an agent without container credentials never needs it.
        const { assumeRoleWithWebIdentity } = await import('../aws/sts-exchange.ts');
        return assumeRoleWithWebIdentity({
          region: managed.session.region,
          endpoint: deps.stsEndpoint,
          failoverRegions: deps.settings.failoverRegions,
          roleArn: role.arn,
          roleSessionName: role.sessionName,
          durationSeconds: deps.settings.durationSeconds ?? 3600,
          requestTimeoutMs: deps.settings.requestTimeoutMs,
          signal,
          // A fresh token per attempt, bound to this role.
          getToken: async () => (await deps.client.exchangeToken({ sessionCredential: managed.credential, resource: role.arn, signal })).token,
        });
      },
    });
    managed.roleCredentials.set(role.arn, credentials);
    credentials.start();
  }
}
