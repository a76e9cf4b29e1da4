import { redactUrl } from '../../store/index.ts';
import { configFromFlags, type ConfigFlags } from '../context.ts';
import { print } from '../output.ts';

export interface ConfigCheckOptions extends ConfigFlags {
  json: boolean;
}

/** `roleport config check`: validates the configuration without starting anything. */
export function runConfigCheck(options: ConfigCheckOptions): void {
  const resolved = configFromFlags(options);
  const summary = {
    valid: true,
    source: resolved.source,
    mode: resolved.mode,
    issuer: resolved.issuer,
    listen: resolved.listen,
    data_dir: resolved.dataDir,
    database_url: redactUrl(resolved.databaseUrl),
    master_key: resolved.masterKey === undefined ? 'generated in data dir' : 'provided',
    signing_algorithm: resolved.keys.algorithm,
  };
  print(options, summary, () => `configuration is valid (${resolved.source})\n${Object.entries(summary).slice(2).map(([k, v]) => `  ${k}: ${v}`).join('\n')}`);
}
