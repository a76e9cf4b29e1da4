import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { createApplication } from '../../app.ts';
import { loadConfig, removeDevRuntime, writeDevRuntime } from '../../config/index.ts';
import { createAwsSetup } from '../../aws/index.ts';
import { systemClock } from '../../core/index.ts';
import { parseRoleArn } from '../../iam/index.ts';
import { registerDevSts, DEV_CLIENT_ID, DEV_ROLE_ARNS, type DevTrustPolicy } from '../../sts/index.ts';
import { demoIdpUsers, startDemoIdp, type IdpUser } from '../../demo-idp/index.ts';
import { ensureDevCa } from '../../dev-ca/index.ts';
import { DEV_GCP_SERVICE_ACCOUNT, DEV_GCP_TARGETS, registerDevGcp } from '../../gcp-sts/index.ts';
import { DEV_AZURE_TARGETS, registerDevEntra } from '../../entra/index.ts';
import { formatGcpTarget } from '../../gcp/index.ts';
import { formatAzureTarget } from '../../azure/index.ts';
import { demoIdpPort, freePort } from '../dev-idp-port.ts';
import { parsePort } from '../flags.ts';
import { waitForShutdown } from '../shutdown.ts';

export interface DevOptions {
  /** The broker's port on 127.0.0.1, as given (`0` picks a free one; default 8080). */
  port: string;
  dataDir?: string | undefined;
  json: boolean;
  config?: string | undefined;
}

/** What `roleport dev` prints once ready: one line per service, or one JSON object. */
export interface DevEndpoints {
  issuer: string;
  web: string;
  [service: string]: string;
}

/**
 * `roleport dev`: everything on loopback for a first look — broker, issuer, local STS,
 * content origin (on localhost), demo IdP, local Google STS and local Entra endpoint (TLS, dev
 * CA) with demo targets — until SIGINT/SIGTERM; prints the endpoints once ready.
 */
export async function runDev(flags: DevOptions): Promise<void> {
  const port = await resolvePort(flags.port);
  const listen = `127.0.0.1:${port}`;
  const dataDir = resolve(flags.dataDir ?? process.env['ROLEPORT_DATA_DIR'] ?? '.roleport');
  // Each listener takes the n-th port after the broker's (the STS n=1, content 2, demo IdP 3,
  // local Google STS 4, local Entra 5); with --port 0 each gets a free port of its own (port + n
  // may be some client socket's ephemeral port at that moment).
  const offset = (n: number): number | undefined => (flags.port === '0' || port + n > 65535 ? undefined : port + n);
  const portAfter = async (n: number): Promise<number> => offset(n) ?? freePort();
  const stsPort = await portAfter(1);
  // Published content gets a site of its own: the same loopback address under another host
  // name (localhost), so that it shares no cookie with the broker on 127.0.0.1.
  const contentPort = await portAfter(2);
  // The demo IdP keeps its address across restarts of this data directory (users are bound to its issuer).
  const idpPort = await demoIdpPort(dataDir, offset(3));
  const gcpPort = await portAfter(4);
  const azurePort = await portAfter(5);
  // MSAL takes only https:// authorities: the Entra listener's certificate comes from a dev CA
  // kept in the data directory, so that NODE_EXTRA_CA_CERTS keeps working across restarts.
  const ca = ensureDevCa(join(dataDir, 'dev-ca'));
  const demoClientSecret = randomBytes(24).toString('base64url');
  const stsUrl = `http://127.0.0.1:${stsPort}`;
  const loaded = loadConfig({
    file: flags.config,
    overrides: {
      mode: 'development',
      listen,
      issuer: `http://${listen}`,
      dataDir,
      log: { level: process.env['ROLEPORT_LOG_LEVEL'] ?? 'warn', format: process.env['ROLEPORT_LOG_FORMAT'] ?? 'pretty' },
      // The local STS on the next port; registerDevSts (below) makes it trust the dev issuer for two demo roles.
      'sts.enabled': true,
      'sts.listen': `127.0.0.1:${stsPort}`,
      // Content's credentials exchange calls the same local STS, not AWS.
      'integrations.stsEndpoint': stsUrl,
      'content.origin': `http://localhost:${contentPort}`,
      'content.listen': `127.0.0.1:${contentPort}`,
      // The demo's content runs on this machine: loopback upstreams are allowed here (and only here).
      'content.upstreamAllowList': ['127.0.0.0/8', '::1', 'localhost'],
      // Sessions' GCP and Azure targets reach the local counterparts, not Google's and Microsoft's.
      'gcp.enabled': true,
      'gcp.listen': `127.0.0.1:${gcpPort}`,
      'gcp.tokenUrl': `http://127.0.0.1:${gcpPort}/v1/token`,
      'gcp.iamCredentialsUrl': `http://127.0.0.1:${gcpPort}`,
      'azure.enabled': true,
      'azure.listen': `127.0.0.1:${azurePort}`,
      'azure.tls.certFile': ca.certFile,
      'azure.tls.keyFile': ca.keyFile,
      'azure.authorityHost': `https://127.0.0.1:${azurePort}`,
      // Single sign-on through the demo IdP.
      'sso.enabled': true,
      'sso.issuer': `http://127.0.0.1:${idpPort}`,
      'sso.clientId': DEMO_CLIENT_ID,
      'sso.clientSecret': demoClientSecret,
      'sso.tokenEndpointAuthMethod': 'client_secret_basic',
      'sso.redirectPath': DEMO_REDIRECT_PATH,
      // What the session page tells people to paste works in this checkout, against this STS.
      'web.cliCommand': 'npx roleport',
      'web.stsEndpoint': stsUrl,
    },
  });
  // alice administers the demo, so the admin pages the README points to open for her.
  const config = { ...loaded, admins: { ...loaded.admins, users: [...new Set([...loaded.admins.users, DEMO_ADMIN])] } };
  // The demo IdP, with the broker as its client: its users hold the roles the local STS knows.
  const idp = await startDemoIdp({
    mode: config.mode,
    port: idpPort,
    users: withDemoTargets(demoIdpUsers(DEV_ROLE_ARNS), config.sso.claims),
    clients: [{ client_id: DEMO_CLIENT_ID, client_secret: demoClientSecret, redirect_uris: [`http://${listen}${DEMO_REDIRECT_PATH}`] }],
  });
  const stopIdp = async (error: unknown): Promise<never> => {
    await idp.close();
    throw error;
  };
  const app = await createApplication(config).catch(stopIdp);
  await registerDevSts(app.services.sts.registry, config.issuer, devTrustPolicy(config));
  await registerDevGcp(app.services.gcp.registry, config.issuer);
  await registerDevEntra(app.services.entra.registry, config.issuer, Object.keys(DEMO_TARGETS));
  // A listener that fails (a port taken) must not leave the others open: the process would
  // live on, serving half of dev.
  const url = await app.listen().catch(async (error: unknown) => {
    await app.close().catch(() => undefined);
    return stopIdp(error);
  });
  const clouds = app.cloudUrls();
  const endpoints: DevEndpoints = {
    issuer: config.issuer,
    sts: app.stsUrl() ?? '',
    idp: idp.issuer,
    web: url,
    content: config.content.origin ?? '',
    gcp: clouds.gcp ?? '',
    azure: clouds.azure ?? '',
    ca: ca.caFile,
  };
  // The CLI's commands on this data directory use the running issuer, not the config default.
  writeDevRuntime(config.dataDir, { issuer: config.issuer, web: url, sts: endpoints['sts'] ?? '', idp: idp.issuer, pid: process.pid, startedAt: new Date().toISOString() });
  if (flags.json) process.stdout.write(`${JSON.stringify(endpoints)}\n`);
  else process.stdout.write(devBanner(endpoints, config.dataDir, ca.caFile));
  await waitForShutdown(async () => {
    removeDevRuntime(config.dataDir, process.pid);
    await app.close();
    await idp.close();
  });
}

/**
 * What `roleport dev` prints once ready: the contract's one line per service first (scripts
 * read them), then what to do next, for a person.
 */
export function devBanner(endpoints: DevEndpoints, dataDir: string, caFile: string): string {
  const { web, issuer } = endpoints;
  const sts = endpoints['sts'] ?? '';
  return [
    `issuer: ${issuer}`,
    `sts: ${sts}`,
    `demo idp: ${endpoints['idp'] ?? ''}`,
    `content: ${endpoints['content'] ?? ''}`,
    `gcp sts: ${endpoints['gcp'] ?? ''}`,
    `web: ${web}`,
    '',
    'Try next:',
    `  Open ${web}/ and sign in as alice / alice (an admin, two roles) or bob / bob (one role).`,
    `  Start a session at ${web}/sessions/new: the page shows the commands to paste, each with a copy button.`,
    '  Signed in as alice, the menu has the admin pages too: all sessions, users, integrations, signing keys, audit log, explain.',
    '  Or from the CLI:',
    `    npx roleport login --url ${web}`,
    `    npx roleport run --role ${DEV_ROLE_ARNS[0]} --container-credentials --sts-endpoint ${sts} -- aws sts get-caller-identity --endpoint-url ${sts}`,
    `  curl ${issuer}/.well-known/openid-configuration`,
    `  ROLEPORT_ISSUER=${issuer} npx roleport aws trust-policy --role-name DataScientist --account 111111111111   (the demo roles' trust policy)`,
    `  ROLEPORT_DATA_DIR=${dataDir} npx roleport keys list`,
    `  ROLEPORT_DATA_DIR=${dataDir} ROLEPORT_ISSUER=${issuer} npx roleport token mint --sub user:alice:role:111111111111:DataScientist --aud sts.amazonaws.com`,
    '',
    'Google Cloud and Azure, offline:',
    `  local entra: ${endpoints['azure'] ?? ''}   (TLS by the dev CA ${caFile}: clients need NODE_EXTRA_CA_CERTS=${caFile})`,
    `  demo targets: alice --gcp analytics, deployer (impersonates ${DEV_GCP_SERVICE_ACCOUNT}) --azure analytics; bob --gcp analytics --azure analytics`,
    `    NODE_EXTRA_CA_CERTS=${caFile} npx roleport run --role ${DEV_ROLE_ARNS[0]} --gcp analytics --azure analytics -- node app.mjs`,
    '    (GOOGLE_APPLICATION_CREDENTIALS names an external_account file for the local Google STS; AZURE_* names the local Entra.',
    '    Offline, give @azure/identity disableInstanceDiscovery: true: MSAL would otherwise ask login.microsoftonline.com about the authority.)',
    '',
    `Data: ${dataDir}. Users, sessions and keys stay across restarts, and so does the demo IdP's address, so the demo users sign in again.`,
    'Stop with Ctrl-C. Warnings and errors appear below as they happen.',
    '',
  ].join('\n');
}

/**
 * The demo roles' trust policies: what `roleport aws trust-policy --role-name NAME --account
 * ACCOUNT --session-tags --source-identity` prints for the dev issuer and its subject template,
 * so `roleport dev` refuses a token minted for another role as AWS would.
 */
export function devTrustPolicy(config: Pick<ReturnType<typeof loadConfig>, 'issuer' | 'tokens'>): DevTrustPolicy {
  const setup = createAwsSetup({ issuer: config.issuer, subjectTemplate: config.tokens.subjectTemplate, defaultAudience: DEV_CLIENT_ID, clock: systemClock });
  return (arn) => {
    const role = parseRoleArn(arn)!;
    const result = setup.trustPolicy({ roleName: role.name, account: role.account, partition: role.partition, sessionTags: true, sourceIdentity: true });
    return result.policy as unknown as Readonly<Record<string, unknown>>;
  };
}

/** The demo targets each demo user holds, by name (see gcp-sts/dev-registry.ts and entra/dev-registry.ts). */
const DEMO_TARGETS: Readonly<Record<string, { gcp: readonly string[]; azure: readonly string[] }>> = {
  alice: { gcp: ['analytics', 'deployer'], azure: ['analytics'] },
  bob: { gcp: ['analytics'], azure: ['analytics'] },
};

/** The demo users with their targets in the claims the broker reads at sign-in, as a company IdP would send them. */
function withDemoTargets(users: IdpUser[], claims: { gcpTargets: string; azureTargets: string }): IdpUser[] {
  return users.map((user) => {
    const held = DEMO_TARGETS[user.username];
    if (held === undefined) return user;
    const gcp = DEV_GCP_TARGETS.filter((target) => held.gcp.includes(target.name)).map(formatGcpTarget);
    const azure = DEV_AZURE_TARGETS.filter((target) => held.azure.includes(target.name)).map(formatAzureTarget);
    return { ...user, claims: { ...user.claims, [claims.gcpTargets]: gcp, [claims.azureTargets]: azure } };
  });
}

/** The broker's client at the demo IdP. */
const DEMO_CLIENT_ID = 'roleport-dev';
const DEMO_REDIRECT_PATH = '/auth/callback';
/** The demo user who is an admin in `roleport dev` (with a real IdP, admins come from config `admins`). */
const DEMO_ADMIN = 'alice';

async function resolvePort(value: string): Promise<number> {
  const port = parsePort(value);
  return port === 0 ? freePort() : port;
}
