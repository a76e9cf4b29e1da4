import { profileName } from './session-files.ts';
import type { ManagedSession } from './managed-session.ts';
import type { AgentSessionStatus, AgentStatus } from './types.ts';

/** One session's state as `/status` shows it. */
export function sessionStatus(managed: ManagedSession, containerCredentials: boolean): AgentSessionStatus {
  return {
    id: managed.session.id,
    user: managed.session.userName,
    state: managed.stoppedReason === undefined ? managed.session.state : managed.session.state === 'active' ? 'stopped' : managed.session.state,
    region: managed.session.region,
    roles: managed.session.roles.map((r) => ({ arn: r.arn, profile: profileName(r.profile), sessionName: r.sessionName })),
    dir: managed.layout.dir,
    token: managed.refresher.status(),
    containerCredentials: containerCredentials ? [...managed.roleCredentials.values()].map((c) => c.status()) : null,
    lastPollAt: managed.lastPollAt,
  };
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** `/status` on the wire: snake_case, ISO 8601 times. */
export function statusJson(status: AgentStatus): unknown {
  return {
    sessions: status.sessions.map((s) => ({
      id: s.id,
      user: s.user,
      state: s.state,
      region: s.region,
      roles: s.roles.map((r) => ({ arn: r.arn, profile: r.profile, session_name: r.sessionName })),
      dir: s.dir,
      token: {
        state: s.token.state,
        last_refresh_at: iso(s.token.lastRefreshAt),
        next_refresh_at: iso(s.token.nextRefreshAt),
        expires_at: iso(s.token.tokenExpiresAt),
        consecutive_failures: s.token.consecutiveFailures,
        refreshes: s.token.refreshes,
        failures: s.token.failures,
        last_error: s.token.lastError,
        stopped_reason: s.token.stoppedReason,
        file_present: s.token.tokenFilePresent,
      },
      container_credentials:
        s.containerCredentials?.map((c) => ({
          role_arn: c.roleArn,
          profile: c.profile,
          state: c.state,
          expires_at: iso(c.expiresAt),
          last_renewal_at: iso(c.lastRenewalAt),
          next_renewal_at: iso(c.nextRenewalAt),
          consecutive_failures: c.consecutiveFailures,
          last_error: c.lastError,
        })) ?? null,
      last_poll_at: iso(s.lastPollAt),
    })),
  };
}
