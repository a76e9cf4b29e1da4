/**
 * Integrations for published content: API keys, OAuth integrations in the publishing
 * server's shapes (`template: "aws"`, Viewer or Service Account), the content registry and
 * its associations, content and user session tokens, viewers' grants at their IdP, and the
 * RFC 8693 credentials exchange that turns a session token into AWS credentials.
 * @see ../../docs/integrations.md
 * @see https://www.rfc-editor.org/rfc/rfc8693
 * @see https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html
 * @see https://docs.posit.co/connect/api/#tag--OAuth-Integrations
 */
import type { JWK } from 'jose';
import { RoleportError, type Clock, type EventSink } from '../core/index.ts';
import type { MintToken } from '../issuer/index.ts';
import type { Sealer } from '../secrets/index.ts';
import type { ApiKeyRepository, ContentHandoffCodeRepository, ContentRepository, OAuthIntegrationRepository, ViewerGrantRepository } from '../store/index.ts';
import { assumeRoleWithWebIdentity, type AssumeRoleWithWebIdentityOptions, type AssumeRoleWithWebIdentityResult } from '../aws/index.ts';
import { createIntegrationAccess, type IntegrationAccessList } from './access.ts';
import { createApiKeys, type ApiKeys } from './api-keys.ts';
import { createContentRegistry, integrationsOfType, type ContentRegistry } from './content.ts';
import { createContentHandoff, type ContentHandoff } from './content-handoff.ts';
import { createUpstreamGuard, type UpstreamGuard } from './upstream-guard.ts';
import { createCredentialsCache } from './credentials-cache.ts';
import { createCredentialsExchange, type ExchangeCredentialsOptions, type ExchangeCredentialsResult } from './credentials-exchange.ts';
import { createIntegrationService, type IntegrationService } from './integration-service.ts';
import { createSessionTokens } from './session-tokens.ts';
import type { Actor, Integration, IssuedSessionToken } from './types.ts';
import { createViewerGrants, type WithGrantLocked } from './viewer-grants.ts';
import { createViewerOAuth } from './viewer-oauth.ts';

export type * from './types.ts';
export type { ApiKeys, CreatedApiKey } from './api-keys.ts';
export type { IntegrationAccessList } from './access.ts';
export type { ContentRegistry, CreateContentOptions } from './content.ts';
export type { IntegrationService } from './integration-service.ts';
export type { ExchangeCredentialsOptions, ExchangeCredentialsResult } from './credentials-exchange.ts';
export type { WithGrantLocked } from './viewer-grants.ts';
export type { ContentHandoff, ContentViewer, HandoffTransaction } from './content-handoff.ts';
export type { UpstreamGuard } from './upstream-guard.ts';
export type { ContentTokenFile, ContentTokenFileOptions, RefreshTimers } from './content-token-file.ts';
export { API_KEY_ROLES } from './api-keys.ts';
export { isContentGuid } from './content.ts';
export { isIntegrationGuid } from './integration-service.ts';
export { toContentJson, toAssociationJson, toAccessJson, type ContentJson, type IntegrationAccessJson } from './content-json.ts';
export { toIntegrationJson, toConfigJson, formatWireTime, type IntegrationJson, type IntegrationConfigJson } from './integration-json.ts';
export { USER_SESSION_TOKEN_TYPE, CONTENT_SESSION_TOKEN_TYPE, AWS_CREDENTIALS_TOKEN_TYPE, roleSessionName } from './credentials-exchange.ts';
export { encodeAwsCredentials } from './wire-credentials.ts';
export { startContentTokenFile } from './content-token-file.ts';
export { CACHE_MARGIN_MS } from './credentials-cache.ts';
export { AUTHORIZATION_TTL_SECONDS } from './viewer-oauth.ts';

/** Where viewers come back from their IdP; the redirect URI is `<issuer><this>`. */
export const INTEGRATION_CALLBACK_PATH = '/__oauth__/integrations/callback';
/** On the broker: where the content origin sends a viewer to get a one-time hand-off code (content-handoff.ts). */
export const CONTENT_HANDOFF_PATH = '/__oauth__/content/authorize';
/** On the content origin: where the broker sends the viewer back with the code (`/{content guid}` follows). */
export const CONTENT_CALLBACK_PREFIX = '/__roleport/handoff';
/** The publishing server's integrations API, relative to the broker. */
export const INTEGRATIONS_API_PATH = '/__api__/v1/oauth/integrations';
/** The credentials exchange (RFC 8693). */
export const CREDENTIALS_PATH = '/__api__/v1/oauth/integrations/credentials';
/** Environment variables content reads its session token from (the publishing server's names). */
export const CONTENT_SESSION_TOKEN_ENV = 'CONNECT_CONTENT_SESSION_TOKEN';
export const CONTENT_SESSION_TOKEN_FILE_ENV = 'CONNECT_CONTENT_SESSION_TOKEN_FILE';
/** The request header that carries a viewer's user session token to content. */
export const USER_SESSION_TOKEN_HEADER = 'Posit-Connect-User-Session-Token';

export interface IntegrationsSettings {
  /** The broker's issuer: `iss` of session tokens, base of the callback URL. */
  issuer: string;
  contentTokenAudience: string;
  contentTokenTtlSeconds: number;
  userTokenTtlSeconds: number;
  serviceAccountTokenTtlSeconds: number;
  /** `aud` of Service Account web identity tokens when the integration names none. */
  defaultAudience: string;
  /** `sts_region` when an integration gives none. */
  defaultRegion: string;
  stsEndpoint?: string | undefined;
  stsFailoverRegions: readonly string[];
  idpTimeoutSeconds: number;
  /** Published content's upstreams and its origin (config `content`). */
  content: {
    upstreamAllowList: readonly string[];
    dnsServers: readonly string[];
    handoffCodeTtlSeconds: number;
    viewerSessionTtlSeconds: number;
  };
}

export interface IntegrationsDeps {
  repositories: {
    apiKeys: ApiKeyRepository;
    integrations: OAuthIntegrationRepository;
    content: ContentRepository;
    viewerGrants: ViewerGrantRepository;
    contentHandoffCodes: ContentHandoffCodeRepository;
  };
  withGrantLocked: WithGrantLocked;
  sealer: Sealer;
  clock: Clock;
  events: EventSink;
  mintToken: MintToken;
  /** The broker's published verification keys (the key manager's JWKS). */
  publishedKeys: () => readonly JWK[];
  /** STS; the shared client of src/aws by default (tests may pass their own endpoint through settings instead). */
  assumeRole?: ((options: AssumeRoleWithWebIdentityOptions) => Promise<AssumeRoleWithWebIdentityResult>) | undefined;
  settings: IntegrationsSettings;
}

/** What a viewer must still authorize before content that uses Viewer integrations is shown. */
export interface PendingAuthorization {
  integration: Integration;
}

/** The integrations module as the broker uses it. */
export interface Integrations {
  apiKeys: ApiKeys;
  integrations: Omit<IntegrationService, 'clientSecret'>;
  /** Each integration's access list: the content an admin allowed to use it. */
  access: IntegrationAccessList;
  content: ContentRegistry;
  /** The upstream allow-list, for the proxy's connections (its DNS lookup checks every address). */
  upstreams: UpstreamGuard;
  /** The viewer's identity from the broker's origin to the content origin (one-time codes, sealed cookies). */
  handoff: ContentHandoff;
  /** A content session token for existing content (`sub` `content:{guid}`). */
  issueContentSessionToken(contentGuid: string, actor: Actor): Promise<IssuedSessionToken>;
  /** A user session token for a viewer of existing content (`sub` `user:{username}`). */
  issueUserSessionToken(userName: string, contentGuid: string): Promise<IssuedSessionToken>;
  viewer: {
    /** The content's Viewer integrations the viewer has not authorized yet. */
    pendingAuthorizations(userName: string, contentGuid: string): Promise<Integration[]>;
    /** Starts the authorization code flow for one integration: the IdP URL and the sealed transaction cookie. */
    beginAuthorization(integrationGuid: string, options: { userName: string; returnTo: string }): Promise<{ url: string; transactionCookie: string }>;
    /**
     * Finishes it at the callback: the transaction must belong to `userName`, the code is
     * exchanged and the refresh token kept (sealed) for this viewer and integration.
     */
    completeAuthorization(options: { query: URLSearchParams; transactionCookie: string | undefined; userName: string }): Promise<{ integration: Integration; returnTo: string }>;
    /** Forgets a viewer's grant. */
    revoke(userName: string, integrationGuid: string): Promise<boolean>;
  };
  /** The RFC 8693 credentials exchange. */
  exchangeCredentials(options: ExchangeCredentialsOptions): Promise<ExchangeCredentialsResult>;
  readonly callbackUrl: string;
}

/**
 * Builds the integrations module over its repositories and ports.
 * @example
 * const integrations = createIntegrations({ repositories, withGrantLocked, sealer, clock, events, mintToken,
 *   publishedKeys: () => keys.publishedKeys(), settings });
 * const created = await integrations.integrations.create({ template: 'aws', name: 'S3', config: { auth_type: 'Service Account', role_arn } }, { name: 'admin-key' });
 * const { credentials } = await integrations.exchangeCredentials({ subjectToken, subjectTokenType: CONTENT_SESSION_TOKEN_TYPE });
 */
export function createIntegrations(deps: IntegrationsDeps): Integrations {
  const { settings, clock, events } = deps;
  const callbackUrl = `${settings.issuer.replace(/\/$/, '')}${INTEGRATION_CALLBACK_PATH}`;
  const cache = createCredentialsCache();
  const integrations = createIntegrationService({
    repository: deps.repositories.integrations,
    viewerGrants: deps.repositories.viewerGrants,
    sealer: deps.sealer,
    clock,
    events,
    defaults: { stsRegion: settings.defaultRegion },
    onChange: (guid) => cache.invalidate(`${guid}|`),
  });
  const upstreams = createUpstreamGuard({ allowList: settings.content.upstreamAllowList, dnsServers: settings.content.dnsServers });
  const content = createContentRegistry({ repository: deps.repositories.content, integrations: deps.repositories.integrations, clock, events, checkUpstream: (url) => upstreams.checkUrl(url) });
  const handoff = createContentHandoff({
    repository: deps.repositories.contentHandoffCodes,
    sealer: deps.sealer,
    clock,
    events,
    settings: { handoffCodeTtlSeconds: settings.content.handoffCodeTtlSeconds, viewerSessionTtlSeconds: settings.content.viewerSessionTtlSeconds },
  });
  const sessionTokens = createSessionTokens({
    mintToken: deps.mintToken,
    publishedKeys: deps.publishedKeys,
    clock,
    settings: { issuer: settings.issuer, audience: settings.contentTokenAudience, contentTokenTtlSeconds: settings.contentTokenTtlSeconds, userTokenTtlSeconds: settings.userTokenTtlSeconds },
  });
  const oauth = createViewerOAuth({ sealer: deps.sealer, clock, redirectUri: callbackUrl, timeoutMs: settings.idpTimeoutSeconds * 1000, clientSecret: (guid) => integrations.clientSecret(guid) });
  const grants = createViewerGrants({ repository: deps.repositories.viewerGrants, withGrantLocked: deps.withGrantLocked, oauth, sealer: deps.sealer, clock, events });
  const exchange = createCredentialsExchange({
    sessionTokens,
    content,
    viewerGrants: grants,
    mintToken: deps.mintToken,
    assumeRole: deps.assumeRole ?? assumeRoleWithWebIdentity,
    cache,
    clock,
    events,
    settings: {
      defaultAudience: settings.defaultAudience,
      serviceAccountTokenTtlSeconds: settings.serviceAccountTokenTtlSeconds,
      stsEndpoint: settings.stsEndpoint,
      stsFailoverRegions: settings.stsFailoverRegions,
    },
  });
  const { clientSecret: _clientSecret, ...publicIntegrations } = integrations;

  return {
    apiKeys: createApiKeys({ repository: deps.repositories.apiKeys, clock, events }),
    integrations: publicIntegrations,
    access: createIntegrationAccess({ repository: deps.repositories.content, integrations: deps.repositories.integrations, clock, events }),
    content,
    upstreams,
    handoff,
    async issueContentSessionToken(contentGuid, actor) {
      const item = await content.get(contentGuid);
      return sessionTokens.issueContentSessionToken(item.guid, actor.name);
    },
    async issueUserSessionToken(userName, contentGuid) {
      const item = await content.get(contentGuid);
      return sessionTokens.issueUserSessionToken(userName, item.guid);
    },
    viewer: {
      async pendingAuthorizations(userName, contentGuid) {
        const viewerIntegrations = integrationsOfType(await content.associations(contentGuid), 'Viewer');
        const pending: Integration[] = [];
        for (const integration of viewerIntegrations) if (!(await grants.has(userName, integration.guid))) pending.push(integration);
        return pending;
      },
      async beginAuthorization(integrationGuid, options) {
        const integration = await integrations.get(integrationGuid);
        return oauth.beginAuthorization(integration, options);
      },
      async completeAuthorization(options) {
        const transaction = oauth.openTransaction(options.transactionCookie);
        if (transaction.userName !== options.userName) {
          throw new RoleportError('ERR_SSO_STATE', 'this authorization was started by another signed-in user; open the content again');
        }
        const integration = await integrations.get(transaction.integrationGuid);
        const tokens = await oauth.completeAuthorization(integration, transaction, options.query);
        await grants.save(options.userName, integration, tokens);
        return { integration, returnTo: transaction.returnTo };
      },
      revoke: (userName, integrationGuid) => grants.revoke(userName, integrationGuid),
    },
    exchangeCredentials: (options) => exchange.exchange(options),
    callbackUrl,
  };
}
