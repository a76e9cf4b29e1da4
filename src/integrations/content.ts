import { randomUUID } from 'node:crypto';
import { RoleportError, assertSafeText, invalidInput, type Clock, type EventSink } from '../core/index.ts';
import type { ContentRepository, ContentRow, OAuthIntegrationRepository } from '../store/index.ts';
import { isIntegrationGuid, toIntegration } from './integration-service.ts';
import type { Actor, Content, ContentAssociation, ContentUse, Integration } from './types.ts';

export interface ContentDeps {
  repository: ContentRepository;
  integrations: Pick<OAuthIntegrationRepository, 'findByGuid' | 'list'>;
  clock: Clock;
  events: EventSink;
  /** The admin's upstream allow-list, applied to an upstream URL before it is stored (upstream-guard.ts). */
  checkUpstream: (url: string) => Promise<void>;
}

export interface CreateContentOptions {
  name: string;
  title?: string | undefined;
  upstreamUrl?: string | undefined;
  actor: Actor;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const MAX_ASSOCIATIONS = 50;

export function isContentGuid(value: string): boolean {
  return isIntegrationGuid(value);
}

/**
 * The content registry: the apps, APIs and reports the broker knows, and which integrations
 * each may use. Minimal on purpose: a name, an optional upstream the broker proxies viewers
 * to, and the associations.
 */
export function createContentRegistry(deps: ContentDeps) {
  const { repository, clock, events } = deps;

  const load = async (guid: string): Promise<ContentRow> => {
    const row = isContentGuid(guid) ? await repository.findByGuid(guid) : undefined;
    if (row === undefined) throw new RoleportError('ERR_NOT_FOUND', `no content ${guid}`);
    return row;
  };

  return {
    async create(options: CreateContentOptions): Promise<Content> {
      if (!NAME.test(options.name)) throw invalidInput(`name ${JSON.stringify(options.name)} must be 1-64 characters of letters, digits and ._- starting with a letter or digit`);
      if (options.title !== undefined) assertSafeText('title', options.title, { minLength: 1, maxLength: 255 });
      const upstreamUrl = options.upstreamUrl === undefined ? null : parseUpstream(options.upstreamUrl);
      if (upstreamUrl !== null) await deps.checkUpstream(upstreamUrl);
      if ((await repository.findByName(options.name)) !== undefined) throw new RoleportError('ERR_STORE_CONFLICT', `content named ${options.name} exists already`);
      const guid = randomUUID();
      const now = clock.now();
      await repository.insert({ guid, name: options.name, title: options.title ?? null, upstream_url: upstreamUrl, created_at: now, created_by: options.actor.name, updated_at: now });
      events.record({ type: 'content.created', actor: options.actor.name, occurredAt: now, details: { content_guid: guid, name: options.name } });
      return toContent((await repository.findByGuid(guid))!);
    },

    async get(guid: string): Promise<Content> {
      return toContent(await load(guid));
    },

    async list(): Promise<Content[]> {
      return (await repository.list()).map(toContent);
    },

    async delete(guid: string, actor: Actor): Promise<void> {
      const row = await load(guid);
      if (await repository.delete(guid)) events.record({ type: 'content.deleted', actor: actor.name, occurredAt: clock.now(), details: { content_guid: guid, name: row.name } });
    },

    /** The integrations the content uses, oldest association first. */
    async associations(guid: string): Promise<ContentAssociation[]> {
      await load(guid);
      const rows = await repository.associations(guid);
      const result: ContentAssociation[] = [];
      for (const row of rows) {
        const integration = await deps.integrations.findByGuid(row.integration_guid);
        if (integration !== undefined) result.push({ contentGuid: guid, integration: toIntegration(integration), createdAt: row.created_at, granted: row.granted });
      }
      return result;
    },

    /**
     * Replaces the integrations the content uses; every guid must name an integration whose
     * access list has this content (an admin grants it). Whoever asks — a publisher key
     * cannot attach an integration it was not given to its own content.
     */
    async setAssociations(guid: string, integrationGuids: readonly string[], actor: Actor): Promise<ContentAssociation[]> {
      await load(guid);
      if (integrationGuids.length > MAX_ASSOCIATIONS) throw invalidInput(`a content item uses at most ${MAX_ASSOCIATIONS} integrations`);
      const unique = [...new Set(integrationGuids)];
      for (const integrationGuid of unique) {
        if (!isIntegrationGuid(integrationGuid) || (await deps.integrations.findByGuid(integrationGuid)) === undefined) {
          throw new RoleportError('ERR_NOT_FOUND', `no integration ${integrationGuid}`);
        }
      }
      const granted = await repository.grantedIntegrations(guid);
      const refused = unique.filter((integrationGuid) => !granted.has(integrationGuid));
      if (refused.length > 0) {
        throw new RoleportError('ERR_FORBIDDEN', `integration ${refused.join(', ')} is not granted to content ${guid}; an admin grants it (roleport integrations access <integration> --add ${guid})`);
      }
      await repository.setAssociations(guid, unique, clock.now());
      events.record({ type: 'content.integrations_set', actor: actor.name, occurredAt: clock.now(), details: { content_guid: guid, integration_guids: unique } });
      return this.associations(guid);
    },

    /**
     * For each integration guid, the content associated with it and whether it is granted (the
     * admin pages show it): an association without a grant is inert, and is shown as such.
     */
    async usage(): Promise<Map<string, ContentUse[]>> {
      const contentByGuid = new Map((await repository.list()).map((row) => [row.guid, toContent(row)]));
      const usage = new Map<string, ContentUse[]>();
      for (const association of await repository.allAssociations()) {
        const content = contentByGuid.get(association.content_guid);
        if (content === undefined) continue;
        usage.set(association.integration_guid, [...(usage.get(association.integration_guid) ?? []), { content, granted: association.granted }]);
      }
      return usage;
    },
  };
}

export type ContentRegistry = ReturnType<typeof createContentRegistry>;

/** The integrations of the given type a content item may use: associated, and granted to it. */
export function integrationsOfType(associations: readonly ContentAssociation[], authType: Integration['config']['authType']): Integration[] {
  return associations.filter((a) => a.granted).map((a) => a.integration).filter((integration) => integration.config.authType === authType);
}

function parseUpstream(value: string): string {
  // Checked before parsing: the URL parser would quietly drop tabs and line breaks.
  assertSafeText('upstream URL', value, { maxLength: 2048 });
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidInput(`upstream URL ${JSON.stringify(value)} is not a URL`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw invalidInput('the upstream URL must be http(s) without credentials, query or fragment');
  }
  return url.href.replace(/\/$/, '');
}

function toContent(row: ContentRow): Content {
  return { guid: row.guid, name: row.name, title: row.title, upstreamUrl: row.upstream_url, createdAt: row.created_at, createdBy: row.created_by, updatedAt: row.updated_at };
}
