/**
 * Run by the cloud end-to-end test as the COMMAND of `roleport run --role … --gcp … --azure …`:
 * the three clouds' own client libraries, unchanged, configured only by the environment the
 * session hands its command — AWS's SDK from AWS_WEB_IDENTITY_TOKEN_FILE/AWS_ROLE_ARN,
 * google-auth-library from GOOGLE_APPLICATION_CREDENTIALS (and the other GCP targets' files
 * beside it), @azure/identity's WorkloadIdentityCredential from the AZURE_* variables, trusting
 * roleport dev's CA through NODE_EXTRA_CA_CERTS — plus `roleport idp token` for each target's
 * audience. Prints one JSON line: what each got, or the error each met.
 *
 * argv[2] = the roleport bin (for `idp token`); argv[3] = 'impersonate' followed by a service
 * account email: instead, try to impersonate it with the first GCP target's token, as a user
 * not granted that service account would (the caller expects PERMISSION_DENIED); or argv[3] =
 * 'refresh' followed by a count: instead, keep one Google client and make a new Azure
 * credential each time the agent rotates the token files, until each has held that many
 * distinct tokens (the session's tokens are short-lived), and report every call.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromTokenFile } from '@aws-sdk/credential-providers';
import { WorkloadIdentityCredential } from '@azure/identity';
import { GoogleAuth } from 'google-auth-library';

const SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
const [bin, mode, serviceAccount] = process.argv.slice(2);
const env = process.env;

type Outcome = Record<string, unknown>;

async function attempt(work: () => Promise<Outcome>): Promise<Outcome> {
  try {
    return { ok: true, ...(await work()) };
  } catch (error) {
    const response = (error as { response?: { status?: number; data?: unknown } }).response;
    return { ok: false, name: (error as Error).name, message: (error as Error).message, status: response?.status, data: response?.data };
  }
}

/** `sub` of a token file (the session's, decoded, not verified: the cloud verifies it). */
function subjectOf(file: string): unknown {
  const payload = readFileSync(file, 'utf8').split('.')[1] ?? '';
  return (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub?: unknown }).sub;
}

async function google(configFile: string): Promise<Outcome> {
  const client = await new GoogleAuth({ keyFilename: configFile, scopes: [SCOPE] }).getClient();
  const { token, res } = await client.getAccessToken();
  const config = JSON.parse(readFileSync(configFile, 'utf8')) as { credential_source: { file: string } };
  return { token: token ?? null, url: res?.config.url === undefined ? null : String(res.config.url), sub: subjectOf(config.credential_source.file) };
}

/** `roleport idp token ARGS --decode --json` in this session: its claims, or its exit status and message. */
function idpToken(args: string[]): Outcome {
  try {
    return JSON.parse(execFileSync(process.execPath, [bin!, 'idp', 'token', ...args, '--decode', '--json'], { encoding: 'utf8', stdio: 'pipe' })) as Outcome;
  } catch (error) {
    return { status: (error as { status?: number }).status, stderr: String((error as { stderr?: unknown }).stderr) };
  }
}

/** The `jti` of a token file's current token. */
function jtiOf(file: string): string {
  const payload = readFileSync(file, 'utf8').split('.')[1] ?? '';
  return String((JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { jti?: unknown }).jti);
}

if (mode === 'refresh') {
  const rounds = Number(process.argv[4]);
  // Every getAccessToken refreshes (exchanges the file's current token): the way to see each rotation without waiting an hour.
  const client = await new GoogleAuth({ keyFilename: env['GOOGLE_APPLICATION_CREDENTIALS']!, scopes: [SCOPE], clientOptions: { eagerRefreshThresholdMillis: 2 * 3600 * 1000 } }).getClient();
  const gcpFile = (JSON.parse(readFileSync(env['GOOGLE_APPLICATION_CREDENTIALS']!, 'utf8')) as { credential_source: { file: string } }).credential_source.file;
  const seen = { gcp: new Set<string>(), azure: new Set<string>() };
  const calls: Outcome[] = [];
  const deadline = Date.now() + 150_000;
  while ((seen.gcp.size < rounds || seen.azure.size < rounds) && Date.now() < deadline) {
    const gcpJti = jtiOf(gcpFile);
    if (!seen.gcp.has(gcpJti)) {
      seen.gcp.add(gcpJti);
      calls.push({ cloud: 'gcp', ...(await attempt(async () => ({ token: (await client.getAccessToken()).token ?? null }))) });
    }
    const azureJti = jtiOf(env['AZURE_FEDERATED_TOKEN_FILE']!);
    if (!seen.azure.has(azureJti)) {
      seen.azure.add(azureJti);
      // A new credential: MSAL would serve its cached access token instead of exchanging the new assertion.
      calls.push({ cloud: 'azure', ...(await attempt(async () => ({ token: (await new WorkloadIdentityCredential({ disableInstanceDiscovery: true }).getToken('https://management.azure.com/.default')).token }))) });
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  process.stdout.write(`${JSON.stringify({ distinct: { gcp: seen.gcp.size, azure: seen.azure.size }, calls })}\n`);
} else if (mode === 'impersonate') {
  // The session's own external_account file, pointed at a service account it was not granted.
  const own = JSON.parse(readFileSync(env['GOOGLE_APPLICATION_CREDENTIALS']!, 'utf8')) as Record<string, unknown>;
  const forged = join(dirname(env['GOOGLE_APPLICATION_CREDENTIALS']!), 'forged.json');
  const impersonation = String(own['token_url']).replace(/\/v1\/token$/, `/v1/projects/-/serviceAccounts/${serviceAccount}:generateAccessToken`);
  writeFileSync(forged, JSON.stringify({ ...own, service_account_impersonation_url: impersonation }), { mode: 0o600 });
  process.stdout.write(`${JSON.stringify({ impersonated: await attempt(() => google(forged)) })}\n`);
} else {
  const aws = await attempt(async () => {
    const client = new STSClient({ region: env['AWS_REGION'] ?? 'us-east-1', endpoint: env['AWS_ENDPOINT_URL_STS'], credentials: fromTokenFile() });
    try {
      return { arn: (await client.send(new GetCallerIdentityCommand({}))).Arn };
    } finally {
      client.destroy();
    }
  });
  const gcpConfig = env['GOOGLE_APPLICATION_CREDENTIALS']!;
  const gcp = await attempt(() => google(gcpConfig));
  // Another target's files sit beside the first's: `<name>.json` names its own token file.
  const deployer = await attempt(() => google(join(dirname(gcpConfig), 'deployer.json')));
  const azure = await attempt(async () => {
    // Offline, MSAL must not ask login.microsoftonline.com to validate the local authority.
    const token = await new WorkloadIdentityCredential({ disableInstanceDiscovery: true }).getToken('https://management.azure.com/.default');
    return { token: token.token, expiresOnTimestamp: token.expiresOnTimestamp, sub: subjectOf(env['AZURE_FEDERATED_TOKEN_FILE']!) };
  });
  const gcpAudience = (JSON.parse(readFileSync(gcpConfig, 'utf8')) as { audience: string }).audience;
  const idp = {
    analytics: idpToken(['--gcp', 'analytics']),
    deployer: idpToken(['--gcp', 'deployer']),
    // The audience alone: the session's only Azure target; its two GCP targets share one provider's.
    azure: idpToken(['--audience', 'api://AzureADTokenExchange']),
    gcpAudience: idpToken(['--audience', gcpAudience]),
  };
  const files = { gcp: env['GOOGLE_APPLICATION_CREDENTIALS'], azure: env['AZURE_FEDERATED_TOKEN_FILE'], authority: env['AZURE_AUTHORITY_HOST'], tenant: env['AZURE_TENANT_ID'], client: env['AZURE_CLIENT_ID'] };
  process.stdout.write(`${JSON.stringify({ aws, gcp, deployer, azure, idp, files })}\n`);
}
