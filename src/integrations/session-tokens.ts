import { createLocalJWKSet, errors as joseErrors, jwtVerify, type JWK } from 'jose';
import { RoleportError, type Clock } from '../core/index.ts';
import type { MintToken } from '../issuer/index.ts';
import type { IssuedSessionToken, SubjectTokenKind, VerifiedSubjectToken } from './types.ts';

/**
 * The broker-signed tokens of published content: the content session token (`sub`
 * `content:{guid}`), handed to content when it starts, and the user session token (`sub`
 * `user:{username}`), sent to content with each request of a signed-in viewer. Both carry
 * the content's guid and a `token_use` claim, so that one can never pass for the other, and
 * an audience (default `roleport-content`) that no AWS role should trust: they are only good
 * for the broker's own credentials exchange.
 */

export interface SessionTokenSettings {
  issuer: string;
  audience: string;
  contentTokenTtlSeconds: number;
  userTokenTtlSeconds: number;
}

export interface SessionTokenDeps {
  mintToken: MintToken;
  /** The keys the broker publishes in its JWKS (active, next and retired). */
  publishedKeys: () => readonly JWK[];
  clock: Clock;
  settings: SessionTokenSettings;
}

export const TOKEN_USE_CLAIM = 'token_use';
export const CONTENT_GUID_CLAIM = 'content_guid';
const ALGORITHMS = ['RS256', 'ES256'];
const KIND_NAMES: Record<SubjectTokenKind, string> = { content_session: 'a content session token', user_session: 'a user session token' };

export function createSessionTokens(deps: SessionTokenDeps) {
  const { settings } = deps;
  let cachedKeys: readonly JWK[] | undefined;
  let cachedSet: ReturnType<typeof createLocalJWKSet> | undefined;
  const keySet = (): ReturnType<typeof createLocalJWKSet> => {
    const keys = deps.publishedKeys();
    if (keys !== cachedKeys || cachedSet === undefined) {
      cachedKeys = keys;
      cachedSet = createLocalJWKSet({ keys: [...keys] });
    }
    return cachedSet;
  };

  return {
    /** A content session token for content `contentGuid`, minted (and its audit row committed) now. */
    async issueContentSessionToken(contentGuid: string, actor: string): Promise<IssuedSessionToken> {
      const minted = await deps.mintToken({
        subject: `content:${contentGuid}`,
        audience: settings.audience,
        ttlSeconds: settings.contentTokenTtlSeconds,
        claims: { [TOKEN_USE_CLAIM]: 'content_session', [CONTENT_GUID_CLAIM]: contentGuid },
        actor,
      });
      return { token: minted.token, issuedAt: minted.issuedAt * 1000, expiresAt: minted.expiresAt * 1000 };
    },

    /** A user session token: `userName` viewing content `contentGuid`. */
    async issueUserSessionToken(userName: string, contentGuid: string): Promise<IssuedSessionToken> {
      const minted = await deps.mintToken({
        subject: `user:${userName}`,
        audience: settings.audience,
        ttlSeconds: settings.userTokenTtlSeconds,
        claims: { [TOKEN_USE_CLAIM]: 'user_session', [CONTENT_GUID_CLAIM]: contentGuid, preferred_username: userName },
        actor: `content:${contentGuid}`,
        userName,
      });
      return { token: minted.token, issuedAt: minted.issuedAt * 1000, expiresAt: minted.expiresAt * 1000 };
    },

    /**
     * Verifies a subject token of the credentials exchange: this broker's signature, `iss`,
     * the content audience, `exp`, and that it is of the kind its `subject_token_type` says.
     * @throws ERR_GRANT_INVALID naming what is wrong (expired, another kind, not ours).
     */
    async verify(token: string, expected: SubjectTokenKind): Promise<VerifiedSubjectToken> {
      let payload;
      try {
        ({ payload } = await jwtVerify(token, keySet(), {
          issuer: settings.issuer,
          audience: settings.audience,
          algorithms: ALGORITHMS,
          requiredClaims: ['exp', 'iat', 'sub'],
          currentDate: new Date(deps.clock.now()),
        }));
      } catch (error) {
        if (error instanceof joseErrors.JWTExpired) throw new RoleportError('ERR_GRANT_INVALID', `the subject_token (${KIND_NAMES[expected]}) has expired`, { cause: error });
        if (error instanceof joseErrors.JWTClaimValidationFailed && error.claim === 'aud') {
          throw new RoleportError('ERR_GRANT_INVALID', `the subject_token is not ${KIND_NAMES[expected]}: its audience is not ${settings.audience}`, { cause: error });
        }
        throw new RoleportError('ERR_GRANT_INVALID', `the subject_token is not ${KIND_NAMES[expected]} signed by this broker`, { cause: error, detail: (error as Error).message });
      }
      const kind = payload[TOKEN_USE_CLAIM];
      const contentGuid = payload[CONTENT_GUID_CLAIM];
      if (kind !== expected) {
        const actual = kind === 'content_session' || kind === 'user_session' ? KIND_NAMES[kind] : 'another kind of token';
        throw new RoleportError('ERR_GRANT_INVALID', `the subject_token is ${actual}, not ${KIND_NAMES[expected]} as subject_token_type says`);
      }
      if (typeof contentGuid !== 'string') throw new RoleportError('ERR_GRANT_INVALID', 'the subject_token names no content');
      const sub = payload.sub ?? '';
      const userName = kind === 'user_session' && sub.startsWith('user:') ? sub.slice('user:'.length) : undefined;
      if (kind === 'user_session' && (userName === undefined || userName === '')) throw new RoleportError('ERR_GRANT_INVALID', 'the user session token names no user');
      if (kind === 'content_session' && sub !== `content:${contentGuid}`) throw new RoleportError('ERR_GRANT_INVALID', 'the content session token\'s subject does not match its content');
      return { kind: expected, contentGuid, userName, expiresAt: (payload.exp ?? 0) * 1000 };
    },
  };
}

export type SessionTokens = ReturnType<typeof createSessionTokens>;
