import { RoleportError, type Clock, type EventSink } from '../core/index.ts';
import { sanitizeRoleSessionName } from '../iam/index.ts';
import type { MintToken } from '../issuer/index.ts';
import type { AssumeRoleWithWebIdentityOptions, AssumeRoleWithWebIdentityResult } from '../aws/index.ts';
import type { ContentRegistry } from './content.ts';
import type { CredentialsCache } from './credentials-cache.ts';
import type { SessionTokens } from './session-tokens.ts';
import type { AwsCredentials, Content, ContentAssociation, Integration, SubjectTokenKind, VerifiedSubjectToken } from './types.ts';
import type { ViewerGrants } from './viewer-grants.ts';

/** RFC 8693 token types of the publishing server's credentials exchange. */
export const USER_SESSION_TOKEN_TYPE = 'urn:posit:connect:user-session-token';
export const CONTENT_SESSION_TOKEN_TYPE = 'urn:posit:connect:content-session-token';
export const AWS_CREDENTIALS_TOKEN_TYPE = 'urn:ietf:params:aws:token-type:credentials';

export interface ExchangeSettings {
  /** `aud` of Service Account tokens when the integration names none. */
  defaultAudience: string;
  serviceAccountTokenTtlSeconds: number;
  stsEndpoint: string | undefined;
  stsFailoverRegions: readonly string[];
}

export interface CredentialsExchangeDeps {
  sessionTokens: Pick<SessionTokens, 'verify'>;
  content: Pick<ContentRegistry, 'get' | 'associations'>;
  viewerGrants: Pick<ViewerGrants, 'currentIdToken'>;
  mintToken: MintToken;
  assumeRole: (options: AssumeRoleWithWebIdentityOptions) => Promise<AssumeRoleWithWebIdentityResult>;
  cache: CredentialsCache;
  clock: Clock;
  events: EventSink;
  settings: ExchangeSettings;
}

export interface ExchangeCredentialsOptions {
  subjectToken: string;
  /** A `urn:posit:connect:*-session-token` type. */
  subjectTokenType: string;
  /** An integration guid: which of the content's integrations to use. */
  audience?: string | undefined;
}

export interface ExchangeCredentialsResult {
  credentials: AwsCredentials;
  integration: Integration;
  /** Served from the cache rather than a new STS call. */
  cached: boolean;
}

// An ID token with less left than this is refreshed before it goes to STS.
const VIEWER_TOKEN_MIN_VALIDITY_SECONDS = 60;

/**
 * The credentials exchange: a content or user session token in, AWS credentials of one of
 * the content's integrations out. Named steps, top to bottom: verify the subject token, pick
 * the integration, serve from the cache, else get a web identity token (the viewer's
 * refreshed ID token, or a broker-signed Service Account token — minted afresh for every STS
 * attempt) and call `AssumeRoleWithWebIdentity` in the integration's region.
 * @see https://www.rfc-editor.org/rfc/rfc8693#section-2.1
 */
export function createCredentialsExchange(deps: CredentialsExchangeDeps) {
  const { settings, clock } = deps;

  const verifySubject = (options: ExchangeCredentialsOptions): Promise<VerifiedSubjectToken> => {
    const kind: SubjectTokenKind | undefined =
      options.subjectTokenType === CONTENT_SESSION_TOKEN_TYPE ? 'content_session' : options.subjectTokenType === USER_SESSION_TOKEN_TYPE ? 'user_session' : undefined;
    if (kind === undefined) throw new RoleportError('ERR_INPUT_INVALID', `subject_token_type must be ${CONTENT_SESSION_TOKEN_TYPE} or ${USER_SESSION_TOKEN_TYPE}`);
    return deps.sessionTokens.verify(options.subjectToken, kind);
  };

  /**
   * The content's integration of the subject's auth type: the one named by `audience`, or its
   * only one — and it must be granted to the content (on the integration's access list), which
   * is checked here, at every exchange and before the cache, so a withdrawn grant stops at once.
   */
  const pickIntegration = async (subject: VerifiedSubjectToken, audience: string | undefined): Promise<Integration> => {
    const content = await deps.content.get(subject.contentGuid).catch((error: unknown) => {
      throw new RoleportError('ERR_GRANT_INVALID', `the subject_token's content ${subject.contentGuid} no longer exists`, { cause: error });
    });
    const authType = subject.kind === 'user_session' ? 'Viewer' : 'Service Account';
    const candidates = (await deps.content.associations(content.guid)).filter((association) => association.integration.config.authType === authType);
    const chosen = chooseAssociation(candidates, audience, content, authType);
    if (!chosen.granted) {
      throw new RoleportError('ERR_FORBIDDEN', `integration ${chosen.integration.name} (${chosen.integration.guid}) is not granted to content ${content.name} (${content.guid}); an admin grants it`);
    }
    return chosen.integration;
  };

  const webIdentityToken = (subject: VerifiedSubjectToken, integration: Integration): (() => Promise<string>) => {
    if (subject.kind === 'user_session') {
      return async () => (await deps.viewerGrants.currentIdToken(subject.userName!, integration, VIEWER_TOKEN_MIN_VALIDITY_SECONDS)).token;
    }
    return async () =>
      (
        await deps.mintToken({
        subject: `content:${subject.contentGuid}`,
        audience: integration.config.audience ?? settings.defaultAudience,
        ttlSeconds: settings.serviceAccountTokenTtlSeconds,
        claims: { content_guid: subject.contentGuid, integration_guid: integration.guid },
          actor: `content:${subject.contentGuid}`,
          roleArn: integration.config.roleArn,
        })
      ).token;
  };

  return {
    async exchange(options: ExchangeCredentialsOptions): Promise<ExchangeCredentialsResult> {
      const subject = await verifySubject(options);
      const integration = await pickIntegration(subject, options.audience);
      const principal = subject.kind === 'user_session' ? `user:${subject.userName!}` : `content:${subject.contentGuid}`;
      const cacheKey = `${integration.guid}|${integration.updatedAt}|${principal}`;
      const cached = deps.cache.get(cacheKey, clock.now());
      if (cached !== undefined) return { credentials: cached, integration, cached: true };

      const result = await deps.assumeRole({
        region: integration.config.stsRegion,
        endpoint: settings.stsEndpoint,
        failoverRegions: settings.stsFailoverRegions,
        roleArn: integration.config.roleArn,
        roleSessionName: roleSessionName(subject),
        durationSeconds: integration.config.sessionDuration,
        getToken: webIdentityToken(subject, integration),
      });
      const credentials = result.credentials;
      // Committed before the credentials are cached or returned: none leave without their row.
      await deps.events.commit({
        type: 'integration.credentials_issued',
        actor: principal,
        occurredAt: clock.now(),
        userName: subject.userName,
        subject: result.subjectFromWebIdentityToken,
        roleArn: integration.config.roleArn,
        expiresAt: credentials.expiration,
        details: {
          integration_guid: integration.guid,
          content_guid: subject.contentGuid,
          access_key_id: credentials.accessKeyId,
          assumed_role_arn: result.assumedRoleArn,
          region: result.region,
          attempts: result.attempts,
        },
      });
      deps.cache.set(cacheKey, credentials, clock.now());
      return { credentials, integration, cached: false };
    },
  };
}

export type CredentialsExchange = ReturnType<typeof createCredentialsExchange>;

/** The association named by `audience` (an integration guid), or the only one there is. */
function chooseAssociation(candidates: readonly ContentAssociation[], audience: string | undefined, content: Content, authType: string): ContentAssociation {
  if (audience !== undefined) {
    const chosen = candidates.find((association) => association.integration.guid === audience);
    if (chosen === undefined) throw new RoleportError('ERR_TARGET_INVALID', `audience ${audience} is not a ${authType} integration of content ${content.name} (${content.guid})`);
    return chosen;
  }
  if (candidates.length === 1) return candidates[0]!;
  if (candidates.length === 0) throw new RoleportError('ERR_TARGET_INVALID', `content ${content.name} (${content.guid}) has no ${authType} integration`);
  throw new RoleportError(
    'ERR_TARGET_INVALID',
    `content ${content.name} has ${candidates.length} ${authType} integrations; pass audience=<integration guid> (one of ${candidates.map((a) => a.integration.guid).join(', ')})`,
  );
}

/** STS's `RoleSessionName` (2–64 of `[\w+=,.@-]`): the viewer's name, or the content's guid. */
export function roleSessionName(subject: Pick<VerifiedSubjectToken, 'kind' | 'contentGuid' | 'userName'>): string {
  const raw = subject.kind === 'user_session' ? (subject.userName ?? 'viewer') : `content-${subject.contentGuid}`;
  return sanitizeRoleSessionName(raw);
}
