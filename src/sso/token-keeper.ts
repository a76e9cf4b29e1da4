import { decodeJwt } from 'jose';
import { RoleportError, type Clock, type EventSink, type Logger } from '../core/index.ts';
import type { Sealer } from '../secrets/index.ts';
import type { UserSsoTokenRepository, UserSsoTokenRow } from '../store/index.ts';
import { IdpResponseError } from './idp-errors.ts';
import type { IdpTokens, RelyingParty } from './relying-party.ts';

/** Runs `work` holding the database lock of one user's tokens (all replicas), over its transaction. */
export type WithUserTokensLocked = <T>(userId: string, work: (tokens: UserSsoTokenRepository) => Promise<T>) => Promise<T>;

export interface TokenKeeperOptions {
  relyingParty: RelyingParty;
  tokens: UserSsoTokenRepository;
  withUserTokensLocked: WithUserTokensLocked;
  sealer: Sealer;
  clock: Clock;
  events: EventSink;
  logger: Logger;
  /** Called with the claims of each refreshed ID token (roles may have changed at the IdP). */
  onRefreshedClaims: (userId: string, claims: Record<string, unknown>) => Promise<void>;
}

/** A user's current ID token from the IdP. */
export interface IdTokenResult {
  idToken: string;
  /** Epoch ms (the token's `exp`). */
  expiresAt: number;
  /** How many times this user's tokens were replaced (sign-ins and refreshes). */
  generation: number;
  /** False when another caller (or replica) had just refreshed and its result was reused. */
  refreshed: boolean;
}

export interface TokenKeeper {
  /** Keeps the tokens of a sign-in; a response without a refresh token keeps the previous one. */
  store(userId: string, tokens: IdpTokens): Promise<void>;
  /**
   * Spends the stored refresh token for a new ID token and stores the rotated refresh token
   * in the same transaction. Serialized per user across replicas; if the tokens changed since
   * the call began, that fresh result is returned instead of spending again.
   */
  refresh(userId: string): Promise<IdTokenResult>;
  /** The stored ID token when it is valid for `minValiditySeconds` more, else a refreshed one. */
  idTokenFor(userId: string, minValiditySeconds: number): Promise<IdTokenResult>;
}

type RefreshOutcome =
  | { kind: 'refreshed'; row: UserSsoTokenRow; idToken: string; claims: Record<string, unknown> | undefined }
  | { kind: 'reused'; row: UserSsoTokenRow; idToken: string }
  | { kind: 'failed'; error: RoleportError };

export function createTokenKeeper(options: TokenKeeperOptions): TokenKeeper {
  const { relyingParty, sealer, clock, events, logger } = options;
  const refreshAad = (userId: string): string => `user_sso_tokens:${userId}:refresh_token`;
  const idTokenAad = (userId: string): string => `user_sso_tokens:${userId}:id_token`;
  // Calls for one user queue here first, so one process never holds several database
  // connections waiting on the same row lock.
  const queues = new Map<string, Promise<unknown>>();

  const enqueue = <T>(userId: string, work: () => Promise<T>): Promise<T> => {
    const previous = queues.get(userId) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    queues.set(userId, settled);
    void settled.then(() => {
      if (queues.get(userId) === settled) queues.delete(userId);
    });
    return next;
  };

  const result = (row: UserSsoTokenRow, idToken: string, refreshed: boolean): IdTokenResult => ({
    idToken,
    expiresAt: row.id_token_expires_at ?? 0,
    generation: row.generation,
    refreshed,
  });

  const spend = async (userId: string, tokens: UserSsoTokenRepository, current: UserSsoTokenRow): Promise<RefreshOutcome> => {
    const refreshToken = sealer.openText(current.refresh_token_sealed!, refreshAad(userId));
    let answer: IdpTokens;
    try {
      answer = await relyingParty.refresh(refreshToken);
    } catch (error) {
      const failure = error instanceof RoleportError ? error : new RoleportError('ERR_INTERNAL', 'refresh failed', { cause: error });
      if (failure instanceof IdpResponseError && failure.idpError === 'invalid_grant') {
        // Revoked or expired at the IdP: forget it, so nobody keeps retrying a dead token.
        await tokens.put({ ...current, refresh_token_sealed: null, generation: current.generation + 1, updated_at: clock.now() });
        return { kind: 'failed', error: new RoleportError('ERR_SSO_REFRESH', 'the identity provider no longer accepts the stored refresh token; sign in again', { cause: failure }) };
      }
      throw failure;
    }
    // The rotated refresh token is stored even when the rest of the answer is unusable: the old one is spent.
    const rotated = answer.refreshToken ?? refreshToken;
    const base = { ...current, refresh_token_sealed: sealer.seal(rotated, refreshAad(userId)), generation: current.generation + 1, updated_at: clock.now() };
    const previousSubject = current.id_token_sealed === null ? undefined : subjectOf(sealer.openText(current.id_token_sealed, idTokenAad(userId)));
    if (answer.idToken === undefined || answer.claims === undefined) {
      await tokens.put(base);
      return { kind: 'failed', error: new RoleportError('ERR_SSO_IDP', 'the identity provider returned no ID token on refresh; include the openid scope in sso.scopes') };
    }
    if (previousSubject !== undefined && answer.claims['sub'] !== previousSubject) {
      await tokens.put(base);
      return { kind: 'failed', error: new RoleportError('ERR_SSO_ID_TOKEN', 'the refreshed ID token names another subject than the signed-in user') };
    }
    const row: UserSsoTokenRow = { ...base, id_token_sealed: sealer.seal(answer.idToken, idTokenAad(userId)), id_token_expires_at: expiryOf(answer.claims) };
    await tokens.put(row);
    return { kind: 'refreshed', row, idToken: answer.idToken, claims: answer.claims };
  };

  const refresh = async (userId: string): Promise<IdTokenResult> => {
    const observed = (await options.tokens.get(userId))?.generation;
    return enqueue(userId, async () => {
      const outcome = await options.withUserTokensLocked(userId, async (tokens): Promise<RefreshOutcome> => {
        const current = await tokens.get(userId);
        if (current === undefined || current.refresh_token_sealed === null) {
          return { kind: 'failed', error: new RoleportError('ERR_SSO_REFRESH', 'no refresh token is stored for this user (sign in again, with offline_access in sso.scopes)') };
        }
        if (observed !== undefined && current.generation !== observed && current.id_token_sealed !== null) {
          return { kind: 'reused', row: current, idToken: sealer.openText(current.id_token_sealed, idTokenAad(userId)) };
        }
        return spend(userId, tokens, current);
      });
      if (outcome.kind === 'failed') {
        logger.warn({ userId, code: outcome.error.code, detail: outcome.error.detail }, `refreshing the IdP tokens failed: ${outcome.error.message}`);
        throw outcome.error;
      }
      if (outcome.kind === 'reused') return result(outcome.row, outcome.idToken, false);
      events.record({ type: 'sso.tokens_refreshed', actor: 'system', occurredAt: clock.now(), subject: subjectOf(outcome.idToken), expiresAt: outcome.row.id_token_expires_at ?? undefined, details: { userId, generation: outcome.row.generation } });
      if (outcome.claims !== undefined) {
        await options.onRefreshedClaims(userId, outcome.claims).catch((error: unknown) => {
          logger.warn({ userId, code: (error as { code?: unknown }).code }, `could not apply the claims of a refreshed ID token: ${(error as Error).message}`);
        });
      }
      return result(outcome.row, outcome.idToken, true);
    });
  };

  return {
    async store(userId, tokens) {
      if (tokens.idToken === undefined || tokens.claims === undefined) throw new RoleportError('ERR_SSO_ID_TOKEN', 'the identity provider returned no ID token');
      const idToken = tokens.idToken;
      const claims = tokens.claims;
      await options.withUserTokensLocked(userId, async (repository) => {
        const current = await repository.get(userId);
        const refreshSealed = tokens.refreshToken === undefined ? (current?.refresh_token_sealed ?? null) : sealer.seal(tokens.refreshToken, refreshAad(userId));
        await repository.put({
          user_id: userId,
          refresh_token_sealed: refreshSealed,
          id_token_sealed: sealer.seal(idToken, idTokenAad(userId)),
          id_token_expires_at: expiryOf(claims),
          generation: (current?.generation ?? 0) + 1,
          updated_at: clock.now(),
        });
      });
    },
    refresh,
    async idTokenFor(userId, minValiditySeconds) {
      const current = await options.tokens.get(userId);
      if (current !== undefined && current.id_token_sealed !== null && (current.id_token_expires_at ?? 0) - clock.now() >= minValiditySeconds * 1000) {
        return result(current, sealer.openText(current.id_token_sealed, idTokenAad(userId)), false);
      }
      return refresh(userId);
    },
  };
}

function expiryOf(claims: Record<string, unknown>): number {
  return typeof claims['exp'] === 'number' ? claims['exp'] * 1000 : 0;
}

function subjectOf(idToken: string): string | undefined {
  try {
    const sub = decodeJwt(idToken).sub;
    return typeof sub === 'string' ? sub : undefined;
  } catch {
    return undefined;
  }
}
