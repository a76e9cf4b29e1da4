import type { FastifyInstance } from 'fastify';
import { formatWireTime, toAccessJson, toAssociationJson, toContentJson, toIntegrationJson, type Integrations } from '../../../integrations/index.ts';
import { actorOf, requireApiKey } from './api-key-auth.ts';
import { multilineText, nullableSafeText, safeText } from '../../schemas/text.ts';
import { publishingApiErrorSchema as errorSchema } from '../../plugins/errors.ts';

export interface IntegrationApiOptions {
  integrations: Integrations;
}

const guidParams = { type: 'object', properties: { guid: safeText(64) }, required: ['guid'] } as const;

/**
 * What an integration may look like in a response. Fastify serializes responses through this
 * schema, which drops any property it does not list: `client_secret` cannot leak even if it
 * ever reached the object.
 */
export const integrationJsonSchema = {
  type: 'object',
  properties: {
    guid: { type: 'string' },
    name: { type: 'string' },
    description: { type: 'string' },
    template: { type: 'string' },
    config: {
      type: 'object',
      properties: {
        auth_type: { type: 'string' },
        auth_mode: { type: 'string' },
        client_id: { type: 'string' },
        authorization_uri: { type: 'string' },
        token_uri: { type: 'string' },
        token_endpoint_auth_method: { type: 'string' },
        scopes: { type: 'string' },
        role_arn: { type: 'string' },
        sts_region: { type: 'string' },
        session_duration: { type: 'integer' },
        use_pkce: { type: 'boolean' },
        audience: { type: 'string' },
      },
      required: ['auth_type', 'role_arn', 'sts_region', 'session_duration'],
    },
    created_time: { type: 'string' },
    updated_time: { type: 'string' },
  },
  required: ['guid', 'name', 'description', 'template', 'config', 'created_time', 'updated_time'],
} as const;

/**
 * The request body as the publishing server's clients send it. Deliberately without
 * `additionalProperties: false` (Fastify would silently strip unknown fields): the domain
 * refuses them by name.
 */
const integrationBodySchema = {
  type: 'object',
  properties: {
    template: safeText(32),
    name: safeText(255),
    description: multilineText(4096),
    config: {
      type: 'object',
      properties: {
        auth_type: safeText(32),
        auth_mode: safeText(32),
        client_id: safeText(255),
        client_secret: nullableSafeText(4096),
        authorization_uri: nullableSafeText(2048),
        token_uri: nullableSafeText(2048),
        token_endpoint_auth_method: nullableSafeText(32),
        scopes: { anyOf: [safeText(1024), { type: 'array', maxItems: 50, items: safeText(255) }, { type: 'null' }] },
        role_arn: safeText(2048),
        sts_region: nullableSafeText(32),
        session_duration: { type: ['integer', 'null'] },
        use_pkce: { type: ['boolean', 'null'] },
        audience: nullableSafeText(255),
      },
    },
  },
} as const;

const accessJsonSchema = {
  type: 'object',
  properties: { content_guid: { type: 'string' }, granted_time: { type: 'string' }, granted_by: { type: 'string' } },
  required: ['content_guid', 'granted_time', 'granted_by'],
} as const;

const contentJsonSchema = {
  type: 'object',
  properties: {
    guid: { type: 'string' },
    name: { type: 'string' },
    title: { type: ['string', 'null'] },
    upstream_url: { type: ['string', 'null'] },
    created_time: { type: 'string' },
    updated_time: { type: 'string' },
  },
  required: ['guid', 'name', 'title', 'upstream_url', 'created_time', 'updated_time'],
} as const;

const associationJsonSchema = {
  type: 'object',
  properties: {
    app_guid: { type: 'string' },
    oauth_integration_guid: { type: 'string' },
    oauth_integration_name: { type: 'string' },
    oauth_integration_description: { type: 'string' },
    oauth_integration_template: { type: 'string' },
    oauth_integration_auth_type: { type: 'string' },
    created_time: { type: 'string' },
  },
} as const;

/**
 * The integrations API in the publishing server's shapes (`/__api__/v1/oauth/integrations`)
 * and a minimal content API (`/__api__/v1/content`, associations as the publishing server
 * names them, and a content session token for the operator). Every route starts with the
 * API key; errors are `{code, message}` from the API error handler. Responses are never cached.
 */
export function registerIntegrationApiRoutes(app: FastifyInstance, options: IntegrationApiOptions): void {
  const { integrations } = options;
  const { apiKeys } = integrations;

  app.register(
    async (api) => {
      api.addHook('onSend', async (_request, reply) => {
        reply.header('cache-control', 'no-store');
      });

      api.get('/oauth/integrations', { schema: { response: { 200: { type: 'array', items: integrationJsonSchema }, '4xx': errorSchema } } }, async (request, reply) => {
        await requireApiKey(request, reply, apiKeys, ['admin', 'publisher']);
        return (await integrations.integrations.list()).map(toIntegrationJson);
      });

      api.post<{ Body: unknown }>(
        '/oauth/integrations',
        { schema: { body: integrationBodySchema, response: { 201: integrationJsonSchema, '4xx': errorSchema } } },
        async (request, reply) => {
          const caller = await requireApiKey(request, reply, apiKeys, ['admin']);
          const created = await integrations.integrations.create(request.body, actorOf(caller));
          return reply.status(201).send(toIntegrationJson(created));
        },
      );

      api.get<{ Params: { guid: string } }>(
        '/oauth/integrations/:guid',
        { schema: { params: guidParams, response: { 200: integrationJsonSchema, '4xx': errorSchema } } },
        async (request, reply) => {
          await requireApiKey(request, reply, apiKeys, ['admin', 'publisher']);
          return toIntegrationJson(await integrations.integrations.get(request.params.guid));
        },
      );

      api.patch<{ Params: { guid: string }; Body: unknown }>(
        '/oauth/integrations/:guid',
        { schema: { params: guidParams, body: integrationBodySchema, response: { 200: integrationJsonSchema, '4xx': errorSchema } } },
        async (request, reply) => {
          const caller = await requireApiKey(request, reply, apiKeys, ['admin']);
          return toIntegrationJson(await integrations.integrations.update(request.params.guid, request.body, actorOf(caller)));
        },
      );

      api.delete<{ Params: { guid: string } }>('/oauth/integrations/:guid', { schema: { params: guidParams, response: { '4xx': errorSchema } } }, async (request, reply) => {
        const caller = await requireApiKey(request, reply, apiKeys, ['admin']);
        await integrations.integrations.delete(request.params.guid, actorOf(caller));
        return reply.status(204).send();
      });

      // Who may use the integration: the content on its access list. Admins change it; publishers may read it.
      api.get<{ Params: { guid: string } }>(
        '/oauth/integrations/:guid/access',
        { schema: { params: guidParams, response: { 200: { type: 'array', items: accessJsonSchema }, '4xx': errorSchema } } },
        async (request, reply) => {
          await requireApiKey(request, reply, apiKeys, ['admin', 'publisher']);
          return (await integrations.access.list(request.params.guid)).map(toAccessJson);
        },
      );

      api.put<{ Params: { guid: string }; Body: Array<{ content_guid: string }> }>(
        '/oauth/integrations/:guid/access',
        {
          schema: {
            params: guidParams,
            body: { type: 'array', maxItems: 1000, items: { type: 'object', properties: { content_guid: safeText(64) }, required: ['content_guid'], additionalProperties: false } },
            response: { 200: { type: 'array', items: accessJsonSchema }, '4xx': errorSchema },
          },
        },
        async (request, reply) => {
          const caller = await requireApiKey(request, reply, apiKeys, ['admin']);
          return (await integrations.access.set(request.params.guid, request.body.map((entry) => entry.content_guid), actorOf(caller))).map(toAccessJson);
        },
      );

      api.get('/content', { schema: { response: { 200: { type: 'array', items: contentJsonSchema }, '4xx': errorSchema } } }, async (request, reply) => {
        await requireApiKey(request, reply, apiKeys, ['admin', 'publisher']);
        return (await integrations.content.list()).map(toContentJson);
      });

      api.post<{ Body: { name: string; title?: string; upstream_url?: string } }>(
        '/content',
        {
          schema: {
            body: { type: 'object', properties: { name: safeText(64), title: safeText(255), upstream_url: safeText(2048) }, required: ['name'], additionalProperties: false },
            response: { 201: contentJsonSchema, '4xx': errorSchema },
          },
        },
        async (request, reply) => {
          const caller = await requireApiKey(request, reply, apiKeys, ['admin', 'publisher']);
          const created = await integrations.content.create({ name: request.body.name, title: request.body.title, upstreamUrl: request.body.upstream_url, actor: actorOf(caller) });
          return reply.status(201).send(toContentJson(created));
        },
      );

      api.get<{ Params: { guid: string } }>('/content/:guid', { schema: { params: guidParams, response: { 200: contentJsonSchema, '4xx': errorSchema } } }, async (request, reply) => {
        await requireApiKey(request, reply, apiKeys, ['admin', 'publisher']);
        return toContentJson(await integrations.content.get(request.params.guid));
      });

      api.delete<{ Params: { guid: string } }>('/content/:guid', { schema: { params: guidParams, response: { '4xx': errorSchema } } }, async (request, reply) => {
        const caller = await requireApiKey(request, reply, apiKeys, ['admin', 'publisher']);
        await integrations.content.delete(request.params.guid, actorOf(caller));
        return reply.status(204).send();
      });

      api.get<{ Params: { guid: string } }>(
        '/content/:guid/oauth/integrations/associations',
        { schema: { params: guidParams, response: { 200: { type: 'array', items: associationJsonSchema }, '4xx': errorSchema } } },
        async (request, reply) => {
          await requireApiKey(request, reply, apiKeys, ['admin', 'publisher']);
          return (await integrations.content.associations(request.params.guid)).map(toAssociationJson);
        },
      );

      api.put<{ Params: { guid: string }; Body: Array<{ oauth_integration_guid: string }> }>(
        '/content/:guid/oauth/integrations/associations',
        {
          schema: {
            params: guidParams,
            body: { type: 'array', maxItems: 50, items: { type: 'object', properties: { oauth_integration_guid: safeText(64) }, required: ['oauth_integration_guid'], additionalProperties: false } },
            response: { 200: { type: 'array', items: associationJsonSchema }, '4xx': errorSchema },
          },
        },
        async (request, reply) => {
          const caller = await requireApiKey(request, reply, apiKeys, ['admin', 'publisher']);
          const guids = request.body.map((entry) => entry.oauth_integration_guid);
          return (await integrations.content.setAssociations(request.params.guid, guids, actorOf(caller))).map(toAssociationJson);
        },
      );

      api.post<{ Params: { guid: string } }>(
        '/content/:guid/session-token',
        {
          schema: {
            params: guidParams,
            response: {
              200: { type: 'object', properties: { token: { type: 'string' }, issued_time: { type: 'string' }, expires_time: { type: 'string' } }, required: ['token', 'issued_time', 'expires_time'] },
              '4xx': errorSchema,
            },
          },
        },
        async (request, reply) => {
          const caller = await requireApiKey(request, reply, apiKeys, ['admin', 'publisher']);
          const issued = await integrations.issueContentSessionToken(request.params.guid, actorOf(caller));
          return { token: issued.token, issued_time: formatWireTime(issued.issuedAt), expires_time: formatWireTime(issued.expiresAt) };
        },
      );
    },
    { prefix: '/__api__/v1' },
  );
}
