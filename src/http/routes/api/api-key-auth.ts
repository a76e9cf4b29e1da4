import type { FastifyReply, FastifyRequest } from 'fastify';
import { RoleportError } from '../../../core/index.ts';
import type { ApiKeyPrincipal, ApiKeyRole, Integrations } from '../../../integrations/index.ts';

/** The key of an `Authorization: Key <key>` header, the publishing server's scheme. */
export function apiKeyOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  return /^Key +([\x21-\x7e]+)\s*$/i.exec(header)?.[1];
}

/**
 * Step 1 of every integrations and content API route: the caller's API key, with one of the
 * roles the route allows. A missing, unknown or revoked key is 401 before anything is read
 * or changed; a valid key of the wrong role is 403.
 */
export async function requireApiKey(
  request: FastifyRequest,
  reply: FastifyReply,
  apiKeys: Pick<Integrations['apiKeys'], 'authenticate'>,
  roles: readonly ApiKeyRole[],
): Promise<ApiKeyPrincipal> {
  const key = apiKeyOf(request);
  if (key === undefined) {
    reply.header('www-authenticate', 'Key realm="roleport"');
    throw new RoleportError('ERR_UNAUTHENTICATED', 'send Authorization: Key <API key> (roleport api-keys create)');
  }
  const principal = await apiKeys.authenticate(key);
  if (principal === undefined) {
    reply.header('www-authenticate', 'Key realm="roleport"');
    throw new RoleportError('ERR_UNAUTHENTICATED', 'the API key is not valid or was revoked');
  }
  if (!roles.includes(principal.role)) throw new RoleportError('ERR_FORBIDDEN', `this needs an API key with role ${roles.join(' or ')} (this key is ${principal.role})`);
  return principal;
}

/** How an API key appears in the audit log. */
export function actorOf(principal: ApiKeyPrincipal): { name: string } {
  return { name: `api-key:${principal.name}` };
}
