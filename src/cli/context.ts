import { loadConfig, readDevRuntime, type ResolvedConfig } from '../config/index.ts';
import { createServices, type Services } from '../services.ts';
import { createLogger } from '../logger.ts';

export interface ConfigFlags {
  config?: string | undefined;
  dataDir?: string | undefined;
  databaseUrl?: string | undefined;
}

/**
 * The configuration of a one-shot command. With no issuer configured, a `roleport dev`
 * running on the same data directory names it: tokens minted here must verify there.
 */
export function configFromFlags(flags: ConfigFlags, overrides: Record<string, unknown> = {}): ResolvedConfig {
  return loadConfig({
    file: flags.config,
    overrides: { dataDir: flags.dataDir, databaseUrl: flags.databaseUrl, ...overrides },
    defaultIssuer: (dataDir) => readDevRuntime(dataDir)?.issuer,
  });
}

/**
 * Opens the services for a one-shot admin command on the data directory / database, runs
 * `work`, and closes them (flushing the audit log) whatever happens.
 */
export async function withServices<T>(flags: ConfigFlags, work: (services: Services) => Promise<T>): Promise<T> {
  const config = configFromFlags(flags);
  const services = await createServices(config, { logger: createLogger(process.env['ROLEPORT_LOG_LEVEL'] ?? 'warn') });
  try {
    return await work(services);
  } finally {
    await services.close();
  }
}
