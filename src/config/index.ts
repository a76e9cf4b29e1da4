/**
 * Configuration: one zod schema with defaults, loaded flag > environment > file > default.
 * @see ../../docs/configuration.md
 */
export { configSchema, environmentOverrides, type RoleportConfig, type RoleportConfigInput } from './schema.ts';
export { loadConfig, type LoadConfigOptions, type ResolvedConfig } from './load.ts';
export { DEV_RUNTIME_FILE, readDevRuntime, removeDevRuntime, writeDevRuntime, type DevRuntime } from './dev-runtime.ts';
export { checkProductionMasterKey } from './production.ts';
