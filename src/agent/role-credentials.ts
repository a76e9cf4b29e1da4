import type { Clock, Logger } from '../core/index.ts';
import { fullJitterDelay, RoleportError, silentLogger } from '../core/index.ts';
import type { AssumeRoleWithWebIdentityResult } from '../aws/index.ts';
import type { Timers, TimerHandle } from './timers.ts';
import { DEFAULT_BACKOFF, type BackoffOptions } from './token-refresher.ts';

/** The container-credentials response shape the AWS SDKs read. */
export interface ContainerCredentialsBody {
  AccessKeyId: string;
  SecretAccessKey: string;
  Token: string;
  Expiration: string;
  AccountId?: string;
}

export type RoleCredentialsState = 'starting' | 'valid' | 'retrying' | 'expired' | 'stopped';

export interface RoleCredentialsStatus {
  roleArn: string;
  profile: string;
  state: RoleCredentialsState;
  expiresAt: number | null;
  lastRenewalAt: number | null;
  nextRenewalAt: number | null;
  consecutiveFailures: number;
  lastError: string | null;
}

export interface RoleCredentialsOptions {
  roleArn: string;
  profile: string;
  /** One STS exchange (`assumeRoleWithWebIdentity` with a fresh token per attempt). */
  exchange: (signal: AbortSignal) => Promise<AssumeRoleWithWebIdentityResult>;
  /** True when no retry can help (the session is gone). */
  isFinal: (error: unknown) => boolean;
  clock: Clock;
  timers: Timers;
  random?: (() => number) | undefined;
  backoff?: BackoffOptions | undefined;
  /**
   * Renew when this little is left (default 20 min, ahead of the SDKs' 15-minute advisory
   * refresh) — or at half the lifetime, whichever comes later, so short test durations work.
   */
  renewBeforeMs?: number | undefined;
  /** Never serve credentials with less than this left (default 60 s): the caller needs time to use them. */
  minRemainingMs?: number | undefined;
  logger?: Logger | undefined;
}

export interface RoleCredentials {
  start(): void;
  /**
   * Valid credentials: the cached ones, else the outcome of a renewal (in flight or started
   * now) if it lands within `waitMs`. Throws `ERR_CREDENTIALS_UNAVAILABLE` otherwise —
   * expired credentials are never served.
   */
  get(waitMs: number): Promise<ContainerCredentialsBody>;
  status(): RoleCredentialsStatus;
  close(): void;
}

/**
 * Keeps one role's STS credentials for the container-credentials endpoint: fetched at start,
 * renewed ahead of expiry, retried with full-jitter backoff on failure while the still-valid
 * ones keep being served (as the EKS Pod Identity agent does through an outage).
 * @see https://docs.aws.amazon.com/sdkref/latest/guide/feature-container-credentials.html
 */
export function createRoleCredentials(options: RoleCredentialsOptions): RoleCredentials {
  const { clock, timers } = options;
  const random = options.random ?? Math.random;
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const renewBeforeMs = options.renewBeforeMs ?? 20 * 60_000;
  const minRemainingMs = options.minRemainingMs ?? 60_000;
  const logger = options.logger ?? silentLogger;

  let cached: { body: ContainerCredentialsBody; expiresAt: number } | undefined;
  let renewal: Promise<void> | undefined;
  let timer: TimerHandle | undefined;
  let stopped = false;
  const abort = new AbortController();
  const status: RoleCredentialsStatus = {
    roleArn: options.roleArn,
    profile: options.profile,
    state: 'starting',
    expiresAt: null,
    lastRenewalAt: null,
    nextRenewalAt: null,
    consecutiveFailures: 0,
    lastError: null,
  };

  const usable = (): boolean => cached !== undefined && cached.expiresAt - clock.now() > minRemainingMs;

  function schedule(at: number): void {
    if (timer !== undefined) timers.clear(timer);
    status.nextRenewalAt = at;
    timer = timers.set(() => {
      timer = undefined;
      void renew();
    }, at - clock.now());
  }

  function renew(): Promise<void> {
    if (stopped) return Promise.resolve();
    renewal ??= (async () => {
      try {
        const result = await options.exchange(abort.signal);
        const now = clock.now();
        const expiresAt = result.credentials.expiration;
        cached = {
          expiresAt,
          body: {
            AccessKeyId: result.credentials.accessKeyId,
            SecretAccessKey: result.credentials.secretAccessKey,
            Token: result.credentials.sessionToken,
            Expiration: new Date(expiresAt).toISOString(),
            ...(result.accountId === undefined ? {} : { AccountId: result.accountId }),
          },
        };
        status.state = 'valid';
        status.expiresAt = expiresAt;
        status.lastRenewalAt = now;
        status.consecutiveFailures = 0;
        status.lastError = null;
        const lifetime = expiresAt - now;
        schedule(Math.max(now + lifetime / 2, expiresAt - renewBeforeMs));
      } catch (error) {
        if (stopped) return;
        const now = clock.now();
        status.consecutiveFailures += 1;
        status.lastError = error instanceof Error ? error.message : String(error);
        if (options.isFinal(error)) {
          stopped = true;
          status.state = 'stopped';
          status.nextRenewalAt = null;
          logger.warn({ err: error, roleArn: options.roleArn }, 'container credentials: the session is gone; no more renewals');
          return;
        }
        status.state = cached !== undefined && cached.expiresAt > now ? 'retrying' : 'expired';
        const retryAt = now + fullJitterDelay(status.consecutiveFailures, backoff.initialMs, backoff.maxMs, random);
        schedule(retryAt);
        logger.warn({ err: error, roleArn: options.roleArn, retryAt }, 'container credentials: renewal failed; serving the old ones while valid');
      } finally {
        renewal = undefined;
      }
    })();
    return renewal;
  }

  return {
    start() {
      void renew();
    },
    async get(waitMs) {
      if (usable()) return cached!.body;
      if (!stopped) {
        const pending = renewal ?? renew();
        let waitTimer: NodeJS.Timeout | undefined;
        // Real time, not the injected clock: this bounds how long an SDK request is held.
        await Promise.race([pending, new Promise<void>((resolve) => (waitTimer = setTimeout(resolve, waitMs)))]);
        clearTimeout(waitTimer);
        if (usable()) return cached!.body;
      }
      if (cached !== undefined && cached.expiresAt <= clock.now()) status.state = 'expired';
      throw new RoleportError('ERR_CREDENTIALS_UNAVAILABLE', `no valid credentials for ${options.roleArn}${status.lastError === null ? '' : `: ${status.lastError}`}`);
    },
    status: () => ({ ...status, state: status.state === 'valid' && cached !== undefined && cached.expiresAt <= clock.now() ? 'expired' : status.state }),
    close() {
      stopped = true;
      abort.abort(new Error('closed'));
      if (timer !== undefined) timers.clear(timer);
      timer = undefined;
      status.nextRenewalAt = null;
    },
  };
}
