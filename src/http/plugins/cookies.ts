import fastifyCookie from '@fastify/cookie';
import type { FastifyInstance } from 'fastify';

/**
 * Cookie parsing and `reply.setCookie` for a route scope. Registered only if no enclosing
 * scope did it already (registering @fastify/cookie twice fails). Signing is done here with
 * our own secret rather than the plugin's, so it does not depend on how, or with which
 * secret, another scope registered the plugin.
 */
export async function registerCookieSupport(scope: FastifyInstance): Promise<void> {
  if (!scope.hasRequestDecorator('cookies')) await scope.register(fastifyCookie);
}

export interface CookieSigner {
  sign(value: string): string;
  /** The original value, or undefined when the signature does not verify. */
  unsign(signed: string | undefined): string | undefined;
}

/** HMAC-SHA256 cookie signatures (the @fastify/cookie format). */
export function createCookieSigner(secret: string): CookieSigner {
  const signer = new fastifyCookie.Signer(secret, 'sha256');
  return {
    sign: (value) => signer.sign(value),
    unsign(signed) {
      if (signed === undefined || signed.length === 0) return undefined;
      const result = signer.unsign(signed);
      return result.valid ? result.value : undefined;
    },
  };
}
