import { hostname } from 'node:os';
import { Counter, Gauge, Registry } from 'prom-client';
import { sql } from 'kysely';
import { checkProductionMasterKey, type ResolvedConfig } from './config/index.ts';
import { systemClock, type Clock, type Logger, silentLogger } from './core/index.ts';
import { createKeyManager, createMinter, type KeyManager, type MintToken } from './issuer/index.ts';
import { createSealer, explainMasterKeyFailure, loadMasterKey, verifyMasterKey, type Sealer } from './secrets/index.ts';
import {
  createAuditWriter,
  createRepositories,
  migrateToLatest,
  openDatabase,
  withLock,
  withHeldLock,
  type AuditWriter,
  type Repositories,
  type StoreDatabase,
} from './store/index.ts';
import { createSigningKeyRepository } from './store/repositories/signing-keys.ts';
import { createUserSsoTokenRepository } from './store/index.ts';
import { createUsers, type UserService } from './users/index.ts';
import { createSso, type Sso } from './sso/index.ts';
import { checkSessionClaimSettings, createSessions, userDirectoryFrom, viewerTokensFrom, TOKEN_ENDPOINT_PATH, TOKEN_EXCHANGE_GRANT, type Sessions } from './sessions/index.ts';
import { createSts, type Sts } from './sts/index.ts';
import { evaluatePolicy, formatEvaluation, parsePolicy } from './policy/index.ts';
import { createIntegrations, type Integrations } from './integrations/index.ts';
import { createKeySource } from './jwks/index.ts';
import { createGoogleSts, type GoogleSts } from './gcp-sts/index.ts';
import { createEntra, type Entra } from './entra/index.ts';
import { createViewerGrantRepository } from './store/index.ts';

export interface ServicesOptions {
  clock?: Clock;
  logger?: Logger;
  /** Start background timers (key lifecycle). The CLI's one-shot commands leave them off. */
  background?: boolean;
  /**
   * For the benchmark's reference only: `false` queues the events that guard a secret
   * leaving instead of committing them first (the behaviour before durable audit), so one
   * run can show what durability costs. Deliberately not a configuration option.
   */
  durableAudit?: boolean;
}

/**
 * Everything the broker is made of, constructed and wired — without HTTP. The server, the
 * CLI's admin commands and the tests all start here.
 */
export interface Services {
  config: ResolvedConfig;
  clock: Clock;
  logger: Logger;
  store: StoreDatabase;
  repositories: Repositories;
  sealer: Sealer;
  keys: KeyManager;
  mintToken: MintToken;
  /** Users and their AWS roles (read from the database on every call). */
  users: UserService;
  /** Single sign-on through the company IdP, browser sessions, IdP token refresh. */
  sso: Sso;
  /** Users' sessions, their agents' token exchange, user API tokens and the CLI's sign-in. */
  sessions: Sessions;
  /** The local STS: its registry of providers and roles, and the Query-protocol handler. */
  sts: Sts;
  /** Integrations for published content: API keys, integrations, content, viewer grants, the credentials exchange. */
  integrations: Integrations;
  /** The local Google STS and IAM Credentials endpoint: providers, service accounts, token exchange, impersonation. */
  gcp: GoogleSts;
  /** The local Entra token endpoint: federated identity credentials, client assertions. */
  entra: Entra;
  metrics: BrokerMetrics;
  /** The audit log's writer: group commit for events that guard a secret leaving, batches for the rest. */
  audit: AuditWriter;
  masterKeySource: 'provided' | 'generated' | 'file';
  /** Resolves when the database answers; throws otherwise. */
  checkDatabase(): Promise<void>;
  close(): Promise<void>;
}

export interface BrokerMetrics {
  registry: Registry;
  tokensMinted: Counter;
  jwksRequests: Counter;
  signingKeys: Gauge;
  auditDeadLetters: Counter;
}

/** How often an idle broker process reads the access-change log anyway (each token exchange reads it too, shared by concurrent ones). */
export const ACCESS_CHANGE_POLL_MS = 1000;

export async function createServices(config: ResolvedConfig, options: ServicesOptions = {}): Promise<Services> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const masterKey = loadMasterKey(config.masterKey, config.dataDir);
  checkProductionMasterKey(config, masterKey);
  if (masterKey.source === 'generated') {
    logger.warn({ path: masterKey.path }, 'generated a new master key: back it up, every stored secret depends on it');
  }
  checkSessionClaimSettings(
    { subjectTemplate: config.tokens.subjectTemplate, audiences: config.sessions.audiences, contentAudience: config.integrations.contentTokenAudience, source: config.source },
    logger,
  );
  const sealer = createSealer(masterKey.key);
  const store = openDatabase(config.databaseUrl);
  try {
    await migrateToLatest(store);
    const repositories = createRepositories(store);
    await verifyMasterKey(repositories.settings, sealer, clock.now());
    const auditDeadLetters = new Counter({
      name: 'roleport_audit_dead_letters_total',
      help: 'Audit events set aside (logged at error level) instead of written: refused by the database, queue full while writes failed, or unwritten at shutdown',
      labelNames: ['reason'],
      // Registered in this broker's own registry below, not prom-client's global one.
      registers: [],
    });
    const audit = createAuditWriter({
      repository: repositories.auditEvents,
      logger,
      onDeadLetter: (reason) => auditDeadLetters.inc({ reason }),
      ...(options.durableAudit === false ? { durable: false } : {}),
    });
    const holder = `${hostname()}:${process.pid}`;
    const keys = createKeyManager({
      issuer: config.issuer,
      keys: repositories.signingKeys,
      withKeysLocked: (work) => withLock(store.db, 'signing_keys', holder, clock.now(), (trx) => work(createSigningKeyRepository(trx))),
      sealer,
      clock,
      logger,
      events: audit,
      policy: {
        rotationIntervalMs: config.keys.rotationIntervalSeconds * 1000,
        // Replicas publish a key another one created at their next check, and only then does a
        // verifier's JWKS cache time start to run: the window covers both.
        prePublicationMs: ((config.keys.prePublicationSeconds ?? config.keys.jwksCacheSeconds) + config.keys.checkIntervalSeconds) * 1000,
        // A retired key stays published for the longest token lifetime plus AWS's 5-minute skew.
        retentionMs: (config.tokens.maxTtlSeconds + 300) * 1000,
      },
      algorithm: config.keys.algorithm,
      rsaModulusLength: config.keys.rsaModulusLength,
      checkIntervalMs: config.keys.checkIntervalSeconds * 1000,
      extraDiscovery: { token_endpoint: `${config.issuer}${TOKEN_ENDPOINT_PATH}`, grant_types_supported: [TOKEN_EXCHANGE_GRANT] },
    });
    await keys.refresh();
    if (options.background === true) keys.start();
    const metrics = createMetrics(keys, audit, auditDeadLetters);
    const mintToken = createMinter({
      issuer: config.issuer,
      clock,
      events: audit,
      signingKey: () => keys.signingKey(),
      defaultTtlSeconds: config.tokens.defaultTtlSeconds,
      maxTtlSeconds: config.tokens.maxTtlSeconds,
      onMint: () => metrics.tokensMinted.inc(),
    });
    const users = createUsers({ repository: repositories.users, clock, events: audit, logger, claimNames: config.sso.claims });
    const sso = await createSso({
      config: config.sso,
      mode: config.mode,
      brokerUrl: config.issuer,
      sealer,
      clock,
      logger,
      events: audit,
      users,
      tokens: repositories.userSsoTokens,
      // One lock per user: refreshes of different users never wait on each other.
      withUserTokensLocked: (userId, work) =>
        withHeldLock(store, `sso_tokens:${userId}`, holder, clock.now(), (db) => work(createUserSsoTokenRepository(db))),
      browserSessions: repositories.browserSessions,
      settings: repositories.settings,
    });
    // Every token exchange reads the access-change log (one read shared by concurrent ones), so
    // a session ended or revoked anywhere — another replica, the CLI on the same database —
    // gets no token here from what this process cached (sessions/credential-cache.ts).
    if (options.background === true) repositories.accessChanges.start(ACCESS_CHANGE_POLL_MS);
    const sessions = createSessions({
      credentialCache: { changes: repositories.accessChanges },
      sessions: repositories.sessions,
      userApiTokens: repositories.userApiTokens,
      cliLoginCodes: repositories.cliLoginCodes,
      users: userDirectoryFrom(users, config.admins),
      viewerTokens: viewerTokensFrom(users, sso),
      mintToken,
      events: audit,
      // Flushed first, so a timeline read right after a refresh shows it.
      readAudit: async (query) => {
        await audit.flush();
        return repositories.auditEvents.query(query);
      },
      clock,
      settings: {
        ...config.sessions,
        maxTokenTtlSeconds: config.tokens.maxTtlSeconds,
        defaultAudience: config.tokens.defaultAudience,
        // Content session tokens are good only for the credentials exchange: a session that
        // could ask for their audience could pass as published content.
        audiences: config.sessions.audiences.filter((audience) => audience !== config.integrations.contentTokenAudience),
        subjectTemplate: config.tokens.subjectTemplate,
        clouds: { gcpTokenUrl: config.gcp.tokenUrl, gcpIamCredentialsUrl: config.gcp.iamCredentialsUrl, azureAuthorityHost: config.azure.authorityHost },
      },
    });
    const sts = createSts({
      settings: config.sts,
      storage: {
        providers: repositories.stsProviders,
        roles: repositories.stsRoles,
        credentials: {
          insertWithEvent: (row, event) => audit.commitWith(event, { table: repositories.stsCredentials.asCompanion, row }),
          find: (accessKeyId) => repositories.stsCredentials.find(accessKeyId),
          purgeExpired: (before) => repositories.stsCredentials.purgeExpired(before),
        },
        principals: repositories.stsPrincipals,
      },
      sealer,
      clock,
      logger,
      events: audit,
      policyEngine: { parsePolicy, evaluatePolicy, formatEvaluation: (evaluation) => formatEvaluation(evaluation) },
    });
    const integrations = createIntegrations({
      repositories: {
        apiKeys: repositories.apiKeys,
        integrations: repositories.oauthIntegrations,
        content: repositories.content,
        viewerGrants: repositories.viewerGrants,
        contentHandoffCodes: repositories.contentHandoffCodes,
      },
      // One lock per (viewer, integration): a rotating refresh token is never spent twice.
      withGrantLocked: (userName, integrationGuid, work) =>
        withHeldLock(store, `viewer_grant:${integrationGuid}:${userName}`, holder, clock.now(), (db) => work(createViewerGrantRepository(db))),
      sealer,
      clock,
      events: audit,
      mintToken,
      publishedKeys: () => keys.publishedKeys(),
      settings: {
        ...config.integrations,
        issuer: config.issuer,
        defaultAudience: config.tokens.defaultAudience,
        defaultRegion: config.sessions.defaultRegion,
        content: config.content,
      },
    });
    const gcp = createGoogleSts({
      storage: { providers: repositories.gcpProviders, serviceAccounts: repositories.gcpServiceAccounts },
      keys: createKeySource({ cacheMs: config.gcp.jwksCacheSeconds * 1000 }),
      sealer,
      clock,
      logger,
      events: audit,
    });
    const entra = createEntra({
      storage: repositories.azureFederatedCredentials,
      keys: createKeySource({ cacheMs: config.azure.jwksCacheSeconds * 1000 }),
      sealer,
      clock,
      logger,
      events: audit,
    });
    return {
      config,
      clock,
      logger,
      store,
      repositories,
      sealer,
      keys,
      mintToken,
      users,
      sso,
      sessions,
      sts,
      integrations,
      gcp,
      entra,
      metrics,
      audit,
      masterKeySource: masterKey.source,
      checkDatabase: async () => {
        await sql`select 1`.execute(store.db);
      },
      close: async () => {
        keys.stop();
        repositories.accessChanges.stop();
        // The listeners are closed by now; requests still running finish their writes first.
        await sts.drain();
        await audit.close();
        await repositories.auditEvents.flushSessionNotes().catch((error: unknown) => logger.warn({ err: error }, 'session last-token notes could not be written at shutdown; the tokens are in the audit log'));
        await store.close();
      },
    };
  } catch (error) {
    await store.close();
    throw explainMasterKeyFailure(masterKey, error);
  }
}

function createMetrics(keys: KeyManager, audit: AuditWriter, auditDeadLetters: Counter): BrokerMetrics {
  const registry = new Registry();
  registry.registerMetric(auditDeadLetters);
  new Gauge({
    name: 'roleport_audit_writable',
    help: '1 while the audit log takes rows, 0 while the database refuses them (then tokens are not issued)',
    registers: [registry],
    collect() {
      this.set(audit.status().writable ? 1 : 0);
    },
  });
  new Gauge({
    name: 'roleport_audit_pending_events',
    help: 'Audit events waiting to be written',
    registers: [registry],
    collect() {
      this.set(audit.status().pending);
    },
  });
  return {
    auditDeadLetters,
    registry,
    tokensMinted: new Counter({ name: 'roleport_tokens_minted_total', help: 'Tokens minted by this broker', registers: [registry] }),
    jwksRequests: new Counter({ name: 'roleport_jwks_requests_total', help: 'Discovery and JWKS requests served', labelNames: ['document'], registers: [registry] }),
    signingKeys: new Gauge({
      name: 'roleport_signing_keys',
      help: 'Signing keys by state',
      labelNames: ['state'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const key of await keys.list()) this.inc({ state: key.state });
      },
    }),
  };
}
