/**
 * Bad bytes never poison anything (issue 10, item 6): NUL and the other characters no text
 * field may hold, and values one character over each field's limit, sent as an attacker
 * would — in JSON bodies, forms, query strings and paths — to every route that takes text,
 * on SQLite and on real PostgreSQL. Each is a 400 in its protocol's shape, nothing stored
 * changes, and the audit log keeps working: every later event is written, none set aside.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { sql } from 'kysely';
import { freePort } from '../helpers/ports.ts';
import { testPostgresUrl } from '../helpers/postgres.ts';
import { CookieJar, DS, EXCHANGE, CREDENTIAL_TYPE, csrfOf, exchangeToken, startSessionsEnv, type SessionsEnv } from './sessions-fixtures.ts';
import { CONTENT_TOKEN_TYPE, serviceAccountBody } from './integrations-fixtures.ts';

/** `publishing`: the publishing server's API shape on `/__api__/` (`{code: <int>, error, payload}`, Roleport's code in `roleport_code`). */
type Protocol = 'oauth' | 'api' | 'publishing' | 'html' | 'sts';
/** How the value travels: JSON can carry any string; forms, queries and paths only what percent-encoding can (no lone surrogates). */
type Carrier = 'json' | 'form' | 'query' | 'path';

interface TextField {
  route: string;
  field: string;
  protocol: Protocol;
  carrier: Carrier;
  /** The field's length limit: the over-long case sends one character more. */
  maxLength: number;
  /** Multi-line fields (descriptions) take tabs and line breaks. */
  multiline?: boolean;
  /** Compared with fixed values (the STS's Action and Version), so no length case applies. */
  fixedValues?: boolean;
  send(value: string): Promise<Response>;
}

/** What no field may hold, however it travels. */
const HOSTILE: ReadonlyArray<{ name: string; value: string; json?: true; singleLineOnly?: true }> = [
  { name: 'NUL', value: 'x\u0000y' },
  { name: 'a NUL alone', value: '\u0000' },
  { name: 'ESC (a terminal escape)', value: 'x\u001b[31my' },
  { name: 'a bell', value: 'x\u0007y' },
  { name: 'DEL', value: 'x\u007fy' },
  { name: 'a C1 control (NEL)', value: 'x\u0085y' },
  { name: 'a bidirectional override', value: 'x\u202ey' },
  { name: 'a line separator', value: 'x\u2028y' },
  { name: 'a lone surrogate', value: 'x\ud800y', json: true },
  { name: 'a line break', value: 'x\ny', singleLineOnly: true },
  { name: 'CR LF', value: 'x\r\ny', singleLineOnly: true },
  { name: 'a tab', value: 'x\ty', singleLineOnly: true },
];

const ROLE = DS;
const STS_ROLE = DS;

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`bad bytes on ${backend}: every text input is refused at the boundary, the audit log keeps writing`, () => {
    let env: SessionsEnv;
    let jar: CookieJar;
    let apiToken: string;
    let credential: string;
    let sessionId: string;
    let adminKey: string;
    let contentGuid: string;
    let integrationGuid: string;
    let contentToken: string;
    let stsToken: string;
    let stsCredentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
    let fields: TextField[];
    let contentUrl: string;

    before(async () => {
      const contentPort = await freePort();
      contentUrl = `http://localhost:${contentPort}`;
      env = await startSessionsEnv({
        sts: true,
        ...(backend === 'postgres' ? { databaseUrl: await testPostgresUrl() } : {}),
        config: { content: { origin: contentUrl, listen: `127.0.0.1:${contentPort}`, upstreamAllowList: ['127.0.0.0/8'] } },
      });
      const services = env.broker.app.services;
      await services.users.setRoleArns('alice', [ROLE], 'test');
      jar = await env.signIn('bob'); // an admin, for the admin pages
      apiToken = (await services.sessions.userTokens.create({ userName: 'alice', actor: 'test' })).token;
      const started = await services.sessions.start({ userName: 'alice', roles: [ROLE], by: { name: 'test', admin: true } });
      credential = started.credential;
      sessionId = started.session.id;
      adminKey = (await services.integrations.apiKeys.create({ name: 'bad-bytes-admin', role: 'admin', actor: { name: 'test' } })).key;
      contentGuid = (await services.integrations.content.create({ name: 'dash', actor: { name: 'test' } })).guid;
      integrationGuid = (await services.integrations.integrations.create(serviceAccountBody(), { name: 'test' })).guid;
      contentToken = (await services.integrations.issueContentSessionToken(contentGuid, { name: 'test' })).token;
      stsToken = (await services.mintToken({ subject: 'user:alice:role:111111111111:DataScientist', audience: 'sts.amazonaws.com', actor: 'test' })).token;
      const assumed = await (await sts({ Action: 'AssumeRoleWithWebIdentity', Version: '2011-06-15', RoleArn: STS_ROLE, RoleSessionName: 'alice', WebIdentityToken: stsToken })).text();
      const xml = (name: string): string => new RegExp(`<${name}>([^<]+)</${name}>`).exec(assumed)?.[1] ?? assert.fail(`no ${name} in ${assumed}`);
      stsCredentials = { accessKeyId: xml('AccessKeyId'), secretAccessKey: xml('SecretAccessKey'), sessionToken: xml('SessionToken') };
      fields = textFields();
    });
    after(() => env?.close());

    const url = (path: string): string => `${env.url}${path}`;
    const form = (values: Record<string, string>): string => new URLSearchParams(values).toString();
    const postForm = (path: string, values: Record<string, string>, headers: Record<string, string> = {}) =>
      jar.fetch(url(path), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: form(values) });
    const sendJson = (method: string, path: string, body: unknown, headers: Record<string, string>) =>
      fetch(url(path), { method, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const bearer = (): Record<string, string> => ({ authorization: `Bearer ${apiToken}` });
    const key = (): Record<string, string> => ({ authorization: `Key ${adminKey}` });
    const query = (path: string, params: Record<string, string>) => jar.fetch(url(`${path}?${new URLSearchParams(params)}`));
    const sts = (params: Record<string, string>) =>
      fetch(env.stsUrl!, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form(params) });
    const stsGet = (params: Record<string, string>) => fetch(`${env.stsUrl!}/?${new URLSearchParams(params)}`);
    /** AssumeRole is signed (SigV4 with credentials from AssumeRoleWithWebIdentity): its parameters are read after the signature. */
    const stsSigned = async (params: Record<string, string>) => {
      const target = new URL(env.stsUrl!);
      const body = form(params);
      const signer = new SignatureV4({ credentials: stsCredentials, region: 'us-east-1', service: 'sts', sha256: Hash.bind(null, 'sha256') });
      const signed = await signer.sign(new HttpRequest({ method: 'POST', hostname: target.hostname, port: Number(target.port), path: '/', headers: { host: target.host, 'content-type': 'application/x-www-form-urlencoded' }, body }));
      return fetch(env.stsUrl!, { method: 'POST', headers: Object.fromEntries(Object.entries(signed.headers).filter(([name]) => name !== 'host')), body });
    };

    /** Every route that takes text, field by field, each sent as its real clients send it. */
    function textFields(): TextField[] {
      const list: TextField[] = [];
      const add = (route: string, protocol: Protocol, carrier: Carrier, entries: Record<string, number>, send: (field: string, value: string) => Promise<Response>, multiline: string[] = []) => {
        for (const [field, maxLength] of Object.entries(entries)) {
          list.push({ route, field, protocol, carrier, maxLength, multiline: multiline.includes(field), send: (value) => send(field, value) });
        }
      };

      // OAuth: the agents' token exchange and content's credentials exchange (RFC 8693 forms).
      const tokenForm = { grant_type: EXCHANGE, subject_token: credential, subject_token_type: CREDENTIAL_TYPE };
      add('POST /oauth/token', 'oauth', 'form', { audience: 255, resource: 2048, scope: 1024, subject_token: 512, subject_token_type: 256, grant_type: 256, requested_token_type: 256, actor_token: 8192 }, (field, value) =>
        fetch(url('/oauth/token'), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form({ ...tokenForm, [field]: value }) }),
      );
      const credentialsForm = { grant_type: EXCHANGE, subject_token: contentToken, subject_token_type: CONTENT_TOKEN_TYPE };
      add('POST /__api__/v1/oauth/integrations/credentials', 'oauth', 'form', { audience: 255, resource: 2048, subject_token: 16384, subject_token_type: 256, requested_token_type: 256 }, (field, value) =>
        fetch(url('/__api__/v1/oauth/integrations/credentials'), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form({ ...credentialsForm, [field]: value }) }),
      );

      // The sessions API (JSON, user API token).
      add('POST /api/v1/sessions', 'api', 'json', { audience: 255, region: 32, 'roles[0]': 2048 }, (field, value) =>
        sendJson('POST', '/api/v1/sessions', field === 'roles[0]' ? { roles: [value] } : { roles: [ROLE], [field]: value }, bearer()),
      );
      add('GET /api/v1/sessions', 'api', 'query', { user: 255 }, (_field, value) => fetch(url(`/api/v1/sessions?${new URLSearchParams({ user: value })}`), { headers: bearer() }));
      add('POST /api/v1/sessions/:id/roles', 'api', 'json', { 'roles[0]': 2048 }, (_field, value) => sendJson('POST', `/api/v1/sessions/${sessionId}/roles`, { roles: [value] }, bearer()));
      add('POST /api/v1/cli/token', 'api', 'json', { code: 256, code_verifier: 128, redirect_uri: 2048 }, (field, value) =>
        sendJson('POST', '/api/v1/cli/token', { code: 'c0de', code_verifier: 'v'.repeat(43), redirect_uri: 'http://127.0.0.1:9/callback', [field]: value }, {}),
      );

      // The integrations and content API (JSON, admin API key).
      const integrationFields = { name: 255, description: 4096, template: 32 };
      const configFields = { auth_type: 32, auth_mode: 32, client_id: 255, client_secret: 4096, authorization_uri: 2048, token_uri: 2048, token_endpoint_auth_method: 32, scopes: 1024, role_arn: 2048, sts_region: 32, audience: 255 };
      const integrationBody = (field: string, value: string) => (field in configFields ? serviceAccountBody({}, { [field]: value }) : serviceAccountBody({ [field]: value }));
      add('POST /__api__/v1/oauth/integrations', 'publishing', 'json', { ...integrationFields, ...configFields }, (field, value) => sendJson('POST', '/__api__/v1/oauth/integrations', integrationBody(field, value), key()), ['description']);
      add('PATCH /__api__/v1/oauth/integrations/:guid', 'publishing', 'json', { name: 255, description: 4096, audience: 255 }, (field, value) =>
        sendJson('PATCH', `/__api__/v1/oauth/integrations/${integrationGuid}`, field === 'audience' ? { config: { audience: value } } : { [field]: value }, key()), ['description'],
      );
      add('GET /__api__/v1/oauth/integrations/:guid', 'publishing', 'path', { guid: 64 }, (_field, value) => fetch(url(`/__api__/v1/oauth/integrations/${encodeURIComponent(value)}`), { headers: key() }));
      add('POST /__api__/v1/content', 'publishing', 'json', { name: 64, title: 255, upstream_url: 2048 }, (field, value) => sendJson('POST', '/__api__/v1/content', { name: 'other', [field]: value }, key()));
      add('GET /__api__/v1/content/:guid', 'publishing', 'path', { guid: 64 }, (_field, value) => fetch(url(`/__api__/v1/content/${encodeURIComponent(value)}`), { headers: key() }));
      add('PUT /__api__/v1/content/:guid/oauth/integrations/associations', 'publishing', 'json', { oauth_integration_guid: 64 }, (_field, value) =>
        sendJson('PUT', `/__api__/v1/content/${contentGuid}/oauth/integrations/associations`, [{ oauth_integration_guid: value }], key()),
      );
      add('POST /__api__/v1/content/:guid/session-token', 'publishing', 'path', { guid: 64 }, (_field, value) =>
        fetch(url(`/__api__/v1/content/${encodeURIComponent(value)}/session-token`), { method: 'POST', headers: key() }),
      );
      add('GET /openid/v1/jwks/:kid', 'api', 'path', { kid: 64 }, (_field, value) => fetch(url(`/openid/v1/jwks/${encodeURIComponent(value)}`)));

      // Web pages and forms (HTML error pages), signed in as an admin.
      // (`/login?return_to=` takes any character and redirects safely: sso-sign-in.test.ts. Only its length is limited.)
      add('GET /auth/callback', 'html', 'query', { code: 4096, state: 512, iss: 2048, error: 256, error_description: 1024 }, (field, value) => query('/auth/callback', { [field]: value }));
      add('POST /logout', 'html', 'form', { csrf: 256 }, (_field, value) => postForm('/logout', { csrf: value }));
      add('POST /sessions', 'html', 'form', { csrf: 256, roles: 2048, region: 32 }, async (field, value) => {
        const csrf = csrfOf(await (await jar.fetch(url('/sessions/new'))).text());
        return postForm('/sessions', { csrf, roles: ROLE, [field]: value });
      });
      add('GET /admin/sessions', 'html', 'query', { user: 255 }, (_field, value) => query('/admin/sessions', { user: value }));
      add('GET /admin/audit', 'html', 'query', { user: 255, session: 64, role: 2048, event: 64, from: 32, to: 32, after: 18 }, (field, value) => query('/admin/audit', { [field]: value }));
      const cliLogin = { redirect_uri: 'http://127.0.0.1:9/callback', state: 's', code_challenge: 'c'.repeat(43), code_challenge_method: 'S256', user_code: 'BCDF-GHJK', device: 'laptop' };
      const cliFields = { redirect_uri: 2048, state: 512, code_challenge: 128, code_challenge_method: 16, user_code: 16, device: 64 };
      add('GET /cli/login', 'html', 'query', cliFields, (field, value) => query('/cli/login', { ...cliLogin, [field]: value }));
      add('POST /cli/login', 'html', 'form', { ...cliFields, csrf: 256 }, (field, value) => postForm('/cli/login', { ...cliLogin, csrf: 'x', decision: 'allow', [field]: value }));
      const state = 'a'.repeat(24);
      add('GET /__oauth__/integrations/consent', 'html', 'query', { content: 64 }, (field, value) => query('/__oauth__/integrations/consent', { content: contentGuid, state, [field]: value }));
      add('POST /__oauth__/integrations/authorize', 'html', 'form', { csrf: 256, integration: 64, content: 64 }, (field, value) =>
        postForm('/__oauth__/integrations/authorize', { csrf: 'x', integration: integrationGuid, content: contentGuid, state, [field]: value }),
      );
      add('GET /__oauth__/content/authorize', 'html', 'query', { content: 64 }, (field, value) => query('/__oauth__/content/authorize', { content: contentGuid, state, [field]: value }));
      add('GET /__oauth__/integrations/callback', 'html', 'query', { code: 4096, state: 512, error: 256, error_description: 1024 }, (field, value) => query('/__oauth__/integrations/callback', { [field]: value }));
      const adminForm = { csrf: 'x', name: 'n', description: '', auth_type: 'Service Account', role_arn: DS, sts_region: 'us-east-1', session_duration: '3600' };
      const formFields = { name: 255, description: 4096, auth_type: 32, auth_mode: 32, client_id: 255, client_secret: 4096, authorization_uri: 2048, token_uri: 2048, token_endpoint_auth_method: 32, scopes: 1024, role_arn: 2048, sts_region: 32, session_duration: 16, use_pkce: 8, audience: 255, csrf: 256 };
      add('POST /admin/integrations', 'html', 'form', formFields, (field, value) => postForm('/admin/integrations', { ...adminForm, [field]: value }), ['description']);
      add('POST /admin/integrations/:guid', 'html', 'form', { name: 255, description: 4096 }, (field, value) => postForm(`/admin/integrations/${integrationGuid}`, { ...adminForm, [field]: value }), ['description']);
      add('GET /admin/integrations', 'html', 'query', { notice: 40 }, (_field, value) => query('/admin/integrations', { notice: value }));
      add('POST /admin/integrations/:guid/delete', 'html', 'form', { return_to: 1024, csrf: 256 }, (field, value) => postForm(`/admin/integrations/${integrationGuid}/delete`, { csrf: 'x', [field]: value }));
      add('POST /admin/integrations/:guid/access/grant', 'html', 'form', { csrf: 256, content: 64 }, (field, value) => postForm(`/admin/integrations/${integrationGuid}/access/grant`, { csrf: 'x', content: contentGuid, [field]: value }));
      add('POST /admin/integrations/:guid/access/withdraw', 'html', 'form', { return_to: 1024, csrf: 256, content: 64 }, (field, value) =>
        postForm(`/admin/integrations/${integrationGuid}/access/withdraw`, { csrf: 'x', content: contentGuid, [field]: value }),
      );
      // The console's other pages and forms: lists, the users and keys admin pages, confirmations.
      add('GET /sessions', 'html', 'query', { after: 78, notice: 40 }, (field, value) => query('/sessions', { [field]: value }));
      add('POST /sessions/:id/end', 'html', 'form', { return_to: 1024, csrf: 256 }, (field, value) => postForm(`/sessions/${sessionId}/end`, { csrf: 'x', [field]: value }));
      add('POST /admin/sessions/:id/revoke', 'html', 'form', { return_to: 1024, csrf: 256 }, (field, value) => postForm(`/admin/sessions/${sessionId}/revoke`, { csrf: 'x', [field]: value }));
      add('GET /admin/users/:username', 'html', 'path', { username: 255 }, (_field, value) => jar.fetch(url(`/admin/users/${encodeURIComponent(value)}`)));
      add('POST /admin/users', 'html', 'form', { username: 255, role_arns: 64 * 2048, csrf: 256 }, (field, value) => postForm('/admin/users', { csrf: 'x', username: 'dora', role_arns: '', [field]: value }), ['role_arns']);
      add('POST /admin/users/:username/unbind', 'html', 'form', { return_to: 1024, csrf: 256 }, (field, value) => postForm('/admin/users/alice/unbind', { csrf: 'x', [field]: value }));
      add('POST /admin/users/:username/delete', 'html', 'form', { return_to: 1024, csrf: 256 }, (field, value) => postForm('/admin/users/alice/delete', { csrf: 'x', [field]: value }));
      add('POST /admin/keys/rotate', 'html', 'form', { return_to: 1024, csrf: 256 }, (field, value) => postForm('/admin/keys/rotate', { csrf: 'x', [field]: value }));
      add('GET /cli/login/done', 'html', 'query', { outcome: 0 }, (_field, value) => query('/cli/login/done', { outcome: value }));
      add('GET /content/:guid/ (broker)', 'html', 'path', { guid: 64 }, (_field, value) => jar.fetch(url(`/content/${encodeURIComponent(value)}/`)));
      // The content origin's own listener: the proxied content and the hand-off callback.
      add('GET /content/:guid/ (content origin)', 'html', 'path', { guid: 64 }, (_field, value) => fetch(`${contentUrl}/content/${encodeURIComponent(value)}/`, { redirect: 'manual' }));
      add('GET /__roleport/handoff/:guid (content origin)', 'html', 'query', { code: 256, state: 256 }, (field, value) =>
        fetch(`${contentUrl}/__roleport/handoff/${contentGuid}?${new URLSearchParams({ code: 'c', state: 's', [field]: value })}`, { redirect: 'manual' }),
      );

      // The local STS (AWS's Query protocol; ValidationError XML), POST (its fast path) and GET.
      const web = { Action: 'AssumeRoleWithWebIdentity', Version: '2011-06-15', RoleArn: STS_ROLE, RoleSessionName: 'alice', WebIdentityToken: stsToken };
      add('STS AssumeRoleWithWebIdentity (POST)', 'sts', 'form', { RoleArn: 2048, RoleSessionName: 64, WebIdentityToken: 20000, ProviderId: 2048, Policy: 2048, 'PolicyArns.member.1.arn': 2048 }, (field, value) => sts({ ...web, [field]: value }), ['Policy']);
      add('STS AssumeRoleWithWebIdentity (GET)', 'sts', 'query', { RoleArn: 2048, RoleSessionName: 64 }, (field, value) => stsGet({ ...web, [field]: value }));
      const assume = { Action: 'AssumeRole', Version: '2011-06-15', RoleArn: STS_ROLE, RoleSessionName: 'alice' };
      add('STS AssumeRole (POST)', 'sts', 'form', { ExternalId: 1224, SourceIdentity: 64, 'Tags.member.1.Key': 128, 'Tags.member.1.Value': 256, 'TransitiveTagKeys.member.1': 128 }, (field, value) =>
        stsSigned({ ...assume, ...(field.startsWith('Tags.') ? { 'Tags.member.1.Key': 'team', 'Tags.member.1.Value': 'data' } : {}), [field]: value }),
      );
      add('STS (any action)', 'sts', 'form', { Action: 0, Version: 0 }, (field, value) => sts({ ...web, [field]: value }));
      for (const field of list) if (field.maxLength === 0) field.fixedValues = true;
      return list;
    }

    /** The 400 of each protocol, in its own shape. */
    async function assertRefused(response: Response, field: TextField, what: string): Promise<void> {
      const label = `${field.route} ${field.field} with ${what}`;
      const text = await response.text();
      assert.equal(response.status, 400, `${label}: ${response.status} ${text.slice(0, 300)}`);
      // Refused for this field, not for something else missing from the request.
      const name = field.field.split(/[.[]/)[0]!.toLowerCase();
      assert.ok(text.toLowerCase().includes(name), `${label}: the error names ${name}: ${text.slice(0, 300)}`);
      switch (field.protocol) {
        case 'oauth':
          assert.equal((JSON.parse(text) as { error: string }).error, 'invalid_request', `${label}: ${text}`);
          break;
        case 'api': {
          const body = JSON.parse(text) as { code: string; message: string };
          assert.equal(body.code, 'ERR_INPUT_INVALID', `${label}: ${text}`);
          assert.ok(body.message.length > 0, label);
          break;
        }
        case 'publishing': {
          const body = JSON.parse(text) as { code: number; error: string; payload: unknown; roleport_code: string };
          assert.equal(body.roleport_code, 'ERR_INPUT_INVALID', `${label}: ${text}`);
          assert.equal(typeof body.code, 'number', label);
          assert.ok(body.error.length > 0, label);
          break;
        }
        case 'html':
          assert.match(response.headers.get('content-type') ?? '', /^text\/html/, label);
          assert.match(text, /<html/i, label);
          break;
        case 'sts':
          assert.match(response.headers.get('content-type') ?? '', /xml/, label);
          assert.match(text, /<Code>ValidationError<\/Code>/, `${label}: ${text}`);
          break;
      }
    }

    /** Rows of every table a request could change (the audit log apart). */
    async function storedState(): Promise<Record<string, number>> {
      const { db } = env.broker.app.services.store;
      const tables = ['users', 'user_roles', 'sessions', 'user_api_tokens', 'cli_login_codes', 'api_keys', 'oauth_integrations', 'content', 'content_integrations', 'viewer_grants', 'sts_credentials', 'sts_providers', 'sts_roles'] as const;
      const counts: Record<string, number> = {};
      for (const table of tables) {
        const row = await db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
        counts[table] = Number(row.n);
      }
      const session = await db.selectFrom('sessions').select(['roles', 'audience', 'state']).where('id', '=', sessionId).executeTakeFirstOrThrow();
      const integration = await db.selectFrom('oauth_integrations').select(['name', 'description', 'config']).where('guid', '=', integrationGuid).executeTakeFirstOrThrow();
      counts[`session ${JSON.stringify(session)}`] = 1;
      counts[`integration ${JSON.stringify(integration)}`] = 1;
      return counts;
    }

    async function auditCount(): Promise<number> {
      await env.broker.app.services.audit.flush();
      const row = await sql<{ n: string | number }>`select count(*) as n from audit_events`.execute(env.broker.app.services.store.db);
      return Number(row.rows[0]!.n);
    }

    test('NUL, other control characters, bidi controls and lone surrogates are a 400 in the protocol\'s shape, on every route that takes text', async () => {
      const state = await storedState();
      const refusalsBefore = await env.broker.app.services.repositories.auditEvents.query({ type: 'sts.request_refused', limit: 100_000 });
      let stsRequests = 0;
      for (const field of fields) {
        for (const hostile of HOSTILE) {
          if (hostile.json === true && field.carrier !== 'json') continue;
          if (hostile.singleLineOnly === true && field.multiline === true) continue;
          await assertRefused(await field.send(hostile.value), field, hostile.name);
          // Refusals of the two AssumeRole actions are audited (an unknown Action is not).
          if (field.protocol === 'sts' && field.field !== 'Action') stsRequests++;
        }
      }
      assert.deepEqual(await storedState(), state, 'nothing stored changed');
      // Each refused STS call is in the audit log (what was sent is escaped there): nothing lost, nothing stalled.
      await env.broker.app.services.audit.flush();
      const refusals = await env.broker.app.services.repositories.auditEvents.query({ type: 'sts.request_refused', limit: 100_000 });
      assert.equal(refusals.length - refusalsBefore.length, stsRequests);
      assert.deepEqual(env.broker.app.services.audit.status(), { writable: true, pending: 0, deadLettered: 0 });
    });

    test('one character over each field\'s limit is a 400 too, and nothing changes', async () => {
      const state = await storedState();
      for (const field of fields.filter((f) => f.fixedValues !== true)) await assertRefused(await field.send('a'.repeat(field.maxLength + 1)), field, `${field.maxLength + 1} characters`);
      assert.deepEqual(await storedState(), state);
    });

    test('multi-line fields take tabs and line breaks (a textarea sends CR LF), and keep them', async () => {
      const description = 'first line\r\nsecond\tline\nthird';
      const created = await sendJson('POST', '/__api__/v1/oauth/integrations', serviceAccountBody({ name: 'multi-line', description }), key());
      assert.equal(created.status, 201, await created.clone().text());
      assert.equal(((await created.json()) as { description: string }).description, description);
      const csrf = csrfOf(await (await jar.fetch(url('/admin/integrations/new'))).text());
      const viaForm = await postForm('/admin/integrations', { csrf, name: 'multi-line-form', description, auth_type: 'Service Account', role_arn: DS, sts_region: 'us-east-1', session_duration: '3600' });
      assert.equal(viaForm.status, 303, await viaForm.text());
      const stored = (await env.broker.app.services.integrations.integrations.list()).find((i) => i.name === 'multi-line-form');
      assert.equal(stored?.description, description);
    });

    test('after all of it the audit log still writes every event: each token handed out has its row, none set aside', async () => {
      const before = await auditCount();
      const jtis: string[] = [];
      for (let i = 0; i < 20; i++) {
        const exchanged = await exchangeToken(env.url, credential);
        assert.equal(exchanged.status, 200, JSON.stringify(exchanged.body));
        jtis.push(JSON.parse(Buffer.from(String(exchanged.body['access_token']).split('.')[1]!, 'base64url').toString()).jti as string);
      }
      // Durable: the rows are there before any flush.
      const { db } = env.broker.app.services.store;
      const rows = await db.selectFrom('audit_events').select('jti').where('type', '=', 'token.minted').where('jti', 'in', jtis).execute();
      assert.equal(rows.length, jtis.length);
      assert.equal(await auditCount(), before + jtis.length);
      const metrics = await (await fetch(url('/metrics'))).text();
      assert.doesNotMatch(metrics, /^roleport_audit_dead_letters_total\{[^}]*\} [1-9]/m);
      assert.match(metrics, /^roleport_audit_writable 1$/m);
      assert.equal((await fetch(url('/readyz'))).status, 200);
    });
  });
}
