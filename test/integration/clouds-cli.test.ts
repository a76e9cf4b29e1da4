import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/run-cli.ts';

/**
 * The CLI of the cloud counterparts, as an admin drives it on a data directory: the
 * generators' JSON registers the offline counterparts (`--from-setup -`), and `explain`
 * then says allow for a bound token and deny — with the cloud's error — for another
 * target's; bad input exits 2 with a message naming it.
 */
const ISSUER = 'http://127.0.0.1:8080';
const PROVIDER = 'projects/123456789012/locations/global/workloadIdentityPools/roleport/providers/broker';
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT = '11111111-2222-3333-4444-555555555555';

describe('roleport gcp and roleport azure on a data directory', () => {
  let dir: string;
  const cli = (args: string[], input?: string) => runCli(['--data-dir', dir, ...args], { ROLEPORT_ISSUER: ISSUER, ROLEPORT_LOG_LEVEL: 'error' }, input === undefined ? {} : { input });
  const mint = async (sub: string, aud: string, claims: string[] = []): Promise<string> => {
    const result = await cli(['token', 'mint', '--sub', sub, '--aud', aud, ...claims.flatMap((claim) => ['--claim', claim])]);
    assert.equal(result.code, 0, result.stderr);
    return result.stdout.trim();
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'roleport-clouds-cli-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('gcp: the generator registers the provider; explain allows the bound token and denies another target\'s', async () => {
    const setup = await cli(['gcp', 'workload-identity-provider', '--project-number', '123456789012', '--pool', 'roleport', '--provider', 'broker', '--target', 'analytics', '--json']);
    assert.equal(setup.code, 0, setup.stderr);
    const added = await cli(['gcp', 'provider', 'add', '--from-setup', '-', '--json'], setup.stdout);
    assert.equal(added.code, 0, added.stderr);
    assert.equal((JSON.parse(added.stdout) as { provider: { name: string } }).provider.name, PROVIDER);

    const audience = `//iam.googleapis.com/${PROVIDER}`;
    const good = await cli(['gcp', 'explain', '--provider', PROVIDER, '--token', '-', '--json'], await mint('user:alice:gcp:analytics', audience, ['roleport_target=analytics']));
    assert.equal(good.code, 0, good.stderr);
    assert.equal((JSON.parse(good.stdout) as { decision: string }).decision, 'allow');

    const other = await cli(['gcp', 'explain', '--provider', PROVIDER, '--token', '-', '--json'], await mint('user:alice:gcp:payroll', audience, ['roleport_target=payroll']));
    assert.equal(other.code, 0, other.stderr);
    const denied = JSON.parse(other.stdout) as { decision: string; google: { error: string }; checks: { name: string; status: string }[] };
    assert.equal(denied.decision, 'deny');
    assert.equal(denied.google.error, 'unauthorized_client');
    assert.deepEqual(denied.checks.filter((check) => check.status === 'fail').map((check) => check.name), ['attribute-condition']);

    const text = await cli(['gcp', 'explain', '--provider', PROVIDER, '--token', '-'], await mint('user:alice:gcp:analytics', 'sts.amazonaws.com', ['roleport_target=analytics']));
    assert.match(text.stdout, /✗ audience: The audience in ID Token \[sts\.amazonaws\.com\]/);
  });

  test('azure: the generator registers the credential; explain allows alice and denies bob with AADSTS700213', async () => {
    const setup = await cli(['azure', 'federated-credential', '--tenant', TENANT, '--client-id', CLIENT, '--target', 'analytics', '--user', 'alice', '--json']);
    assert.equal(setup.code, 0, setup.stderr);
    assert.equal((await cli(['azure', 'credential', 'add', '--from-setup', '-'], setup.stdout)).code, 0);
    const listed = JSON.parse((await cli(['azure', 'credential', 'list', '--json'])).stdout) as { credentials: { subject: string }[] };
    assert.deepEqual(listed.credentials.map((credential) => credential.subject), ['user:alice:azure:analytics']);

    const alice = await cli(['azure', 'explain', '--client-id', CLIENT, '--token', '-', '--json'], await mint('user:alice:azure:analytics', 'api://AzureADTokenExchange'));
    assert.equal((JSON.parse(alice.stdout) as { decision: string }).decision, 'allow');
    const bob = await cli(['azure', 'explain', '--client-id', CLIENT, '--token', '-', '--json'], await mint('user:bob:azure:analytics', 'api://AzureADTokenExchange'));
    const denied = JSON.parse(bob.stdout) as { decision: string; entra: { aadsts: number } };
    assert.equal(denied.decision, 'deny');
    assert.equal(denied.entra.aadsts, 700213);
  });

  test('bad input exits 2 naming the problem, and nothing is stored', async () => {
    const cases: { args: string[]; message: RegExp }[] = [
      { args: ['gcp', 'provider', 'add', '--name', 'projects/my-project/locations/global/workloadIdentityPools/roleport/providers/broker', '--issuer-uri', ISSUER], message: /named by its number/ },
      { args: ['gcp', 'provider', 'add', '--name', PROVIDER.replace('broker', 'bad1'), '--issuer-uri', ISSUER, '--attribute-condition', 'assertion.sub ==='], message: /attribute condition/ },
      { args: ['gcp', 'service-account', 'add', '--email', 'x@y.com', '--member', 'principal://x'], message: /service account email/ },
      { args: ['gcp', 'workload-identity-provider', '--project-number', '1', '--pool', 'gcp-pool', '--provider', 'broker', '--target', 'a'], message: /reserved/ },
      { args: ['azure', 'credential', 'add', '--tenant', TENANT, '--client-id', CLIENT, '--name', 'x', '--issuer', ISSUER, '--subject', 's'], message: /3-120/ },
      { args: ['azure', 'federated-credential', '--tenant', TENANT, '--client-id', CLIENT, '--target', 'analytics'], message: /needs the users/ },
      { args: ['gcp', 'explain', '--provider', PROVIDER], message: /exactly one of --token/ },
    ];
    for (const { args, message } of cases) {
      const result = await cli(args);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message, args.join(' '));
    }
    const providers = JSON.parse((await cli(['gcp', 'provider', 'list', '--json'])).stdout) as { providers: { name: string }[] };
    assert.deepEqual(providers.providers.map((provider) => provider.name), [PROVIDER]);
  });

  test('users set-gcp-targets / set-azure-targets grant targets a session can pick; bad or contradictory grants exit 2 and change nothing', async () => {
    const deployer = `name=deployer,provider=${PROVIDER},service_account=deployer@my-project.iam.gserviceaccount.com`;
    const set = await cli(['users', 'set-gcp-targets', 'carol', `name=analytics,provider=${PROVIDER}`, deployer, '--json']);
    assert.equal(set.code, 0, set.stderr);
    assert.deepEqual((JSON.parse(set.stdout) as { gcp_targets: unknown[] }).gcp_targets, [
      { name: 'analytics', provider: PROVIDER, service_account: null, source: 'cli' },
      { name: 'deployer', provider: PROVIDER, service_account: 'deployer@my-project.iam.gserviceaccount.com', source: 'cli' },
    ]);
    const azure = await cli(['users', 'set-azure-targets', 'carol', `name=ml,tenant_id=${TENANT.toUpperCase()},client_id=${CLIENT}`]);
    assert.equal(azure.code, 0, azure.stderr);
    // One spelling of a GUID, and the default subject scope written out.
    assert.equal(azure.stdout.trim(), `name=ml,tenant_id=${TENANT},client_id=${CLIENT},subject_scope=user`);
    const got = await cli(['users', 'get-gcp-targets', 'carol', '--with-source']);
    assert.equal(got.stdout.trim().split('\n').length, 2, got.stdout);
    assert.match(got.stdout, /^name=analytics,provider=projects\/123456789012\/\S+\tcli$/m);

    // The same name with another service account for dave would hand him carol's: refused.
    const bad: { args: string[]; message: RegExp }[] = [
      { args: ['users', 'set-gcp-targets', 'dave', `name=deployer,provider=${PROVIDER},service_account=another@my-project.iam.gserviceaccount.com`], message: /already stands for deployer@my-project/ },
      // Another provider of the same pool: Google's principalSet names the pool, so the same.
      { args: ['users', 'set-gcp-targets', 'dave', `name=deployer,provider=${PROVIDER.replace('broker', 'second')},service_account=another@my-project.iam.gserviceaccount.com`], message: /already stands for deployer@my-project/ },
      // Another application under the same name: Entra matches the subject, which names only the target.
      { args: ['users', 'set-azure-targets', 'dave', `name=ml,tenant_id=${TENANT},client_id=66666666-7777-8888-9999-000000000000`], message: /already stands for client ID 11111111-2222-3333-4444-555555555555/ },
      { args: ['users', 'set-gcp-targets', 'carol', `name=Analytics,provider=${PROVIDER}`], message: /target name "Analytics" must be/ },
      { args: ['users', 'set-gcp-targets', 'carol', 'name=x,provider=projects/my-project/locations/global/workloadIdentityPools/p/providers/broker'], message: /number/ },
      { args: ['users', 'set-gcp-targets', 'carol', `name=a,provider=${PROVIDER}`, `name=a,provider=${PROVIDER}`], message: /given twice/ },
      { args: ['users', 'set-azure-targets', 'carol', `name=ml,tenant_id=${TENANT},client_id=not-a-guid`], message: /client ID "not-a-guid"/ },
      { args: ['users', 'set-azure-targets', 'carol', `name=ml,tenant_id=${TENANT},client_id=${CLIENT},subject_scope=everyone`], message: /subject_scope "everyone"/ },
    ];
    for (const { args, message } of bad) {
      const result = await cli(args);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message, args.join(' '));
    }
    const after = JSON.parse((await cli(['users', 'list', '--json'])).stdout) as { users: { username: string; gcp_targets: { name: string }[]; azure_targets: { name: string }[] }[] };
    const carol = after.users.find((user) => user.username === 'carol')!;
    assert.deepEqual(carol.gcp_targets.map((t) => t.name), ['analytics', 'deployer']);
    assert.deepEqual(carol.azure_targets.map((t) => t.name), ['ml']);
    assert.equal(after.users.some((user) => user.username === 'dave' && user.gcp_targets.length > 0), false);

    // A session started by the admin CLI picks among them; one she was not granted is refused, and nothing starts.
    const DS = 'arn:aws:iam::111111111111:role/DataScientist';
    assert.equal((await cli(['users', 'set-aws-role-arns', 'carol', DS])).code, 0);
    const started = await cli(['session', 'start', '--user', 'carol', '--role', DS, '--gcp', 'deployer', '--azure', 'ml', '--json']);
    assert.equal(started.code, 0, started.stderr);
    const session = (JSON.parse(started.stdout) as { session: { gcp_targets: { name: string; audience: string; service_account: string }[]; azure_targets: { name: string; authority_host: string }[] } }).session;
    assert.deepEqual(session.gcp_targets.map((t) => [t.name, t.audience, t.service_account]), [['deployer', `//iam.googleapis.com/${PROVIDER}`, 'deployer@my-project.iam.gserviceaccount.com']]);
    assert.deepEqual(session.azure_targets.map((t) => [t.name, t.authority_host]), [['ml', 'https://login.microsoftonline.com']]);
    const refused = await cli(['session', 'start', '--user', 'carol', '--role', DS, '--gcp', 'payroll']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /carol does not hold the GCP target "payroll"/);
  });
});
