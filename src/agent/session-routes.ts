import { RoleportError } from '../core/index.ts';
import type { ListenerRoutes } from './listener.ts';
import type { ManagedSession } from './managed-session.ts';
import { profileName } from './session-files.ts';

// How long a credentials request may wait for a renewal: the SDKs give up after 2 s.
const CREDENTIALS_WAIT_MS = 1500;

/** What the loopback listener serves: `/status`, and each session's container credentials by profile. */
export function sessionRoutes(sessions: ReadonlyMap<string, ManagedSession>, status: () => unknown): ListenerRoutes {
  return {
    status,
    credentials: (sessionId) => {
      const managed = sessions.get(sessionId);
      if (managed?.authorization === undefined) return undefined;
      return {
        authorization: managed.authorization,
        get: (profile) => {
          // A revoked or ended session's credentials are not handed out any more, even while still valid.
          if (managed.stoppedReason !== undefined) return Promise.reject(new RoleportError('ERR_CREDENTIALS_UNAVAILABLE', `session stopped: ${managed.stoppedReason}`));
          const role = profile === undefined ? managed.session.roles[0] : managed.session.roles.find((r) => profileName(r.profile) === profile);
          return role === undefined ? undefined : managed.roleCredentials.get(role.arn)?.get(CREDENTIALS_WAIT_MS);
        },
      };
    },
  };
}
