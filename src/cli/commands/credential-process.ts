import { credentialCacheFile, findSessionCredential, readCachedCredentials, sessionIdOfCredential, sessionLayout, writeCachedCredentials, type ProcessCredentials } from '../../client/index.ts';
import { systemClock, type Clock } from '../../core/index.ts';
import { nonEmptyEnv } from '../flags.ts';
import { exchangeForRole, inSessionContext, type InSessionFlags } from '../in-session.ts';

export interface CredentialProcessOptions extends InSessionFlags {
  roleArn: string;
  /** 900–43200; default 3600. */
  durationSeconds?: number | undefined;
  stsEndpoint?: string | undefined;
  region?: string | undefined;
  /** Decides whether cached credentials are still fresh (default the system clock). */
  clock?: Clock | undefined;
}

/**
 * `roleport credential-process --role-arn ARN`: the AWS `credential_process` protocol —
 * JSON on stdout, or a non-zero exit with one line on stderr.
 * @see https://docs.aws.amazon.com/sdkref/latest/guide/feature-process-credentials.html
 */
export async function runCredentialProcess(options: CredentialProcessOptions): Promise<void> {
  process.stdout.write(`${JSON.stringify(await credentialProcess(options))}\n`);
}

/**
 * The credentials of `options.roleArn` for this session: from the session directory's cache
 * while they are outside the SDKs' refresh window (no broker, no STS, no AWS SDK loaded),
 * else a token exchange and STS `AssumeRoleWithWebIdentity`, then cached. Without a session
 * directory (a credential in ROLEPORT_SESSION_CREDENTIAL) nothing is cached.
 */
export async function credentialProcess(options: CredentialProcessOptions): Promise<ProcessCredentials> {
  const clock = options.clock ?? systemClock;
  const sessionDir = options.sessionDir ?? nonEmptyEnv('ROLEPORT_SESSION_DIR');
  const { credential } = findSessionCredential({ sessionDir: options.sessionDir, env: process.env });
  const sessionId = sessionIdOfCredential(credential);
  const stsEndpoint = options.stsEndpoint ?? nonEmptyEnv('AWS_ENDPOINT_URL_STS');
  const key = { roleArn: options.roleArn, durationSeconds: options.durationSeconds, stsEndpoint, region: options.region ?? nonEmptyEnv('AWS_REGION') };
  const cacheFile = sessionDir === undefined || sessionId === undefined ? undefined : credentialCacheFile(sessionLayout(sessionDir), key);
  if (cacheFile !== undefined) {
    const cached = readCachedCredentials(cacheFile, { sessionId: sessionId!, key, now: clock.now() });
    if (cached !== undefined) return cached;
  }
  const { result } = await exchangeForRole({
    context: inSessionContext(options),
    roleArn: options.roleArn,
    durationSeconds: options.durationSeconds,
    stsEndpoint,
    region: options.region,
  });
  const output: ProcessCredentials = {
    Version: 1,
    AccessKeyId: result.credentials.accessKeyId,
    SecretAccessKey: result.credentials.secretAccessKey,
    SessionToken: result.credentials.sessionToken,
    Expiration: new Date(result.credentials.expiration).toISOString(),
    ...(result.accountId === undefined ? {} : { AccountId: result.accountId }),
  };
  if (cacheFile !== undefined) {
    try {
      writeCachedCredentials(cacheFile, { sessionId: sessionId!, key, credentials: output });
    } catch {
      // A read-only session directory costs the next call an exchange, nothing more.
    }
  }
  return output;
}
