import { z } from 'zod';

const listenAddress = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:8080');

const httpUrl = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.search === '' && url.hash === '';
  } catch {
    return false;
  }
}, 'must be an http(s) URL without query or fragment');

/**
 * The whole configuration: one schema, a default and a description per option. The
 * reference in docs/configuration.md is generated from it (`npm run docs:config`).
 */
export const configSchema = z
  .object({
    mode: z
      .enum(['development', 'production'])
      .default('development')
      .describe('production refuses insecure conveniences: an http:// issuer, a generated master key without acknowledged backup, the demo IdP.'),
    issuer: httpUrl
      .optional()
      .describe('The issuer URL, used verbatim in `iss` and in discovery. AWS accepts only https://. Default: http://<listen>. Env ROLEPORT_ISSUER.'),
    listen: listenAddress.default('127.0.0.1:8080').describe('host:port the broker listens on. Env ROLEPORT_LISTEN.'),
    dataDir: z.string().min(1).default('.roleport').describe('Directory for the SQLite database and the generated master key. Env ROLEPORT_DATA_DIR.'),
    databaseUrl: z
      .string()
      .regex(/^(sqlite:.+|postgres(ql)?:\/\/.+)$/, 'must be sqlite:PATH or postgres://…')
      .optional()
      .describe('sqlite:PATH (default sqlite:<dataDir>/roleport.sqlite) or postgres://user:pass@host/db for several replicas. Env ROLEPORT_DATABASE_URL.'),
    masterKey: z
      .string()
      .optional()
      .describe('32-byte key (base64 or hex) that encrypts every stored secret. Default: generated into <dataDir>/master.key (mode 0600). Env ROLEPORT_MASTER_KEY.'),
    masterKeyBackupAcknowledged: z
      .boolean()
      .default(false)
      .describe('Set true once the generated master key is backed up; production mode refuses a generated key without it.'),
    keys: z
      .object({
        algorithm: z.enum(['RS256', 'ES256']).default('RS256').describe('Signing algorithm for new keys.'),
        rsaModulusLength: z.number().int().min(2048).max(8192).default(2048).describe('RSA key size in bits.'),
        rotationIntervalSeconds: z
          .number()
          .int()
          .min(0)
          .default(30 * 24 * 3600)
          .describe('Rotate the signing key this often (0 = only by `roleport keys rotate`).'),
        jwksCacheSeconds: z.number().int().min(0).max(86400).default(300).describe('Cache-Control max-age of discovery and JWKS.'),
        prePublicationSeconds: z
          .number()
          .int()
          .min(0)
          .optional()
          .describe('How long a new key is published before it signs. Default and minimum: jwksCacheSeconds.'),
        checkIntervalSeconds: z.number().int().min(1).default(5).describe('How often a broker re-reads keys and advances their lifecycle.'),
      })
      .strict()
      .prefault({}),
    tokens: z
      .object({
        defaultTtlSeconds: z.number().int().min(60).max(43200).default(3600).describe('Lifetime of minted tokens when the caller gives none.'),
        maxTtlSeconds: z.number().int().min(60).max(86400).default(43200).describe('Longest lifetime a token may be minted with.'),
        subjectTemplate: z.string().min(1).default('user:{username}').describe('Template for `sub`; {username}, {email}, {session_id}, {content_guid} are replaced.'),
        defaultAudience: z.string().min(1).default('sts.amazonaws.com').describe('Audience when none is requested.'),
      })
      .strict()
      .prefault({}),
    tls: z
      .object({
        certFile: z.string().optional().describe('PEM certificate chain; TLS is on when both files are set. Reloaded when it changes.'),
        keyFile: z.string().optional().describe('PEM private key.'),
      })
      .strict()
      .prefault({}),
    trustedProxies: z.array(z.string()).default([]).describe('Addresses/CIDRs whose X-Forwarded-* headers are trusted.'),
    log: z
      .object({
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level.'),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type RoleportConfigInput = z.input<typeof configSchema>;
export type RoleportConfig = z.output<typeof configSchema>;

/** Environment variables that override config keys, as documented in the interface contract. */
export const environmentOverrides = {
  ROLEPORT_ISSUER: 'issuer',
  ROLEPORT_LISTEN: 'listen',
  ROLEPORT_DATA_DIR: 'dataDir',
  ROLEPORT_DATABASE_URL: 'databaseUrl',
  ROLEPORT_MASTER_KEY: 'masterKey',
  ROLEPORT_MODE: 'mode',
  ROLEPORT_LOG_LEVEL: 'log.level',
  ROLEPORT_KEYS_ALGORITHM: 'keys.algorithm',
} as const satisfies Record<string, string>;
