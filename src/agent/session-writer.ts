import { writeFileAtomically } from '../core/index.ts';
import type { ManagedSession } from './managed-session.ts';
import { renderEnvFile } from '../client/index.ts';
import { renderAwsConfig, sessionEnvironment, type ProfileStyle } from './session-files.ts';
import { cloudEnvironment, writeGcpConfigs } from './cloud-files.ts';

export interface SessionWriterOptions {
  brokerUrl: string;
  stsEndpoint: string | undefined;
  profileStyle: ProfileStyle;
  roleportCommand: readonly string[];
  /** The container-credentials URL of a session, once the listener runs and when it serves them. */
  containerUrl: (managed: SessionFileState) => string | undefined;
}

/** The parts of a session its files depend on. */
export type SessionFileState = Pick<ManagedSession, 'authorization' | 'session' | 'layout'>;

export interface SessionWriter {
  /** The variables a workload of the session needs (also written to its `env` file). */
  environment(managed: SessionFileState): Record<string, string>;
  /** Rewrites the session's `env` and `aws-config` files and its GCP targets' external_account files (atomic, 0600). */
  write(managed: SessionFileState): void;
}

/** The session directory's env, AWS config and GCP configuration files, rewritten whenever the roles change. */
export function createSessionWriter(options: SessionWriterOptions): SessionWriter {
  function environment(managed: SessionFileState): Record<string, string> {
    const containerCredentialsUrl = options.containerUrl(managed);
    const aws = sessionEnvironment({
      session: managed.session,
      layout: managed.layout,
      brokerUrl: options.brokerUrl,
      containerCredentialsUrl,
      containerAuthorization: managed.authorization,
      stsEndpoint: options.stsEndpoint,
      webIdentityInEnvironment: options.profileStyle === 'web-identity' && managed.authorization === undefined,
    });
    return { ...aws, ...cloudEnvironment(managed.session, managed.layout) };
  }
  return {
    environment,
    write(managed) {
      writeGcpConfigs(managed.session, managed.layout);
      writeFileAtomically(managed.layout.envFile, renderEnvFile(environment(managed)), 0o600);
      writeFileAtomically(
        managed.layout.awsConfigFile,
        renderAwsConfig({
          session: managed.session,
          layout: managed.layout,
          profileStyle: options.profileStyle,
          roleportCommand: options.roleportCommand,
          brokerUrl: options.brokerUrl,
          stsEndpoint: options.stsEndpoint,
        }),
        0o600,
      );
    },
  };
}
