import type { FastifyReply, FastifyRequest } from 'fastify';
import { RoleportError } from '../../../core/index.ts';

/** The token of an `Authorization: Bearer …` header (RFC 6750 §2.1), or undefined. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer +([\x21-\x7e]+)\s*$/i.exec(header);
  return match?.[1];
}

/** A 401 that also tells the client which scheme to use (RFC 6750 §3). */
export function unauthenticated(reply: FastifyReply, message: string): RoleportError {
  reply.header('www-authenticate', 'Bearer realm="roleport"');
  return new RoleportError('ERR_UNAUTHENTICATED', message);
}
