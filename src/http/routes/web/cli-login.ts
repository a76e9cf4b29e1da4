import type { FastifyInstance } from 'fastify';
import { cliLoginRedirect, validateCliLoginRequest, type Sessions } from '../../../sessions/index.ts';
import type { WebVisitorAuth } from '../../plugins/web-visitor.ts';

export interface CliLoginPageOptions {
  sessions: Pick<Sessions, 'cliLogin'>;
}

const TEXT = (maxLength: number) => ({ type: 'string', maxLength }) as const;

/** `/cli/login`: the browser half of `roleport login`'s loopback sign-in. */
export async function registerCliLoginPage(scope: FastifyInstance, auth: WebVisitorAuth, options: CliLoginPageOptions): Promise<void> {
  await scope.register(async (page) => {
    // Checked before sign-in: a bad request never sends anyone through the IdP.
    page.addHook('preHandler', async (request) => void validateCliLoginRequest(request.query as Record<string, unknown>));
    page.addHook('preHandler', auth.requireVisitor);

    page.get<{ Querystring: Record<string, string | undefined> }>(
      '/cli/login',
      { schema: { querystring: { type: 'object', properties: { redirect_uri: TEXT(2048), state: TEXT(512), code_challenge: TEXT(128), code_challenge_method: TEXT(16) } } } },
      async (request, reply) => {
        const login = validateCliLoginRequest(request.query);
        const code = await options.sessions.cliLogin.issueCode(auth.signedIn(request).user.username, login);
        return reply.redirect(cliLoginRedirect(login, code), 303);
      },
    );
  });
}
