import { RoleportError, type Clock, type EventSink } from '../core/index.ts';
import type { Sealer } from '../secrets/index.ts';
import type { ViewerGrantRepository, ViewerGrantRow } from '../store/index.ts';
import type { Integration } from './types.ts';
import type { ViewerOAuth, ViewerTokens } from './viewer-oauth.ts';

/** Runs `work` holding the lock of one (viewer, integration) grant, over the lock's transaction. */
export type WithGrantLocked = <T>(userName: string, integrationGuid: string, work: (grants: ViewerGrantRepository) => Promise<T>) => Promise<T>;

export interface ViewerGrantDeps {
  repository: ViewerGrantRepository;
  withGrantLocked: WithGrantLocked;
  oauth: Pick<ViewerOAuth, 'refresher'>;
  sealer: Sealer;
  clock: Clock;
  events: EventSink;
}

/** A viewer's ID token for one integration; `expiresAt` in epoch milliseconds. */
export interface ViewerIdToken {
  token: string;
  expiresAt: number;
}

const aad = (userName: string, guid: string, what: 'refresh_token' | 'id_token'): string => `viewer_grants:${userName}:${guid}:${what}`;

/**
 * Viewers' grants: per (viewer, integration), the IdP's refresh token and latest ID token,
 * sealed. A refresh happens under the grant's database lock and re-reads the row inside it,
 * so replicas never spend one (rotating) refresh token twice.
 */
export function createViewerGrants(deps: ViewerGrantDeps) {
  const { sealer, clock } = deps;

  const toRow = (userName: string, guid: string, tokens: ViewerTokens, previous: ViewerGrantRow | undefined): ViewerGrantRow => {
    const now = clock.now();
    // An IdP that does not rotate refresh tokens sends none on refresh: the old one stays good.
    const refreshSealed = tokens.refreshToken !== undefined ? sealer.seal(tokens.refreshToken, aad(userName, guid, 'refresh_token')) : (previous?.refresh_token_sealed ?? null);
    return {
      user_name: userName,
      integration_guid: guid,
      refresh_token_sealed: refreshSealed,
      id_token_sealed: sealer.seal(tokens.idToken, aad(userName, guid, 'id_token')),
      id_token_expires_at: tokens.idTokenExpiresAt,
      idp_issuer: tokens.issuer ?? previous?.idp_issuer ?? null,
      idp_subject: tokens.subject ?? previous?.idp_subject ?? null,
      generation: (previous?.generation ?? 0) + 1,
      created_at: previous?.created_at ?? now,
      updated_at: now,
    };
  };

  return {
    async has(userName: string, guid: string): Promise<boolean> {
      const row = await deps.repository.get(userName, guid);
      return row !== undefined && row.refresh_token_sealed !== null;
    },

    /** Keeps the tokens of a completed authorization (replacing an earlier grant). */
    async save(userName: string, integration: Integration, tokens: ViewerTokens): Promise<void> {
      if (tokens.refreshToken === undefined) {
        throw new RoleportError('ERR_SSO_IDP', `the identity provider issued no refresh token for integration ${integration.name}; it must grant offline_access`);
      }
      await deps.withGrantLocked(userName, integration.guid, async (grants) => {
        await grants.put(toRow(userName, integration.guid, tokens, await grants.get(userName, integration.guid)));
      });
      deps.events.record({ type: 'integration.viewer_authorized', actor: userName, occurredAt: clock.now(), userName, subject: tokens.subject, roleArn: integration.config.roleArn, details: { integration_guid: integration.guid, issuer: tokens.issuer } });
    },

    /**
     * The viewer's ID token for `integration`: the stored one while it has `minValiditySeconds`
     * left, else a refreshed one (the new refresh token stored in the same transaction).
     * @throws ERR_GRANT_INVALID when the viewer never authorized it or the IdP refuses the
     *   refresh; ERR_TOKEN_SOURCE_UNAVAILABLE when the IdP cannot be reached.
     */
    async currentIdToken(userName: string, integration: Integration, minValiditySeconds: number): Promise<ViewerIdToken> {
      const refresh = await deps.oauth.refresher(integration);
      const outcome = await deps.withGrantLocked(userName, integration.guid, async (grants): Promise<ViewerIdToken | { failure: unknown }> => {
        const row = await grants.get(userName, integration.guid);
        if (row === undefined || row.refresh_token_sealed === null) {
          return { failure: new RoleportError('ERR_GRANT_INVALID', `${userName} has not authorized integration ${integration.name} (${integration.guid}); open the content in a browser to authorize it`) };
        }
        if (row.id_token_sealed !== null && row.id_token_expires_at !== null && row.id_token_expires_at - minValiditySeconds * 1000 > clock.now()) {
          return { token: sealer.openText(row.id_token_sealed, aad(userName, integration.guid, 'id_token')), expiresAt: row.id_token_expires_at };
        }
        let tokens: ViewerTokens;
        try {
          tokens = await refresh(sealer.openText(row.refresh_token_sealed, aad(userName, integration.guid, 'refresh_token')));
        } catch (error) {
          // A refused refresh token is dead: forget it (committed with the lock's transaction),
          // so the viewer is asked to authorize again.
          if (error instanceof RoleportError && error.code === 'ERR_GRANT_INVALID') await grants.delete(userName, integration.guid);
          return { failure: error };
        }
        await grants.put(toRow(userName, integration.guid, tokens, row));
        return { token: tokens.idToken, expiresAt: tokens.idTokenExpiresAt };
      });
      if ('failure' in outcome) throw outcome.failure;
      return outcome;
    },

    async revoke(userName: string, guid: string): Promise<boolean> {
      const removed = await deps.repository.delete(userName, guid);
      if (removed) deps.events.record({ type: 'integration.viewer_revoked', actor: userName, occurredAt: clock.now(), userName, details: { integration_guid: guid } });
      return removed;
    },
  };
}

export type ViewerGrants = ReturnType<typeof createViewerGrants>;
