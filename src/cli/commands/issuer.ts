import { resolve } from 'node:path';
import { publishIssuerDocuments } from '../../issuer/index.ts';
import { withServices, type ConfigFlags } from '../context.ts';
import { print } from '../output.ts';

export interface IssuerPublishOptions extends ConfigFlags {
  /** The web root of the static host. */
  out: string;
  json: boolean;
}

/** `roleport issuer publish --out DIR`: discovery and JWKS for a static HTTPS host or bucket. */
export async function runIssuerPublish(options: IssuerPublishOptions): Promise<void> {
  const result = await withServices(options, async (services) => {
    const published = publishIssuerDocuments(services.keys.documents(), resolve(options.out));
    return { issuer: services.config.issuer, files: published.files, kids: services.keys.publishedKeys().map((k) => k.kid) };
  });
  print(options, result, () => [`issuer: ${result.issuer}`, ...result.files.map((f) => `wrote ${f}`), `keys: ${result.kids.join(', ')}`].join('\n'));
}
