import type { FastifyReply } from 'fastify';
import { RoleportError, invalidInput } from '../../../core/index.ts';
import { TOKEN_EXCHANGE_GRANT } from '../../../sessions/index.ts';
import { safeText } from '../../schemas/text.ts';

/**
 * What the broker's two RFC 8693 endpoints share — the agents' `POST /oauth/token` and
 * content's credentials exchange: the form body's parameters and schema, the first checks,
 * and an uncached answer. Each endpoint checks its own token types.
 * @see https://www.rfc-editor.org/rfc/rfc8693#section-2.1
 */
export interface TokenExchangeForm {
  grant_type: string;
  subject_token?: string;
  subject_token_type?: string;
  requested_token_type?: string;
  audience?: string;
  resource?: string;
  actor_token?: string;
  scope?: string;
}

const FORM = 'application/x-www-form-urlencoded';

/**
 * The body schema. Safe text only (no control characters; core/text.ts): a repeated parameter arrives as an array and is refused
 * (RFC 6749 §3.2). Only grant_type is required, so that another grant gets
 * unsupported_grant_type rather than a complaint about token-exchange parameters.
 */
export function tokenExchangeFormSchema(maxLength: { subjectToken: number; actorToken: number }) {
  return {
    type: 'object',
    properties: {
      grant_type: safeText(256),
      subject_token: safeText(maxLength.subjectToken),
      subject_token_type: safeText(256),
      requested_token_type: safeText(256),
      audience: safeText(255),
      resource: safeText(2048),
      actor_token: safeText(maxLength.actorToken),
      scope: safeText(1024),
    },
    required: ['grant_type'],
  } as const;
}

/**
 * The checks every token exchange starts with, each naming what is wrong: a form body, the
 * token-exchange grant, a subject token, no actor token (neither endpoint acts for another
 * party). Returns the subject token and the audience ('' counts as absent).
 */
export function readTokenExchange(contentType: string | undefined, body: TokenExchangeForm, endpoint: string): { subjectToken: string; audience: string | undefined } {
  if (!(contentType ?? '').toLowerCase().startsWith(FORM)) throw invalidInput(`the ${endpoint} request must be ${FORM}`);
  if (body.grant_type !== TOKEN_EXCHANGE_GRANT) throw new RoleportError('ERR_GRANT_TYPE_UNSUPPORTED', `grant_type must be ${TOKEN_EXCHANGE_GRANT}`);
  if (body.subject_token === undefined || body.subject_token.length === 0) throw invalidInput('subject_token is missing');
  if (body.actor_token !== undefined) throw invalidInput('actor_token is not supported');
  return { subjectToken: body.subject_token, audience: body.audience === undefined || body.audience === '' ? undefined : body.audience };
}

/** A token response is never cached (RFC 6749 §5.1). */
export function sendTokenResponse(reply: FastifyReply, body: Record<string, unknown>): FastifyReply {
  return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(body);
}
