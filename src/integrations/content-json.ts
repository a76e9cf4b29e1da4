import { formatWireTime } from './integration-json.ts';
import type { Content, ContentAssociation, IntegrationAccess } from './types.ts';

/** Content as the API and the CLI print it (the publishing server's field names). */
export interface ContentJson {
  guid: string;
  name: string;
  title: string | null;
  upstream_url: string | null;
  created_time: string;
  updated_time: string;
}

export function toContentJson(content: Content): ContentJson {
  return {
    guid: content.guid,
    name: content.name,
    title: content.title,
    upstream_url: content.upstreamUrl,
    created_time: formatWireTime(content.createdAt),
    updated_time: formatWireTime(content.updatedAt),
  };
}

/** One content ↔ integration association, as `GET …/content/{guid}/oauth/integrations/associations` returns it. */
export function toAssociationJson(association: ContentAssociation) {
  return {
    app_guid: association.contentGuid,
    oauth_integration_guid: association.integration.guid,
    oauth_integration_name: association.integration.name,
    oauth_integration_description: association.integration.description,
    oauth_integration_template: association.integration.template,
    oauth_integration_auth_type: association.integration.config.authType,
    created_time: formatWireTime(association.createdAt),
  };
}

/** One entry of an integration's access list, as `GET …/oauth/integrations/{guid}/access` returns it. */
export interface IntegrationAccessJson {
  content_guid: string;
  granted_time: string;
  granted_by: string;
}

export function toAccessJson(access: IntegrationAccess): IntegrationAccessJson {
  return { content_guid: access.contentGuid, granted_time: formatWireTime(access.grantedAt), granted_by: access.grantedBy };
}
