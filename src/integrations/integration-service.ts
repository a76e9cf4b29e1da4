import { randomUUID } from 'node:crypto';
import { RoleportError, type Clock, type EventSink } from '../core/index.ts';
import type { Sealer } from '../secrets/index.ts';
import type { OAuthIntegrationRepository, OAuthIntegrationRow, ViewerGrantRepository } from '../store/index.ts';
import { parseIntegrationCreate, parseIntegrationPatch, type IntegrationDefaults, type IntegrationInput } from './integration-json.ts';
import type { Actor, Integration, IntegrationConfig } from './types.ts';

export interface IntegrationServiceDeps {
  repository: OAuthIntegrationRepository;
  viewerGrants: Pick<ViewerGrantRepository, 'deleteByIntegration'>;
  sealer: Sealer;
  clock: Clock;
  events: EventSink;
  defaults: IntegrationDefaults;
  /** Told when an integration changes or goes, so cached credentials of its old role are dropped. */
  onChange?: ((guid: string) => void) | undefined;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The sealed secret is bound to its row: copied into another integration it does not open. */
const secretAad = (guid: string): string => `oauth_integrations:${guid}:client_secret`;

export function isIntegrationGuid(value: string): boolean {
  return GUID.test(value);
}

/**
 * OAuth integrations: create, read, update, delete. The client secret is sealed at rest and
 * leaves this module only through `clientSecret`, for the token endpoint request.
 */
export function createIntegrationService(deps: IntegrationServiceDeps) {
  const { repository, sealer, clock, events } = deps;

  const load = async (guid: string): Promise<OAuthIntegrationRow> => {
    const row = GUID.test(guid) ? await repository.findByGuid(guid) : undefined;
    if (row === undefined) throw new RoleportError('ERR_NOT_FOUND', `no integration ${guid}`);
    return row;
  };

  const audit = (type: string, actor: Actor, integration: Integration, details: Record<string, unknown> = {}): void => {
    events.record({
      type,
      actor: actor.name,
      occurredAt: clock.now(),
      roleArn: integration.config.roleArn,
      details: { integration_guid: integration.guid, name: integration.name, auth_type: integration.config.authType, ...details },
    });
  };

  return {
    async list(): Promise<Integration[]> {
      return (await repository.list()).map(toIntegration);
    },

    async get(guid: string): Promise<Integration> {
      return toIntegration(await load(guid));
    },

    /** Validates the wire body (the publishing server's shape) and stores the integration. */
    async create(body: unknown, actor: Actor): Promise<Integration> {
      const input = parseIntegrationCreate(body, deps.defaults);
      const guid = randomUUID();
      const now = clock.now();
      await repository.insert({
        guid,
        name: input.name,
        description: input.description,
        template: input.template,
        config: JSON.stringify(input.config),
        client_secret_sealed: typeof input.clientSecret === 'string' ? sealer.seal(input.clientSecret, secretAad(guid)) : null,
        created_at: now,
        created_by: actor.name,
        updated_at: now,
      });
      const integration = toIntegration((await repository.findByGuid(guid))!);
      audit('integration.created', actor, integration);
      return integration;
    },

    /**
     * Applies a PATCH body. When the IdP client changes (auth type, client id, endpoints), the
     * viewers' grants are dropped: their tokens belong to the old client.
     */
    async update(guid: string, body: unknown, actor: Actor): Promise<Integration> {
      const row = await load(guid);
      const current = toIntegration(row);
      const input = parseIntegrationPatch(current, body, deps.defaults);
      const now = Math.max(clock.now(), row.updated_at + 1);
      const updated = await repository.update(guid, row.updated_at, {
        name: input.name,
        description: input.description,
        template: input.template,
        config: JSON.stringify(input.config),
        updated_at: now,
        ...secretPatch(input, guid, sealer),
      });
      if (!updated) throw new RoleportError('ERR_STORE_CONFLICT', `integration ${guid} was changed at the same time; read it again and retry`);
      if (clientChanged(current.config, input.config) || input.clientSecret !== undefined) await deps.viewerGrants.deleteByIntegration(guid);
      deps.onChange?.(guid);
      const integration = toIntegration((await repository.findByGuid(guid))!);
      audit('integration.updated', actor, integration, { secret_changed: input.clientSecret !== undefined });
      return integration;
    },

    async delete(guid: string, actor: Actor): Promise<void> {
      const integration = toIntegration(await load(guid));
      if (await repository.delete(guid)) {
        deps.onChange?.(guid);
        audit('integration.deleted', actor, integration);
      }
    },

    /** The integration's client secret, for its token endpoint; undefined when it has none. */
    async clientSecret(guid: string): Promise<string | undefined> {
      const row = await load(guid);
      return row.client_secret_sealed === null ? undefined : sealer.openText(row.client_secret_sealed, secretAad(guid));
    },
  };
}

export type IntegrationService = ReturnType<typeof createIntegrationService>;

function secretPatch(input: IntegrationInput, guid: string, sealer: Sealer): { client_secret_sealed?: string | null } {
  if (input.clientSecret === undefined) return {};
  return { client_secret_sealed: input.clientSecret === null ? null : sealer.seal(input.clientSecret, secretAad(guid)) };
}

function clientChanged(before: IntegrationConfig, after: IntegrationConfig): boolean {
  const a = before.oauth;
  const b = after.oauth;
  if (a === undefined || b === undefined) return a !== b;
  return a.clientId !== b.clientId || a.tokenUri !== b.tokenUri || a.authorizationUri !== b.authorizationUri || a.authMode !== b.authMode;
}

export function toIntegration(row: OAuthIntegrationRow): Integration {
  return {
    guid: row.guid,
    name: row.name,
    description: row.description,
    template: 'aws',
    config: JSON.parse(row.config) as IntegrationConfig,
    hasClientSecret: row.client_secret_sealed !== null,
    createdAt: row.created_at,
    createdBy: row.created_by,
    updatedAt: row.updated_at,
  };
}
