import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { RoleportError } from '../core/index.ts';
import { checkProductionConfig } from './production.ts';
import { configSchema, environmentOverrides, type RoleportConfig } from './schema.ts';

export interface LoadConfigOptions {
  /** Path of the config file (flag `--config` or ROLEPORT_CONFIG); optional. */
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** Values from command-line flags; they win over everything. */
  overrides?: Record<string, unknown>;
  /**
   * The issuer to use when none is configured, given the data directory, before the default
   * `http://<listen>`: the CLI passes the running `roleport dev`'s (dev-runtime.ts).
   */
  defaultIssuer?: (dataDir: string) => string | undefined;
}

/** The validated configuration plus the values derived from it. */
export interface ResolvedConfig extends RoleportConfig {
  issuer: string;
  databaseUrl: string;
  dataDir: string;
  /** Where the configuration came from, for messages. */
  source: string;
}

/**
 * Loads configuration: flag > environment > file > default. A bad value throws one
 * `ERR_CONFIG_INVALID` line naming the key, the problem and the source.
 */
export function loadConfig(options: LoadConfigOptions = {}): ResolvedConfig {
  const env = options.env ?? process.env;
  const file = options.file ?? nonEmpty(env['ROLEPORT_CONFIG']);
  const raw: Record<string, unknown> = file === undefined ? {} : readConfigFile(file);
  for (const [name, path] of Object.entries(environmentOverrides)) {
    const value = nonEmpty(env[name]);
    if (value !== undefined) setPath(raw, path, value);
  }
  for (const [path, value] of Object.entries(options.overrides ?? {})) {
    if (value !== undefined) setPath(raw, path, value);
  }
  const source = file === undefined ? 'environment/defaults' : file;
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw new RoleportError('ERR_CONFIG_INVALID', describeIssue(parsed.error, source, file !== undefined));
  return resolveDerived(parsed.data, source, options.defaultIssuer);
}

function resolveDerived(config: RoleportConfig, source: string, defaultIssuer: LoadConfigOptions['defaultIssuer']): ResolvedConfig {
  const dataDir = resolve(config.dataDir);
  const issuer = (config.issuer ?? defaultIssuer?.(dataDir) ?? `http://${config.listen}`).replace(/\/$/, '');
  const databaseUrl = config.databaseUrl ?? `sqlite:${resolve(dataDir, 'roleport.sqlite')}`;
  const prePublication = config.keys.prePublicationSeconds ?? config.keys.jwksCacheSeconds;
  if (prePublication < config.keys.jwksCacheSeconds) {
    throw new RoleportError('ERR_CONFIG_INVALID', `keys.prePublicationSeconds: must be at least keys.jwksCacheSeconds (${config.keys.jwksCacheSeconds}) so verifiers see a key before it signs (in ${source})`);
  }
  if ((config.tls.certFile === undefined) !== (config.tls.keyFile === undefined)) {
    throw new RoleportError('ERR_CONFIG_INVALID', `tls: set both certFile and keyFile, or neither (in ${source})`);
  }
  if (!config.sessions.audiences.includes(config.tokens.defaultAudience)) {
    throw new RoleportError('ERR_CONFIG_INVALID', `tokens.defaultAudience: ${config.tokens.defaultAudience} must be one of sessions.audiences (${config.sessions.audiences.join(', ')}), or sessions could not start without naming an audience (in ${source})`);
  }
  checkProductionConfig(config, issuer, source);
  const contentOrigin = config.content.origin === undefined ? undefined : new URL(config.content.origin);
  // Cookies are scoped by host, not port: content on the broker's host could set the broker's cookies.
  if (contentOrigin !== undefined && contentOrigin.hostname === new URL(issuer).hostname) {
    throw new RoleportError('ERR_CONFIG_INVALID', `content.origin: must be another host name than the issuer's (${contentOrigin.hostname}); another port is not enough, browsers share cookies across ports (in ${source})`);
  }
  const content = contentOrigin === undefined ? config.content : { ...config.content, origin: contentOrigin.origin };
  return { ...config, keys: { ...config.keys, prePublicationSeconds: prePublication }, content, dataDir, issuer, databaseUrl, source };
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new RoleportError('ERR_CONFIG_INVALID', `cannot read config file ${file}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, { cause });
  }
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (cause) {
    throw new RoleportError('ERR_CONFIG_INVALID', `${file}: not valid YAML: ${(cause as Error).message.split('\n')[0]}`, { cause });
  }
  if (document === null || document === undefined) return {};
  if (typeof document !== 'object' || Array.isArray(document)) throw new RoleportError('ERR_CONFIG_INVALID', `${file}: the top level must be a mapping of keys`);
  return document as Record<string, unknown>;
}

function describeIssue(error: z.ZodError, source: string, fromFile: boolean): string {
  const issue = error.issues[0];
  if (issue === undefined) return `invalid configuration (in ${source})`;
  // An unknown key is named by its own path (`keys.algorithim`), like every other problem.
  const unknown = issue.code === 'unrecognized_keys' ? issue.keys : [];
  const key = [...issue.path, ...unknown.slice(0, 1)].join('.') || '(top level)';
  const envName = Object.entries(environmentOverrides).find(([, path]) => path === key)?.[0];
  const where = fromFile ? `in ${source}` : `from ${envName ?? 'defaults'}`;
  const others = unknown.slice(1).map((k) => `"${k}"`).join(', ');
  const message = unknown.length > 0 ? `unknown key${others === '' ? '' : ` (also ${others})`}` : issue.message;
  return `${key}: ${message} (${where}${envName !== undefined && fromFile ? ` or ${envName}` : ''})`;
}

/** Env values are strings; coerce the ones the schema wants as numbers or booleans. */
function coerce(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^-?\d+$/.test(value) && value.length < 16) return Number(value);
  return value;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  const last = keys.at(-1)!;
  // String-typed keys stay strings even when they look like numbers (a port-less host, a key).
  node[last] = last === 'listen' || last === 'masterKey' || last === 'issuer' ? value : coerce(value);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.length === 0 ? undefined : value;
}
