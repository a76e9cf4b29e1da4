import type { FastifyInstance } from 'fastify';
import { cliLoginDeniedRedirect, cliLoginRedirect, validateCliLoginRequest, type Sessions } from '../../../sessions/index.ts';
import { renderCliLoginConsent, renderCliLoginDone } from '../../../web/cli-login-page.ts';
import { pageCsp } from '../../plugins/page-headers.ts';
import { requireVisitorOn, type WebVisitorAuth } from '../../plugins/web-visitor.ts';
import { safeText } from '../../schemas/text.ts';

export interface CliLoginPageOptions {
  sessions: Pick<Sessions, 'cliLogin'>;
}

/** The broker page `roleport login`'s listener sends the browser to (client/cli-login.ts names it too). */
export const CLI_LOGIN_DONE_PATH = '/cli/login/done';

const REQUEST_FIELDS = { redirect_uri: safeText(2048), state: safeText(512), code_challenge: safeText(128), code_challenge_method: safeText(16), user_code: safeText(16), device: safeText(64) } as const;
type CliLoginFields = Partial<Record<keyof typeof REQUEST_FIELDS, string>>;

/**
 * `/cli/login`, the browser half of `roleport login`'s loopback sign-in. A GET only shows
 * the consent page (the code the terminal printed, the listener that would get the token);
 * the one-time code is issued by the page's own form — a POST with this browser session's
 * CSRF token, from our origin — so a page that sends a signed-in browser here gets nothing.
 */
export async function registerCliLoginPage(scope: FastifyInstance, auth: WebVisitorAuth, options: CliLoginPageOptions): Promise<void> {
  // Where the CLI's listener sends the browser once done: it names only the outcome; the page shows this browser's own sign-in.
  scope.get<{ Querystring: { outcome: 'signed-in' | 'cancelled' | 'failed' } }>(
    CLI_LOGIN_DONE_PATH,
    { schema: { querystring: { type: 'object', properties: { outcome: { type: 'string', enum: ['signed-in', 'cancelled', 'failed'] } }, required: ['outcome'] } } },
    async (request, reply) => reply.type('text/html; charset=utf-8').send(renderCliLoginDone(await auth.pageOf(request), request.query.outcome)),
  );

  await scope.register(async (page) => {
    // Checked before sign-in: a bad request never sends anyone through the IdP.
    page.addHook('preHandler', async (request) => void validateCliLoginRequest(({ ...(request.query as object), ...(request.body as object | undefined) }) as CliLoginFields));
    requireVisitorOn(page, auth, 'visitor');

    page.get<{ Querystring: CliLoginFields }>('/cli/login', { schema: { querystring: { type: 'object', properties: REQUEST_FIELDS } } }, async (request, reply) => {
      const login = validateCliLoginRequest(request.query);
      // The confirming form's answer redirects to the CLI's listener: CSP's form-action must allow it.
      reply.header('content-security-policy', pageCsp([new URL(login.redirectUri).origin]));
      return reply.type('text/html; charset=utf-8').send(
        renderCliLoginConsent({
          page: auth.page(request),
          userCode: login.userCode,
          device: login.device,
          listener: new URL(login.redirectUri).host,
          fields: { redirect_uri: login.redirectUri, state: login.state, code_challenge: login.codeChallenge, user_code: login.userCode, device: login.device ?? '' },
        }),
      );
    });

    page.post<{ Body: CliLoginFields & { csrf?: string; decision?: string } }>(
      '/cli/login',
      { schema: { body: { type: 'object', properties: { ...REQUEST_FIELDS, csrf: safeText(256), decision: { type: 'string', enum: ['allow', 'deny'] } }, required: ['decision'] } } },
      async (request, reply) => {
        const login = validateCliLoginRequest(request.body);
        if (request.body.decision !== 'allow') return reply.redirect(cliLoginDeniedRedirect(login), 303);
        const code = await options.sessions.cliLogin.issueCode(auth.signedIn(request).user.username, login);
        return reply.redirect(cliLoginRedirect(login, code), 303);
      },
    );
  });
}
