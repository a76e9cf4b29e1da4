import { exchangeForRole, inSessionContext, type InSessionFlags } from '../in-session.ts';

export interface CredentialProcessOptions extends InSessionFlags {
  roleArn: string;
  /** 900–43200; default 3600. */
  durationSeconds?: number | undefined;
  stsEndpoint?: string | undefined;
  region?: string | undefined;
}

/**
 * `roleport credential-process --role-arn ARN`: the AWS `credential_process` protocol —
 * JSON on stdout, or a non-zero exit with one line on stderr.
 * @see https://docs.aws.amazon.com/sdkref/latest/guide/feature-process-credentials.html
 */
export async function runCredentialProcess(options: CredentialProcessOptions): Promise<void> {
  const { result } = await exchangeForRole({
    context: inSessionContext(options),
    roleArn: options.roleArn,
    durationSeconds: options.durationSeconds,
    stsEndpoint: options.stsEndpoint,
    region: options.region,
  });
  const output = {
    Version: 1,
    AccessKeyId: result.credentials.accessKeyId,
    SecretAccessKey: result.credentials.secretAccessKey,
    SessionToken: result.credentials.sessionToken,
    Expiration: new Date(result.credentials.expiration).toISOString(),
    ...(result.accountId === undefined ? {} : { AccountId: result.accountId }),
  };
  process.stdout.write(`${JSON.stringify(output)}\n`);
}
