import type { FastifyReply, FastifyRequest } from 'fastify';
import { safeReturnTo } from '../../../sso/index.ts';
import { renderConfirmPage, type NoticeKey, type SignedInPage } from '../../../web/index.ts';
import { safeText } from '../../schemas/text.ts';


/** The fields every destructive action's form posts besides its own. */
export interface ConfirmableBody {
  csrf?: string;
  confirmed?: string;
  return_to?: string;
}

/** Body schema properties of a destructive action's form (add the action's own). */
export const CONFIRMABLE_FIELDS = {
  csrf: safeText(256),
  confirmed: { type: 'string', enum: ['yes'] },
  return_to: safeText(1024),
} as const;

export interface Confirmation {
  page: SignedInPage;
  title: string;
  question: string;
  consequence: string;
  confirmLabel: string;
  danger: boolean;
  /** The action's own fields, posted again with the confirmation. */
  fields?: Readonly<Record<string, string>>;
}

/**
 * Whether a destructive action was confirmed. The page's script asks before it sends the form
 * (and adds `confirmed=yes`); without it, the first post gets this page asking the same
 * question — the same form with `confirmed=yes`, or Cancel back to where it came from — and
 * nothing happens until the answer. Returns true when the action may go ahead.
 */
export function confirmed(request: FastifyRequest<{ Body: ConfirmableBody }>, reply: FastifyReply, confirmation: Confirmation): boolean {
  if (request.body.confirmed === 'yes') return true;
  const back = safeReturnTo(request.body.return_to);
  const action = new URL(request.url, 'http://roleport.invalid').pathname;
  void reply
    .type('text/html; charset=utf-8')
    .send(
      renderConfirmPage({
        page: confirmation.page,
        title: confirmation.title,
        question: confirmation.question,
        consequence: confirmation.consequence,
        action,
        fields: { ...(confirmation.fields ?? {}), return_to: back },
        confirmLabel: confirmation.confirmLabel,
        cancelHref: back,
        danger: confirmation.danger,
      }),
    );
  return false;
}

/** Where a form's answer goes: the page it came from (kept on this site), with the action's notice. */
export function backWithNotice(returnTo: string | undefined, notice: NoticeKey, fallback: string): string {
  const back = returnTo === undefined ? fallback : safeReturnTo(returnTo);
  const url = new URL(back, 'http://roleport.invalid');
  url.searchParams.set('notice', notice);
  return `${url.pathname}${url.search}`;
}
