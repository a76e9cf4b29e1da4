import type { IncomingMessage, ServerResponse } from 'node:http';
import type { InteractionDetails, OidcProvider } from './oidc-provider-shapes.ts';
import { htmlEscape, page, renderLoginForm, sendHtml, type LoginFormText } from './pages.ts';
import { subjectOf } from './provider.ts';
import type { IdpUser } from './types.ts';

/**
 * The interaction endpoints (`/interaction/:uid[/login|/abort]`): a login form checked
 * against the users, cancel, and automatic consent.
 */
export async function handleInteraction(
  provider: OidcProvider,
  users: Map<string, IdpUser>,
  req: IncomingMessage,
  res: ServerResponse,
  action: string | undefined,
  text: LoginFormText,
): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  if (action === 'abort' && req.method === 'POST') {
    await provider.interactionFinished(
      req,
      res,
      { error: 'access_denied', error_description: 'End-User aborted interaction' },
      { mergeWithLastSubmission: false },
    );
    return;
  }
  if (action === 'login' && req.method === 'POST') {
    const form = new URLSearchParams(await readBody(req));
    const user = users.get(form.get('username') ?? '');
    if (!user || user.password !== form.get('password')) {
      sendHtml(res, 200, renderLoginForm(details, form.get('username') ?? '', 'Invalid username or password.', text));
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: subjectOf(user) } }, { mergeWithLastSubmission: false });
    return;
  }
  if (action !== undefined || req.method !== 'GET') {
    sendHtml(res, 405, page('Method not allowed', '<h1>Method not allowed</h1>'));
    return;
  }
  switch (details.prompt.name) {
    case 'login': {
      const loginHint = typeof details.params['login_hint'] === 'string' ? details.params['login_hint'] : '';
      sendHtml(res, 200, renderLoginForm(details, loginHint, undefined, text));
      return;
    }
    case 'consent':
      // Native clients and explicit prompt=consent still ask; consent is given without a screen.
      await provider.interactionFinished(req, res, { consent: { grantId: await grantPromptDetails(provider, details) } });
      return;
    default:
      sendHtml(res, 501, page('Not implemented', `<h1>Not implemented</h1><p>prompt ${htmlEscape(details.prompt.name)} is not supported</p>`));
  }
}

async function grantPromptDetails(provider: OidcProvider, details: InteractionDetails): Promise<string> {
  const accountId = details.session?.accountId;
  const clientId = details.params['client_id'];
  if (accountId === undefined || typeof clientId !== 'string') throw new Error('consent prompt without a signed-in user');
  const grant =
    (details.grantId ? await provider.Grant.find(details.grantId) : undefined) ?? new provider.Grant({ accountId, clientId });
  const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = details.prompt.details;
  if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
  if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  return grant.save();
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function isSessionNotFound(error: unknown): boolean {
  return error instanceof Error && error.name === 'SessionNotFound';
}
