import { createApplication } from '../../app.ts';
import { configFromFlags, type ConfigFlags } from '../context.ts';
import { waitForShutdown } from '../shutdown.ts';

export type ServeOptions = ConfigFlags;

/** `roleport serve`: runs the broker until SIGINT/SIGTERM. */
export async function runServe(options: ServeOptions): Promise<void> {
  const app = await createApplication(configFromFlags(options));
  const url = await app.listen();
  app.services.logger.info({ url, issuer: app.services.config.issuer }, 'roleport broker listening');
  await waitForShutdown(() => app.close());
}
