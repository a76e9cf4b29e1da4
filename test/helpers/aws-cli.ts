import { execFile } from 'node:child_process';
import { join } from 'node:path';

/** Debian's AWS CLI v2 (package `awscli`); not the pip v1 that may come first on PATH. */
export const AWS_CLI = '/usr/bin/aws';

export interface AwsCliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface AwsCliOptions {
  /** The endpoint every call goes to (the local STS). */
  endpoint: string;
  /** An empty directory: HOME, and where the (absent) config and credentials files would be. */
  home: string;
  /** Further variables: credentials, a region. */
  env?: Record<string, string> | undefined;
}

/**
 * Runs `aws ARGS --endpoint-url ENDPOINT --output json`, isolated from any AWS configuration
 * of the machine. A missing CLI is an error naming the package, never a skipped test.
 */
export function runAwsCli(args: readonly string[], options: AwsCliOptions): Promise<AwsCliRun> {
  return new Promise((resolve, reject) => {
    execFile(
      AWS_CLI,
      [...args, '--endpoint-url', options.endpoint, '--output', 'json'],
      {
        env: {
          PATH: '/usr/bin:/bin',
          HOME: options.home,
          AWS_CONFIG_FILE: join(options.home, 'no-config'),
          AWS_SHARED_CREDENTIALS_FILE: join(options.home, 'no-credentials'),
          AWS_EC2_METADATA_DISABLED: 'true',
          AWS_DEFAULT_REGION: 'us-east-1',
          AWS_PAGER: '',
          ...options.env,
        },
      },
      (error, stdout, stderr) => {
        if (error !== null && typeof error.code !== 'number') {
          reject(new Error(`cannot run ${AWS_CLI} (install Debian's awscli package): ${error.message}`));
          return;
        }
        resolve({ code: error === null ? 0 : (error.code as number), stdout, stderr });
      },
    );
  });
}
