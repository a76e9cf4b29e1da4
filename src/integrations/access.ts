import { RoleportError, invalidInput, type Clock, type EventSink } from '../core/index.ts';
import type { ContentRepository, OAuthIntegrationRepository } from '../store/index.ts';
import { isContentGuid } from './content.ts';
import { isIntegrationGuid } from './integration-service.ts';
import type { Actor, IntegrationAccess } from './types.ts';

export interface IntegrationAccessDeps {
  repository: Pick<ContentRepository, 'access' | 'setAccess' | 'findByGuid'>;
  integrations: Pick<OAuthIntegrationRepository, 'findByGuid'>;
  clock: Clock;
  events: EventSink;
}

const MAX_GRANTS = 1000;

/**
 * Who may use an integration: its access list, the content an admin allowed. Only admins
 * change it (the API and web routes check the caller; the CLI on the data directory is an
 * admin). Content must be on the list before anyone associates the integration with it, and
 * the credentials exchange checks the list again at every call, so a grant withdrawn stops
 * the content's credentials at once.
 */
export function createIntegrationAccess(deps: IntegrationAccessDeps) {
  const { repository, clock, events } = deps;

  const requireIntegration = async (guid: string): Promise<void> => {
    if (!isIntegrationGuid(guid) || (await deps.integrations.findByGuid(guid)) === undefined) throw new RoleportError('ERR_NOT_FOUND', `no integration ${guid}`);
  };

  const list = async (integrationGuid: string): Promise<IntegrationAccess[]> => {
    await requireIntegration(integrationGuid);
    return (await repository.access(integrationGuid)).map((row) => ({ contentGuid: row.content_guid, grantedAt: row.granted_at, grantedBy: row.granted_by }));
  };

  /** Replaces the integration's access list; every guid must name existing content. */
  const set = async (integrationGuid: string, contentGuids: readonly string[], actor: Actor): Promise<IntegrationAccess[]> => {
    await requireIntegration(integrationGuid);
    if (contentGuids.length > MAX_GRANTS) throw invalidInput(`an integration's access list holds at most ${MAX_GRANTS} content items`);
    const unique = [...new Set(contentGuids)];
    for (const contentGuid of unique) {
      if (!isContentGuid(contentGuid) || (await repository.findByGuid(contentGuid)) === undefined) throw new RoleportError('ERR_NOT_FOUND', `no content ${contentGuid}`);
    }
    const before = new Set((await repository.access(integrationGuid)).map((row) => row.content_guid));
    await repository.setAccess(integrationGuid, unique, clock.now(), actor.name);
    const granted = unique.filter((guid) => !before.has(guid));
    const withdrawn = [...before].filter((guid) => !unique.includes(guid));
    if (granted.length > 0 || withdrawn.length > 0) {
      events.record({ type: 'integration.access_set', actor: actor.name, occurredAt: clock.now(), details: { integration_guid: integrationGuid, content_guids: unique, granted, withdrawn } });
    }
    return list(integrationGuid);
  };

  const current = async (integrationGuid: string): Promise<string[]> => (await list(integrationGuid)).map((entry) => entry.contentGuid);

  return {
    list,
    set,
    /** Adds one content item to the list (already on it: nothing changes). */
    async grant(integrationGuid: string, contentGuid: string, actor: Actor): Promise<IntegrationAccess[]> {
      return set(integrationGuid, [...(await current(integrationGuid)), contentGuid], actor);
    },
    /** Takes one content item off the list: its credentials stop at its next exchange. */
    async withdraw(integrationGuid: string, contentGuid: string, actor: Actor): Promise<IntegrationAccess[]> {
      return set(integrationGuid, (await current(integrationGuid)).filter((guid) => guid !== contentGuid), actor);
    },
  };
}

export type IntegrationAccessList = ReturnType<typeof createIntegrationAccess>;
