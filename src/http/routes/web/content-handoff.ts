import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RoleportError } from '../../../core/index.ts';
import { CONTENT_CALLBACK_PREFIX, CONTENT_HANDOFF_PATH, isContentGuid, type Integrations } from '../../../integrations/index.ts';
import { requireVisitorOn, type WebVisitorAuth } from '../../plugins/web-visitor.ts';
import { safeText } from '../../schemas/text.ts';

export interface ContentHandoffPageOptions {
  integrations: Pick<Integrations, 'content' | 'viewer' | 'handoff'>;
  /** `content.origin`, or undefined when content is not served through Roleport. */
  contentOrigin: string | undefined;
  /** Where the consent page is (it comes back here once every Viewer integration is authorized). */
  consentPath: string;
}

const GUID_PARAMS = { type: 'object', properties: { guid: safeText(64) }, required: ['guid'] } as const;
/** The content origin's `state`: random base64url (integrations/content-handoff.ts). */
export const HANDOFF_STATE = /^[A-Za-z0-9_-]{16,64}$/;

/** The broker URL of step 2 for this content and state (the consent page returns here). */
export function contentHandoffUrl(contentGuid: string, state: string): string {
  return `${CONTENT_HANDOFF_PATH}?${new URLSearchParams({ content: contentGuid, state })}`;
}

/**
 * The broker's half of the content hand-off (integrations/content-handoff.ts): for a signed-in
 * viewer who has authorized the content's Viewer integrations, a one-time code for this
 * content and the content origin, sent back there. Also `/content/{guid}/…` on the broker,
 * which only sends the browser on to the content origin: content is never served here.
 */
export async function registerContentHandoffPages(scope: FastifyInstance, auth: WebVisitorAuth, options: ContentHandoffPageOptions): Promise<void> {
  const { integrations, contentOrigin } = options;
  const requireOrigin = (): string => {
    if (contentOrigin === undefined) throw new RoleportError('ERR_NOT_FOUND', 'this broker serves no content: an admin sets content.origin and content.listen');
    return contentOrigin;
  };

  const toContentOrigin = async (request: FastifyRequest<{ Params: { guid: string } }>, reply: FastifyReply) => {
    const origin = requireOrigin();
    if (!isContentGuid(request.params.guid)) throw new RoleportError('ERR_NOT_FOUND', `no content ${request.params.guid}`);
    const target = new URL(request.url, origin);
    return reply.redirect(`${origin}${target.pathname}${target.search}`, 303);
  };
  scope.get<{ Params: { guid: string } }>('/content/:guid', { schema: { params: GUID_PARAMS } }, toContentOrigin);
  scope.get<{ Params: { guid: string } }>('/content/:guid/*', { schema: { params: GUID_PARAMS } }, toContentOrigin);

  await scope.register(async (viewer) => {
    requireVisitorOn(viewer, auth, 'visitor');
    viewer.get<{ Querystring: { content: string; state: string } }>(
      CONTENT_HANDOFF_PATH,
      { schema: { querystring: { type: 'object', properties: { content: safeText(64), state: { type: 'string', pattern: HANDOFF_STATE.source } }, required: ['content', 'state'] } } },
      async (request, reply) => {
        const origin = requireOrigin();
        const visitor = auth.signedIn(request);
        const { content: guid, state } = request.query;
        if (!isContentGuid(guid)) throw new RoleportError('ERR_NOT_FOUND', `no content ${guid}`);
        const content = await integrations.content.get(guid);
        if (content.upstreamUrl === null) throw new RoleportError('ERR_NOT_FOUND', `content ${content.name} is not served through Roleport (it has no upstream URL)`);
        if ((await integrations.viewer.pendingAuthorizations(visitor.user.username, content.guid)).length > 0) {
          return reply.redirect(`${options.consentPath}?${new URLSearchParams({ content: content.guid, state })}`, 303);
        }
        const code = await integrations.handoff.issueCode({ userName: visitor.user.username, browserSessionId: visitor.browserSessionId, contentGuid: content.guid, audience: origin });
        const back = new URL(`${origin}${CONTENT_CALLBACK_PREFIX}/${content.guid}`);
        back.searchParams.set('code', code);
        back.searchParams.set('state', state);
        return reply.redirect(back.href, 303);
      },
    );
  });
}
