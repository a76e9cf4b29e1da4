import { assertSafeText, invalidInput, isoSeconds } from '../core/index.ts';
import { checkRoleArn, DURATION_SECONDS, isRegion } from '../iam/index.ts';
import type { AuthMode, AuthType, Integration, IntegrationConfig, TokenEndpointAuthMethod, ViewerOAuthSettings } from './types.ts';

/**
 * The publishing server's integration shapes on the wire (snake_case), parsed into the
 * domain's and rendered back. Every field is named in its error; unknown ones are refused
 * rather than dropped, so that a typo never silently changes what an integration does.
 */

/** An integration as the API returns it. `client_secret` is write-only: it is never here. */
export interface IntegrationJson {
  guid: string;
  name: string;
  description: string;
  template: string;
  config: IntegrationConfigJson;
  created_time: string;
  updated_time: string;
}

export interface IntegrationConfigJson {
  auth_type: AuthType;
  role_arn: string;
  sts_region: string;
  session_duration: number;
  audience?: string;
  auth_mode?: AuthMode;
  client_id?: string;
  authorization_uri?: string;
  token_uri?: string;
  token_endpoint_auth_method?: TokenEndpointAuthMethod;
  scopes?: string;
  use_pkce?: boolean;
}

/** What a create or update stores: the validated integration and what happens to its secret. */
export interface IntegrationInput {
  name: string;
  description: string;
  template: 'aws';
  config: IntegrationConfig;
  /** A new secret to seal; `null` removes the stored one; undefined keeps it. */
  clientSecret: string | null | undefined;
}

export interface IntegrationDefaults {
  stsRegion: string;
}

const TOP_LEVEL_FIELDS = new Set(['template', 'name', 'description', 'config']);
const CONFIG_FIELDS = new Set([
  'auth_type',
  'auth_mode',
  'client_id',
  'client_secret',
  'authorization_uri',
  'token_uri',
  'token_endpoint_auth_method',
  'scopes',
  'role_arn',
  'sts_region',
  'session_duration',
  'use_pkce',
  'audience',
]);
/** Fields of the OAuth client at the viewer's IdP: meaningless for a Service Account. */
const VIEWER_FIELDS = ['auth_mode', 'client_id', 'client_secret', 'authorization_uri', 'token_uri', 'token_endpoint_auth_method', 'scopes', 'use_pkce'] as const;
const REQUIRED_SCOPES = ['openid', 'offline_access'];
const MAX_NAME = 255;
const MAX_DESCRIPTION = 4096;
const MAX_SECRET = 4096;
const MAX_URI = 2048;

/** Epoch milliseconds as `%Y-%m-%dT%H:%M:%SZ`, the publishing server's time format. */
export function formatWireTime(ms: number): string {
  return isoSeconds(ms);
}

export function toIntegrationJson(integration: Integration): IntegrationJson {
  return {
    guid: integration.guid,
    name: integration.name,
    description: integration.description,
    template: integration.template,
    config: toConfigJson(integration.config),
    created_time: formatWireTime(integration.createdAt),
    updated_time: formatWireTime(integration.updatedAt),
  };
}

export function toConfigJson(config: IntegrationConfig): IntegrationConfigJson {
  const json: IntegrationConfigJson = {
    auth_type: config.authType,
    role_arn: config.roleArn,
    sts_region: config.stsRegion,
    session_duration: config.sessionDuration,
  };
  if (config.audience !== undefined) json.audience = config.audience;
  if (config.oauth !== undefined) {
    json.auth_mode = config.oauth.authMode;
    json.client_id = config.oauth.clientId;
    json.authorization_uri = config.oauth.authorizationUri;
    json.token_uri = config.oauth.tokenUri;
    json.token_endpoint_auth_method = config.oauth.tokenEndpointAuthMethod;
    json.scopes = config.oauth.scopes;
    json.use_pkce = config.oauth.usePkce;
  }
  return json;
}

/** `POST /__api__/v1/oauth/integrations`: the whole body, every required field present. */
export function parseIntegrationCreate(body: unknown, defaults: IntegrationDefaults): IntegrationInput {
  const fields = objectOf(body, 'the request body');
  checkKnown(fields, TOP_LEVEL_FIELDS, '');
  const template = parseTemplate(fields['template']);
  const name = requiredText(fields['name'], 'name', MAX_NAME);
  const description = parseDescription(fields['description']) ?? '';
  if (fields['config'] === undefined) throw invalidInput('config is required');
  const config = objectOf(fields['config'], 'config');
  const secret = parseSecret(config['client_secret']);
  const parsed = parseConfig(config, defaults, secret !== undefined && secret !== null);
  return { name, description, template, config: parsed, clientSecret: secret ?? undefined };
}

/**
 * `PATCH /__api__/v1/oauth/integrations/{guid}`: the given fields replace the stored ones
 * (`null` clears an optional config field), and the result is validated as a whole. A
 * change of `auth_type` starts the config over from the fields shared by both types.
 */
export function parseIntegrationPatch(current: Integration, body: unknown, defaults: IntegrationDefaults): IntegrationInput {
  const fields = objectOf(body, 'the request body');
  checkKnown(fields, TOP_LEVEL_FIELDS, '');
  const template = fields['template'] === undefined ? current.template : parseTemplate(fields['template']);
  const name = fields['name'] === undefined ? current.name : requiredText(fields['name'], 'name', MAX_NAME);
  const description = fields['description'] === undefined ? current.description : (parseDescription(fields['description']) ?? '');
  if (fields['config'] === undefined) {
    return { name, description, template, config: current.config, clientSecret: undefined };
  }
  const patch = objectOf(fields['config'], 'config');
  checkKnown(patch, CONFIG_FIELDS, 'config.');
  const base: Record<string, unknown> = { ...toConfigJson(current.config) };
  const newType = patch['auth_type'];
  const typeChanges = newType !== undefined && newType !== null && newType !== current.config.authType;
  if (typeChanges) for (const field of VIEWER_FIELDS) delete base[field];
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete base[key];
    else base[key] = value;
  }
  const secret = parseSecret(patch['client_secret']);
  // The stored secret survives the patch unless it is replaced, cleared, or no longer applies.
  const keepsSecret = secret === undefined && current.hasClientSecret && !typeChanges;
  const parsed = parseConfig(base, defaults, (secret !== undefined && secret !== null) || keepsSecret);
  const secretAfter = parsed.oauth?.authMode === 'Confidential' ? secret : current.hasClientSecret ? null : undefined;
  return { name, description, template, config: parsed, clientSecret: secretAfter };
}

function parseConfig(config: Record<string, unknown>, defaults: IntegrationDefaults, hasSecret: boolean): IntegrationConfig {
  checkKnown(config, CONFIG_FIELDS, 'config.');
  const authType = config['auth_type'];
  if (authType === undefined || authType === null) throw invalidInput('config.auth_type is required ("Viewer" or "Service Account")');
  if (authType !== 'Viewer' && authType !== 'Service Account') throw invalidInput(`config.auth_type must be "Viewer" or "Service Account" (got ${describe(authType)})`);
  const roleArn = requiredText(config['role_arn'], 'config.role_arn', 2048);
  const arnCheck = checkRoleArn(roleArn);
  if (!arnCheck.ok) throw invalidInput(`config.role_arn ${JSON.stringify(roleArn)} is not a valid IAM role ARN: ${arnCheck.reason}`);
  const stsRegion = optionalText(config['sts_region'], 'config.sts_region', 32) ?? defaults.stsRegion;
  if (!isRegion(stsRegion)) throw invalidInput(`config.sts_region ${JSON.stringify(stsRegion)} is not an AWS region such as us-east-1`);
  const sessionDuration = parseDuration(config['session_duration']);
  const audience = optionalText(config['audience'], 'config.audience', 255);
  const result: IntegrationConfig = { authType, roleArn, stsRegion, sessionDuration, ...(audience === undefined ? {} : { audience }) };
  if (authType === 'Service Account') {
    for (const field of VIEWER_FIELDS) {
      if (config[field] !== undefined && config[field] !== null) throw invalidInput(`config.${field} is not used by Service Account integrations (it configures a Viewer integration's OAuth client)`);
    }
    return result;
  }
  return { ...result, oauth: parseViewerSettings(config, hasSecret) };
}

function parseViewerSettings(config: Record<string, unknown>, hasSecret: boolean): ViewerOAuthSettings {
  const authMode = config['auth_mode'] ?? 'Confidential';
  if (authMode !== 'Confidential' && authMode !== 'Public') throw invalidInput(`config.auth_mode must be "Confidential" or "Public" (got ${describe(authMode)})`);
  const clientId = requiredText(config['client_id'], 'config.client_id', 255, 'Viewer integrations need it');
  const authorizationUri = requiredUrl(config['authorization_uri'], 'config.authorization_uri');
  const tokenUri = requiredUrl(config['token_uri'], 'config.token_uri');
  const method = config['token_endpoint_auth_method'] ?? (authMode === 'Confidential' ? 'client_secret_basic' : 'none');
  if (authMode === 'Confidential') {
    if (method !== 'client_secret_basic' && method !== 'client_secret_post') {
      throw invalidInput(`config.token_endpoint_auth_method must be client_secret_basic or client_secret_post for a Confidential integration (got ${describe(method)})`);
    }
    if (!hasSecret) throw invalidInput('config.client_secret is required for a Confidential integration');
  } else {
    if (method !== 'none') throw invalidInput(`config.token_endpoint_auth_method must be none for a Public integration (got ${describe(method)})`);
    if (config['client_secret'] !== undefined && config['client_secret'] !== null) throw invalidInput('config.client_secret must not be set for a Public integration (auth_mode Public has no secret)');
  }
  const scopes = parseScopes(config['scopes']);
  const usePkce = config['use_pkce'] ?? true;
  if (typeof usePkce !== 'boolean') throw invalidInput(`config.use_pkce must be true or false (got ${describe(usePkce)})`);
  if (authMode === 'Public' && !usePkce) throw invalidInput('config.use_pkce: a Public integration has no secret, so it needs PKCE (use_pkce true)');
  return { authMode, clientId, authorizationUri, tokenUri, tokenEndpointAuthMethod: method, scopes, usePkce };
}

function parseTemplate(value: unknown): 'aws' {
  if (value === undefined || value === null) throw invalidInput('template is required ("aws")');
  if (value !== 'aws') throw invalidInput(`unknown template ${describe(value)}: only "aws" is supported`);
  return 'aws';
}

/** A description may be empty (the publishing server's clients send ""). */
function parseDescription(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalidInput(`description must be a string of at most ${MAX_DESCRIPTION} characters`);
  // The one multi-line field: tabs and line breaks are kept, every other control character refused.
  return assertSafeText('description', value, { maxLength: MAX_DESCRIPTION, kind: 'multiline' });
}

function parseSecret(value: unknown): string | null | undefined {
  if (value === undefined || value === null) return value;
  if (typeof value !== 'string' || value.length === 0) throw invalidInput(`config.client_secret must be a string of 1-${MAX_SECRET} characters`);
  return assertSafeText('config.client_secret', value, { maxLength: MAX_SECRET });
}

function parseDuration(value: unknown): number {
  if (value === undefined || value === null) return DURATION_SECONDS.default;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < DURATION_SECONDS.min || value > DURATION_SECONDS.max) {
    throw invalidInput(`config.session_duration must be a whole number of seconds between ${DURATION_SECONDS.min} and ${DURATION_SECONDS.max} (got ${describe(value)})`);
  }
  return value;
}

function parseScopes(value: unknown): string {
  let scopes: string[];
  if (value === undefined || value === null) scopes = [...REQUIRED_SCOPES];
  else if (typeof value === 'string') scopes = value.split(/\s+/).filter((s) => s.length > 0);
  else if (Array.isArray(value) && value.every((s) => typeof s === 'string')) scopes = value.flatMap((s: string) => s.split(/\s+/)).filter((s) => s.length > 0);
  else throw invalidInput('config.scopes must be a space-separated string of scopes');
  const missing = REQUIRED_SCOPES.filter((scope) => !scopes.includes(scope));
  if (missing.length > 0) throw invalidInput(`config.scopes must include ${missing.join(' and ')} for a Viewer integration (the ID token and the refresh token that keeps it fresh)`);
  const text = [...new Set(scopes)].join(' ');
  return assertSafeText('config.scopes', text, { maxLength: 1024 });
}

function requiredUrl(value: unknown, field: string): string {
  const text = requiredText(value, field, MAX_URI, 'Viewer integrations need it');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalidInput(`${field} ${JSON.stringify(text)} is not a URL`);
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.hash !== '') throw invalidInput(`${field} must be an http(s) URL without a fragment`);
  return text;
}

function requiredText(value: unknown, field: string, maxLength: number, why?: string): string {
  if (value === undefined || value === null || value === '') throw invalidInput(`${field} is required${why === undefined ? '' : ` (${why})`}`);
  const text = optionalText(value, field, maxLength);
  return text!;
}

function optionalText(value: unknown, field: string, maxLength: number): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length === 0) throw invalidInput(`${field} must be a string of 1-${maxLength} characters`);
  return assertSafeText(field, value, { maxLength });
}

function objectOf(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidInput(`${what} must be a JSON object`);
  return value as Record<string, unknown>;
}

function checkKnown(fields: Record<string, unknown>, known: ReadonlySet<string>, prefix: string): void {
  for (const key of Object.keys(fields)) {
    if (!known.has(key)) throw invalidInput(`unknown field "${prefix}${key}"`);
  }
}

/** A value for an error message: short, and never a long string someone pasted by mistake. */
function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
