import type { FastifyInstance } from 'fastify';
import type { Clock } from '../../../core/index.ts';
import type { KeyManager } from '../../../issuer/index.ts';
import { renderKeysPage } from '../../../web/keys-page.ts';
import { requireVisitorOn, type WebVisitorAuth } from '../../plugins/web-visitor.ts';
import { backWithNotice, CONFIRMABLE_FIELDS, confirmed, type ConfirmableBody } from './confirmation.ts';

export interface KeyPageOptions {
  keys: Pick<KeyManager, 'list' | 'rotate'>;
  clock: Clock;
  /** How long a new key is published before it signs, and how often keys rotate by themselves (0: never). */
  prePublicationMs: number;
  rotationIntervalMs: number;
  /** Where verifiers fetch the public keys. */
  jwksUrl: string;
}

/**
 * The admins' signing keys page: each key's state and dates, the routine rotation and, apart
 * and explained, the immediate one for a compromised key — both asked for confirmation, both
 * the same call as `roleport keys rotate [--immediate]`. Registered inside the web scope.
 */
export async function registerKeyPages(scope: FastifyInstance, auth: WebVisitorAuth, options: KeyPageOptions): Promise<void> {
  await scope.register(async (admin) => {
    requireVisitorOn(admin, auth, 'admin');

    admin.get('/admin/keys', async (request, reply) => {
      const keys = [...(await options.keys.list())].sort((a, b) => b.createdAt - a.createdAt);
      return reply.type('text/html; charset=utf-8').send(
        renderKeysPage({ page: auth.page(request), keys, now: options.clock.now(), prePublicationMs: options.prePublicationMs, rotationIntervalMs: options.rotationIntervalMs, jwksUrl: options.jwksUrl }),
      );
    });

    admin.post<{ Body: ConfirmableBody & { immediate?: string } }>(
      '/admin/keys/rotate',
      { schema: { body: { type: 'object', properties: { ...CONFIRMABLE_FIELDS, immediate: { type: 'string', enum: ['true', 'false'] } } } } },
      async (request, reply) => {
        const immediate = request.body.immediate === 'true';
        const go = confirmed(request, reply, {
          page: auth.page(request),
          title: immediate ? 'Rotate the signing key immediately?' : 'Rotate the signing key?',
          question: immediate ? 'Create a new signing key that signs from now on?' : 'Create a new signing key?',
          consequence: immediate
            ? 'Verifiers holding a cached JWKS (AWS included) refuse tokens signed with it until their cache expires, so sessions may fail to get credentials meanwhile. Only for a key that may be compromised.'
            : 'It is published now and signs once every verifier has had time to fetch it; the current key then retires and stays published until its tokens expire. Nothing breaks.',
          confirmLabel: immediate ? 'Rotate immediately' : 'Rotate',
          danger: immediate,
          fields: immediate ? { immediate: 'true' } : {},
        });
        if (!go) return reply;
        await options.keys.rotate({ immediate, actor: auth.signedIn(request).user.username });
        return reply.redirect(backWithNotice(request.body.return_to, immediate ? 'key-rotated-immediately' : 'key-rotated', '/admin/keys'), 303);
      },
    );
  });
}
