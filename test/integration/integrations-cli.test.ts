import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import { runCli } from '../helpers/run-cli.ts';
import { CONTENT_ROLE, CONTENT_TOKEN_TYPE, EXCHANGE_GRANT, startIntegrationsBroker, type IntegrationsBroker } from './integrations-fixtures.ts';

describe('roleport api-keys | integrations | content on the data directory', () => {
  let dir: string;
  const env = () => ({ ROLEPORT_DATA_DIR: dir });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'roleport-integrations-cli-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('api-keys create shows the key once; list never shows it; revoke marks it', async () => {
    const created = await runCli(['api-keys', 'create', '--name', 'ci publisher', '--role', 'publisher', '--json'], env());
    assert.equal(created.code, 0, created.stderr);
    const key = JSON.parse(created.stdout) as { id: string; key: string; role: string };
    assert.match(key.key, /^rpk_[a-f0-9]{16}\.[\w-]{43}$/);
    assert.equal(key.role, 'publisher');
    const listed = await runCli(['api-keys', 'list', '--json'], env());
    assert.equal(listed.code, 0, listed.stderr);
    assert.ok(!listed.stdout.includes(key.key));
    assert.equal((JSON.parse(listed.stdout) as { api_keys: Array<{ id: string }> }).api_keys[0]!.id, key.id);
    const revoked = await runCli(['api-keys', 'revoke', key.id], env());
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.match(revoked.stdout, new RegExp(`API key ${key.id} \\(ci publisher\\) revoked`));
  });

  test('bad usage exits 2 with a message naming the problem', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['api-keys', 'create', '--name', 'x', '--role', 'owner'], /--role owner: expected admin or publisher/],
      [['integrations', 'create', '--name', 'x', '--auth-type', 'Service Account', '--role-arn', 'arn:aws:iam::1:role/x'], /config.role_arn .* is not a valid IAM role ARN/],
      [['integrations', 'create', '--name', 'x', '--auth-type', 'Service Account', '--role-arn', CONTENT_ROLE, '--session-duration', '50000'], /config.session_duration must be/],
      [['integrations', 'show', '00000000-0000-4000-8000-000000000000'], /no integration 00000000-0000-4000-8000-000000000000/],
      [['content', 'create', '--name', '../etc'], /name "..\/etc" must be 1-64 characters/],
      [['integrations', 'list', '--api-key', 'rpk_x'], /an API key needs the broker: --url or ROLEPORT_URL/],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(args, env());
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
    }
  });

  test('integrations create/list/show/delete and content create/integrations/token', async () => {
    const created = await runCli(['integrations', 'create', '--name', 'cli-s3', '--auth-type', 'Service Account', '--role-arn', CONTENT_ROLE, '--sts-region', 'eu-central-1', '--json'], env());
    assert.equal(created.code, 0, created.stderr);
    const integration = JSON.parse(created.stdout) as { guid: string; config: Record<string, unknown> };
    assert.deepEqual(integration.config, { auth_type: 'Service Account', role_arn: CONTENT_ROLE, sts_region: 'eu-central-1', session_duration: 3600 });

    const secretFile = join(dir, 'secret');
    await writeFile(secretFile, 'cli-viewer-secret-55\n');
    const viewer = await runCli(
      ['integrations', 'create', '--name', 'cli-viewer', '--auth-type', 'Viewer', '--role-arn', CONTENT_ROLE, '--client-id', 'rp', '--client-secret-file', secretFile,
        '--authorization-uri', 'https://idp.example.com/authorize', '--token-uri', 'https://idp.example.com/token', '--no-pkce', '--json'],
      env(),
    );
    assert.equal(viewer.code, 0, viewer.stderr);
    assert.ok(!viewer.stdout.includes('cli-viewer-secret-55'));
    assert.equal((JSON.parse(viewer.stdout) as { config: { use_pkce: boolean } }).config.use_pkce, false);

    const listed = await runCli(['integrations', 'list'], env());
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /cli-s3\s+Service Account/);
    assert.match(listed.stdout, /cli-viewer\s+Viewer/);
    const shown = await runCli(['integrations', 'show', integration.guid], env());
    assert.match(shown.stdout, /config.sts_region: eu-central-1/);

    const content = await runCli(['content', 'create', '--name', 'cli-report'], env());
    assert.equal(content.code, 0, content.stderr);
    const contentGuid = content.stdout.trim();
    assert.match(contentGuid, /^[0-9a-f-]{36}$/);
    // Not on the integration's access list yet: refused, exit 2 naming it.
    const early = await runCli(['content', 'integrations', contentGuid, '--set', integration.guid], env());
    assert.equal(early.code, 2);
    assert.match(early.stderr, new RegExp(`integration ${integration.guid} is not granted to content ${contentGuid}`));
    const granted = await runCli(['integrations', 'access', integration.guid, '--add', contentGuid, '--json'], env());
    assert.equal(granted.code, 0, granted.stderr);
    assert.deepEqual((JSON.parse(granted.stdout) as Array<{ content_guid: string; granted_by: string }>).map((entry) => [entry.content_guid, entry.granted_by]), [[contentGuid, 'cli']]);
    const associated = await runCli(['content', 'integrations', contentGuid, '--set', integration.guid, '--json'], env());
    assert.equal(associated.code, 0, associated.stderr);
    assert.equal((JSON.parse(associated.stdout) as Array<{ oauth_integration_guid: string }>)[0]!.oauth_integration_guid, integration.guid);
    const token = await runCli(['content', 'token', contentGuid], env());
    assert.equal(token.code, 0, token.stderr);
    assert.equal(decodeJwt(token.stdout.trim()).sub, `content:${contentGuid}`);

    const deleted = await runCli(['integrations', 'delete', integration.guid], env());
    assert.equal(deleted.code, 0, deleted.stderr);
    const after = await runCli(['content', 'integrations', contentGuid, '--json'], env());
    assert.deepEqual(JSON.parse(after.stdout), []);
  });
});

describe('roleport integrations through a running broker (--url, --api-key)', () => {
  let broker: IntegrationsBroker;
  before(async () => {
    broker = await startIntegrationsBroker();
  });
  after(() => broker?.close());

  test('create and list go through the API; a publisher key cannot create; a wrong key is refused', async () => {
    const api = (key: string) => ['--url', broker.url, '--api-key', key];
    const created = await runCli(['integrations', 'create', '--name', 'via-api', '--auth-type', 'Service Account', '--role-arn', CONTENT_ROLE, ...api(broker.adminKey), '--json']);
    assert.equal(created.code, 0, created.stderr);
    const guid = (JSON.parse(created.stdout) as { guid: string }).guid;
    assert.equal((await broker.app.services.integrations.integrations.get(guid)).name, 'via-api');

    const listed = await runCli(['integrations', 'list', '--json'], { ROLEPORT_URL: broker.url, ROLEPORT_API_KEY: broker.publisherKey });
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual((JSON.parse(listed.stdout) as Array<{ guid: string }>).map((i) => i.guid), [guid]);

    const forbidden = await runCli(['integrations', 'create', '--name', 'nope', '--auth-type', 'Service Account', '--role-arn', CONTENT_ROLE, ...api(broker.publisherKey)]);
    assert.equal(forbidden.code, 2);
    assert.match(forbidden.stderr, /needs an API key with role admin/);
    const wrong = await runCli(['integrations', 'list', ...api('rpk_0000000000000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')]);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /the API key is not valid or was revoked/);

    // Content registered through the API gets a content session token the exchange accepts.
    const content = await runCli(['content', 'create', '--name', 'api-report', ...api(broker.publisherKey)]);
    const contentGuid = content.stdout.trim();
    // Only an admin key puts content on the access list; the publisher then associates.
    const byPublisher = await runCli(['integrations', 'access', guid, '--add', contentGuid, ...api(broker.publisherKey)]);
    assert.equal(byPublisher.code, 2);
    assert.match(byPublisher.stderr, /needs an API key with role admin/);
    const byAdmin = await runCli(['integrations', 'access', guid, '--add', contentGuid, ...api(broker.adminKey)]);
    assert.equal(byAdmin.code, 0, byAdmin.stderr);
    assert.match(byAdmin.stdout, new RegExp(`^${contentGuid}\\s+\\d{4}-\\d{2}-\\d{2}T\\S+\\s+api-key:test-admin$`, 'm'));
    const associated = await runCli(['content', 'integrations', contentGuid, '--set', guid, ...api(broker.publisherKey)]);
    assert.equal(associated.code, 0, associated.stderr);
    const token = await runCli(['content', 'token', contentGuid, ...api(broker.publisherKey)]);
    assert.equal(token.code, 0, token.stderr);
    const exchanged = await broker.exchange({ grant_type: EXCHANGE_GRANT, subject_token: token.stdout.trim(), subject_token_type: CONTENT_TOKEN_TYPE });
    assert.equal(exchanged.status, 200, exchanged.text);
  });
});
