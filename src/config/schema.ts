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

/** Client authentication methods at the IdP's token endpoint that need a client secret. */
const secretAuthMethods = ['client_secret_basic', 'client_secret_post'];

/**
 * Single sign-on through the company IdP (the broker is an OpenID Connect relying party).
 * Secrets may come from the environment: ROLEPORT_SSO_CLIENT_SECRET.
 */
const ssoSchema = z
  .object({
    enabled: z.boolean().default(false).describe('Sign users in through the IdP below. Env ROLEPORT_SSO_ENABLED.'),
    issuer: httpUrl
      .optional()
      .describe('The IdP\'s issuer URL; discovery is fetched from <issuer>/.well-known/openid-configuration. http:// only outside production. Env ROLEPORT_SSO_ISSUER.'),
    // Coerced: environment values that look like numbers must stay strings here.
    clientId: z.coerce.string().min(1).optional().describe('Client ID registered at the IdP. Env ROLEPORT_SSO_CLIENT_ID.'),
    clientSecret: z.coerce
      .string()
      .min(1)
      .optional()
      .describe('Client secret for client_secret_basic / client_secret_post. Env ROLEPORT_SSO_CLIENT_SECRET.'),
    tokenEndpointAuthMethod: z
      .enum(['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'])
      .default('client_secret_basic')
      .describe('How the broker authenticates at the token endpoint; none = public client (PKCE only).'),
    privateKeyFile: z.string().min(1).optional().describe('PEM (PKCS#8) RSA or P-256 private key for private_key_jwt.'),
    privateKeyId: z.string().min(1).optional().describe('`kid` of the private_key_jwt key, when the IdP needs one to pick the public key.'),
    scopes: z.string().min(1).default('openid profile email offline_access').describe('Scopes requested at sign-in (space-separated); offline_access yields the refresh token that keeps sessions alive.'),
    claims: z
      .object({
        username: z.array(z.string().min(1)).min(1).default(['preferred_username', 'email', 'sub']).describe('ID-token claims tried in order for the username.'),
        groups: z.string().min(1).default('groups').describe('Claim holding the user\'s groups (array or string).'),
        roleArn: z.string().min(1).default('aws_role_arn').describe('Claim holding the user\'s IAM role ARNs (a string or an array); when present it replaces the roles set by the CLI.'),
        roleSessionName: z.string().min(1).default('aws_role_session_name').describe('Claim holding the AWS role session name.'),
        gcpTargets: z.string().min(1).default('gcp_targets').describe('Claim holding the user\'s GCP targets: `name=NAME,provider=PROVIDER[,service_account=EMAIL]` strings or objects with those keys, one or an array; when present it replaces the GCP targets set by the CLI.'),
        azureTargets: z.string().min(1).default('azure_targets').describe('Claim holding the user\'s Azure targets: `name=NAME,tenant_id=TENANT,client_id=GUID[,subject_scope=user|target]` strings or objects, one or an array; when present it replaces the Azure targets set by the CLI.'),
      })
      .strict()
      .prefault({}),
    redirectPath: z
      .string()
      .regex(/^\/[A-Za-z0-9._~\/-]*$/, 'must be a path such as /auth/callback')
      .default('/auth/callback')
      .describe('Path of the callback; the redirect URI registered at the IdP is <issuer><redirectPath>.'),
    sessionTtlSeconds: z.number().int().min(300).max(30 * 86400).default(12 * 3600).describe('Lifetime of a browser sign-in.'),
    timeoutSeconds: z.number().int().min(1).max(60).default(10).describe('Timeout of each request to the IdP.'),
  })
  .strict()
  .superRefine((sso, context) => {
    if (!sso.enabled) return;
    if (sso.issuer === undefined) context.addIssue({ code: 'custom', path: ['issuer'], message: 'required when sso.enabled is true' });
    if (sso.clientId === undefined) context.addIssue({ code: 'custom', path: ['clientId'], message: 'required when sso.enabled is true' });
    if (secretAuthMethods.includes(sso.tokenEndpointAuthMethod) && sso.clientSecret === undefined) {
      context.addIssue({ code: 'custom', path: ['clientSecret'], message: `required for tokenEndpointAuthMethod ${sso.tokenEndpointAuthMethod} (or set ROLEPORT_SSO_CLIENT_SECRET)` });
    }
    if (sso.tokenEndpointAuthMethod === 'private_key_jwt' && sso.privateKeyFile === undefined) {
      context.addIssue({ code: 'custom', path: ['privateKeyFile'], message: 'required for tokenEndpointAuthMethod private_key_jwt' });
    }
  })
  .prefault({});

/**
 * The local Google STS and IAM Credentials endpoint (`roleport gcp serve`): Google's token
 * exchange and service account impersonation, offline. Providers and service accounts come
 * from `roleport gcp provider|service-account add`. Also where sessions' GCP targets send
 * their tokens (`tokenUrl`, `iamCredentialsUrl`): Google's endpoints unless pointed elsewhere.
 */
const gcpSchema = z
  .object({
    enabled: z.boolean().default(false).describe('Serve the local Google STS (POST /v1/token) and IAM Credentials (generateAccessToken) on gcp.listen under roleport serve.'),
    listen: listenAddress.optional().describe('host:port of its own listener: what an external_account file\'s token_url and service_account_impersonation_url point at.'),
    tokenUrl: httpUrl.default('https://sts.googleapis.com/v1/token').describe('token_url of the external_account files sessions get for their GCP targets: Google\'s STS; roleport dev sets the local Google STS (http://<gcp.listen>/v1/token).'),
    iamCredentialsUrl: httpUrl.default('https://iamcredentials.googleapis.com').describe('Root of service_account_impersonation_url in those files (IAM Credentials generateAccessToken); roleport dev sets the local one.'),
    jwksCacheSeconds: z.number().int().min(0).max(86400).default(300).describe('How long issuers\' discovery documents and JWKS are reused.'),
  })
  .strict()
  .prefault({});

/**
 * The local Entra token endpoint (`roleport azure serve`): client credentials with a federated
 * client assertion, offline, over TLS (MSAL only takes https:// authorities). Federated
 * identity credentials come from `roleport azure credential add`. Also the authority host
 * sessions' Azure targets use (`authorityHost`): Entra's public cloud unless pointed elsewhere.
 */
const azureSchema = z
  .object({
    enabled: z.boolean().default(false).describe('Serve the local Entra token endpoint on azure.listen under roleport serve (needs azure.tls).'),
    listen: listenAddress.optional().describe('host:port of its own TLS listener: AZURE_AUTHORITY_HOST is https://<listen>.'),
    authorityHost: httpUrl.default('https://login.microsoftonline.com').describe('AZURE_AUTHORITY_HOST sessions get for their Azure targets: Entra\'s public cloud; roleport dev sets the local Entra endpoint (https://<azure.listen>).'),
    tls: z
      .object({
        certFile: z.string().optional().describe('PEM certificate chain of the listener (e.g. from a dev CA; clients trust it through NODE_EXTRA_CA_CERTS).'),
        keyFile: z.string().optional().describe('PEM private key.'),
      })
      .strict()
      .prefault({}),
    jwksCacheSeconds: z.number().int().min(0).max(86400).default(300).describe('How long issuers\' discovery documents and JWKS are reused.'),
  })
  .strict()
  .prefault({});

/**
 * The local STS (`roleport sts serve`, `roleport dev`): its listener and the providers and
 * roles it knows besides those added with `roleport sts provider|role add` (the database
 * wins when both name the same URL or ARN).
 */
const stsSchema = z
  .object({
    enabled: z.boolean().default(false).describe('Serve the local STS: on sts.listen when set, else under /sts on the broker.'),
    listen: listenAddress.optional().describe('host:port of the STS\'s own listener (the AWS SDKs and CLI post to its root). Unset: mounted on the broker at /sts.'),
    accountId: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account ID').default('123456789012').describe('Account the local STS names its OIDC provider ARNs with in listings; a role\'s sessions use the account of the role\'s ARN.'),
    providers: z
      .array(
        z
          .object({
            url: httpUrl.describe('Issuer URL, equal to the tokens\' iss. http:// is accepted for local issuers (AWS itself takes https:// only).'),
            clientIds: z.array(z.string().min(1).max(255)).min(1).max(100).describe('Accepted audiences (aud), e.g. sts.amazonaws.com.'),
            thumbprints: z.array(z.string().regex(/^[0-9a-fA-F]{40}$/, 'must be a 40-hex-digit SHA-1 thumbprint')).max(5).default([]).describe('SHA-1 thumbprints of a CA certificate in the issuer\'s TLS chain, for chains no public CA signs.'),
          })
          .strict(),
      )
      .default([])
      .describe('IAM OIDC identity providers.'),
    roles: z
      .array(
        z
          .object({
            arn: z.string().min(20).max(2048).describe('arn:aws:iam::ACCOUNT:role/[PATH/]NAME'),
            trustPolicy: z.union([z.string().min(1), z.record(z.string(), z.unknown())]).describe('The trust policy: a JSON string or a mapping.'),
            maxSessionDurationSeconds: z.number().int().min(3600).max(43200).default(3600).describe('Longest DurationSeconds a session may ask for (1-12 h).'),
            tags: z.record(z.string(), z.string()).default({}).describe('Role tags (iam:ResourceTag/KEY in trust-policy conditions).'),
          })
          .strict(),
      )
      .default([])
      .describe('IAM roles and their trust policies.'),
    maxTokenAgeSeconds: z.number().int().min(60).optional().describe('Refuse web identity tokens issued longer ago than this (ExpiredTokenException "Token too old"); unset = no limit, as AWS documents none.'),
    jwksCacheSeconds: z.number().int().min(0).max(86400).default(300).describe('How long fetched discovery documents and JWKS are reused.'),
  })
  .strict()
  .prefault({});

/**
 * Integrations for published content: the tokens content and its viewers get, and how the
 * broker reaches STS for their credentials exchange.
 */
const integrationsSchema = z
  .object({
    contentTokenAudience: z.string().min(1).max(255).default('roleport-content').describe('`aud` of content session tokens and user session tokens (sub content:{guid} / user:{username}); only the broker\'s credentials exchange accepts them. Never available to sessions, even if listed in sessions.audiences.'),
    contentTokenTtlSeconds: z.number().int().min(60).max(43200).default(3600).describe('Lifetime of a content session token; `roleport content run` refreshes the file at 80% of it.'),
    userTokenTtlSeconds: z.number().int().min(60).max(43200).default(3600).describe('Lifetime of the user session token sent to content with a viewer\'s proxied requests.'),
    serviceAccountTokenTtlSeconds: z.number().int().min(60).max(3600).default(300).describe('Lifetime of the broker-signed web identity token of a Service Account integration (used for one STS call).'),
    stsEndpoint: httpUrl.optional().describe('STS endpoint for the credentials exchange instead of https://sts.<sts_region>.amazonaws.com, e.g. the local STS (http://127.0.0.1:8080/sts).'),
    stsFailoverRegions: z.array(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be an AWS region such as us-west-2')).max(10).default([]).describe('Regions tried in turn when STS in an integration\'s sts_region fails for a passing reason.'),
    idpTimeoutSeconds: z.number().int().min(1).max(60).default(10).describe('Timeout of each request to a Viewer integration\'s token endpoint.'),
  })
  .strict()
  .prefault({});

const rateLimit = (max: number, what: string) =>
  z
    .object({
      max: z.number().int().min(1).max(10_000_000).default(max).describe(`Requests per window from one client address to each ${what} route.`),
      windowSeconds: z.number().int().min(1).max(3600).default(60).describe('Length of the window.'),
    })
    .strict()
    .prefault({});

/**
 * Rate limits per client address (request.ip: behind a proxy, list it in trustedProxies or
 * every client shares its address), counted per route and per broker process. Generous by
 * default: an agent fleet behind one NAT refreshes its tokens from one address.
 */
const rateLimitsSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Answer 429 (in the route\'s protocol: OAuth JSON, API JSON or an HTML page, with Retry-After) past the limits below.'),
    signIn: rateLimit(600, 'sign-in (/login and the SSO callback)'),
    cliLogin: rateLimit(120, 'CLI sign-in (/cli/login, POST /api/v1/cli/token)'),
    token: rateLimit(6000, 'POST /oauth/token'),
    credentials: rateLimit(6000, 'integrations credentials exchange'),
  })
  .strict()
  .prefault({});

/**
 * Published content's own site: content is proxied to its upstream on another host name than
 * the broker's, so that it shares no cookie and no origin with the broker's pages (see the
 * README's "Security model").
 */
const contentSchema = z
  .object({
    origin: httpUrl
      .refine((value) => new URL(value).pathname === '/', 'must be an origin (scheme, host and port) without a path')
      .optional()
      .describe('Public URL of the content origin, e.g. https://roleport-content.example.net: another host name than the issuer\'s (not only another port: browsers share cookies across ports), ideally another registrable domain. Unset: content is not served through Roleport. Env ROLEPORT_CONTENT_ORIGIN.'),
    listen: listenAddress.optional().describe('host:port of the content origin\'s own listener; required with origin. Env ROLEPORT_CONTENT_LISTEN.'),
    upstreamAllowList: z
      .array(z.string().min(1).max(255))
      .max(1000)
      .default([])
      .describe('Upstreams content may be proxied to: host names (reports.internal, *.apps.example.com), addresses and CIDRs (10.0.0.0/8). Loopback and private addresses need a listed CIDR; link-local and cloud metadata addresses are always refused. Empty: no upstream at all.'),
    dnsServers: z.array(z.string().min(1).max(255)).max(8).default([]).describe('DNS servers (host or host:port) that resolve upstream names; empty: the system\'s resolver.'),
    handoffCodeTtlSeconds: z.number().int().min(5).max(300).default(60).describe('Lifetime of the one-time code that carries a viewer\'s identity from the broker to the content origin.'),
    viewerSessionTtlSeconds: z.number().int().min(60).max(86400).default(3600).describe('Lifetime of a viewer\'s cookie on the content origin (per content item); it also ends with the broker sign-in.'),
  })
  .strict()
  .superRefine((content, context) => {
    if ((content.origin === undefined) !== (content.listen === undefined)) {
      context.addIssue({ code: 'custom', path: [content.origin === undefined ? 'origin' : 'listen'], message: 'content.origin and content.listen go together: set both, or neither' });
    }
  })
  .prefault({});

/**
 * What the web pages tell people to run: the commands on the session page must work when
 * pasted, so they name the roleport command and the STS endpoint as this deployment has them.
 */
const webSchema = z
  .object({
    cliCommand: z
      .string()
      .regex(/^[A-Za-z0-9 ./_@-]{1,128}$/, 'must be a command such as roleport or npx roleport')
      .default('roleport')
      .describe('How the session page spells the roleport command in the commands it shows: roleport where it is installed on PATH, npx roleport in a checkout (roleport dev sets that).'),
    stsEndpoint: httpUrl
      .optional()
      .describe('STS endpoint the session page\'s commands use instead of AWS\'s regional one (--sts-endpoint of the agent, --endpoint-url of the AWS CLI): roleport dev sets its local STS. Unset: AWS.'),
  })
  .strict()
  .prefault({});

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
          .describe('How long a new key is published before it signs, plus checkIntervalSeconds (the time every replica takes to publish it). Default and minimum: jwksCacheSeconds.'),
        checkIntervalSeconds: z.number().int().min(1).default(5).describe('How often a broker re-reads keys and advances their lifecycle.'),
      })
      .strict()
      .prefault({}),
    tokens: z
      .object({
        defaultTtlSeconds: z.number().int().min(60).max(43200).default(3600).describe('Lifetime of minted tokens when the caller gives none.'),
        maxTtlSeconds: z.number().int().min(60).max(86400).default(43200).describe('Longest lifetime a token may be minted with.'),
        subjectTemplate: z
          .string()
          .min(1)
          .max(1024)
          .default('user:{username}:role:{account_id}:{role_name}')
          .describe(
            'Template for `sub` of session tokens; {username}, {email}, {session_id}, and the role the token is for: {account_id}, {role_name}. The role part binds each token to its role in AWS (the trust policies `roleport aws trust-policy` writes match it); it must sit at the start or the end, fenced by : or /. A template without it leaves tokens valid for every role that trusts the user (a warning at start). The rendered sub must be 6-255 characters.',
          ),
        defaultAudience: z.string().min(1).default('sts.amazonaws.com').describe('Audience when none is requested; must be one of sessions.audiences.'),
      })
      .strict()
      .prefault({}),
    sessions: z
      .object({
        nameTemplate: z
          .string()
          .min(1)
          .default('{username}.{session_id_short}')
          .describe('AWS role session name when the IdP sends no aws_role_session_name; {username}, {email}, {session_id}, {session_id_short}, {role_name}, {account_id}. Sanitized to STS rules (2-64 of [\\w+=,.@-]).'),
        defaultTokenTtlSeconds: z.number().int().min(10).max(43200).default(3600).describe('Lifetime of a session\'s tokens when the session gives none.'),
        defaultRegion: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be an AWS region such as us-east-1').default('us-east-1').describe('AWS region of a session when the request gives none.'),
        audiences: z
          .array(z.string().min(1).max(255))
          .min(1)
          .max(100)
          .default(['sts.amazonaws.com'])
          .describe(
            'Audiences (aud) a session may ask tokens for, at its start and at /oauth/token; any other gets invalid_target. integrations.contentTokenAudience is never available to sessions, even if listed.',
          ),
        sourceIdentityTemplate: z
          .string()
          .min(1)
          .optional()
          .describe('If set, broker tokens carry https://aws.amazon.com/source_identity rendered from this template (e.g. {username}); the role trust policy then needs sts:SetSourceIdentity.'),
        tags: z
          .object({
            user: z.array(z.string().min(1)).default([]).describe('User attributes that become session tags (tag key = attribute): username, email, name, or a string claim kept by SSO.'),
            group: z
              .object({
                key: z.string().min(1).max(128).default('groups').describe('Tag key for the user\'s allowed groups, joined with ":".'),
                allow: z.array(z.string().min(1)).min(1).describe('Groups that may appear in the tag; "*" allows all.'),
              })
              .strict()
              .optional()
              .describe('Put the user\'s groups (those allowed) into one session tag.'),
            session: z
              .array(z.enum(['session_id', 'role_name', 'account_id', 'region', 'token_source']))
              .default([])
              .describe('Session attributes that become session tags.'),
            transitiveTagKeys: z.array(z.string().min(1).max(128)).default([]).describe('Tag keys marked transitive (kept through role chaining).'),
          })
          .strict()
          .prefault({})
          .describe('Session tags (https://aws.amazon.com/tags) in broker tokens; empty = no tags claim. The role trust policy then needs sts:TagSession.'),
        userTokenTtlSeconds: z.number().int().min(60).max(365 * 86400).default(30 * 86400).describe('Lifetime of user API tokens (rpu_…) issued by `roleport login`.'),
        cliLoginCodeTtlSeconds: z.number().int().min(10).max(600).default(60).describe('Lifetime of the one-time code of the CLI\'s loopback sign-in.'),
      })
      .strict()
      .prefault({}),
    admins: z
      .object({
        users: z.array(z.string().min(1)).default([]).describe('Usernames with admin rights in the web UI and API: every session (list, revoke), the audit log.'),
        groups: z.array(z.string().min(1)).default([]).describe('Groups (from the IdP\'s groups claim) whose members are admins.'),
      })
      .strict()
      .prefault({})
      .describe('Who is an admin of the broker. The CLI on the data directory is always admin.'),
    tls: z
      .object({
        certFile: z.string().optional().describe('PEM certificate chain; TLS is on when both files are set. Reloaded when it changes.'),
        keyFile: z.string().optional().describe('PEM private key.'),
      })
      .strict()
      .prefault({}),
    sso: ssoSchema,
    sts: stsSchema,
    gcp: gcpSchema,
    azure: azureSchema,
    integrations: integrationsSchema,
    content: contentSchema,
    rateLimits: rateLimitsSchema,
    web: webSchema,
    trustedProxies: z.array(z.string()).default([]).describe('Addresses/CIDRs whose X-Forwarded-* headers are trusted.'),
    log: z
      .object({
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level.'),
        format: z
          .enum(['json', 'pretty'])
          .default('json')
          .describe('json: one JSON object per line (for log shippers). pretty: one line for a person, `12:00:00 WARN  message (key=value)`, as roleport dev writes them. Secrets are redacted in both. Env ROLEPORT_LOG_FORMAT.'),
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
  ROLEPORT_LOG_FORMAT: 'log.format',
  ROLEPORT_KEYS_ALGORITHM: 'keys.algorithm',
  ROLEPORT_SSO_ENABLED: 'sso.enabled',
  ROLEPORT_SSO_ISSUER: 'sso.issuer',
  ROLEPORT_SSO_CLIENT_ID: 'sso.clientId',
  ROLEPORT_SSO_CLIENT_SECRET: 'sso.clientSecret',
  ROLEPORT_INTEGRATIONS_STS_ENDPOINT: 'integrations.stsEndpoint',
  ROLEPORT_CONTENT_ORIGIN: 'content.origin',
  ROLEPORT_CONTENT_LISTEN: 'content.listen',
} as const satisfies Record<string, string>;
