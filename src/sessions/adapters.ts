import { RoleportError } from '../core/index.ts';
import type { AzureTarget } from '../azure/index.ts';
import type { GcpTarget } from '../gcp/index.ts';
import type { SessionUser, UserDirectory, ViewerTokenProvider } from './types.ts';

/** A user as the users module reports one; described by shape so this module need not import it. */
export interface UserRecord {
  id: string;
  username: string;
  displayName: string | null;
  email: string | null;
  groups: readonly string[];
  roleSessionName: string | null;
  roles: ReadonlyArray<{ arn: string }>;
  gcpTargets: readonly GcpTarget[];
  azureTargets: readonly AzureTarget[];
}

export interface UserSource {
  findByUsername(username: string): Promise<UserRecord | undefined>;
}

/** Config `admins`. */
export interface AdminSettings {
  users: readonly string[];
  groups: readonly string[];
}

/** Whether config `admins` makes the user an admin: named, or a member of a named group. */
export function isAdmin(admins: AdminSettings, user: { username: string; groups: readonly string[] }): boolean {
  return admins.users.includes(user.username) || user.groups.some((group) => admins.groups.includes(group));
}

/** Adapts the users module to this module's `UserDirectory`, deciding who is an admin. */
export function userDirectoryFrom(users: UserSource, admins: AdminSettings): UserDirectory {
  return {
    async findUser(username: string): Promise<SessionUser | undefined> {
      const user = await users.findByUsername(username);
      if (user === undefined) return undefined;
      return {
        username: user.username,
        email: user.email ?? undefined,
        name: user.displayName ?? undefined,
        groups: [...user.groups],
        roles: user.roles.map((role) => role.arn),
        gcpTargets: user.gcpTargets,
        azureTargets: user.azureTargets,
        roleSessionName: user.roleSessionName ?? undefined,
        admin: isAdmin(admins, user),
      };
    },
  };
}

/** The SSO module's refresh, as shaped by `Sso.idTokenFor`. */
export interface IdTokenSource {
  readonly enabled: boolean;
  idTokenFor(userId: string, options?: { minValiditySeconds?: number }): Promise<{ idToken: string; expiresAt: number }>;
}

/**
 * Viewer tokens through SSO: the stored ID token while it has `minValiditySeconds` left, else
 * a refreshed one. Undefined when SSO is off, so viewer sessions are refused at start.
 */
export function viewerTokensFrom(users: UserSource, sso: IdTokenSource, minValiditySeconds = 300): ViewerTokenProvider | undefined {
  if (!sso.enabled) return undefined;
  return {
    async currentIdToken(username: string) {
      const user = await users.findByUsername(username);
      if (user === undefined) throw new RoleportError('ERR_NOT_FOUND', `no user named ${username}`);
      const result = await sso.idTokenFor(user.id, { minValiditySeconds });
      return { token: result.idToken, expiresAt: result.expiresAt };
    },
  };
}
