import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/run-cli.ts';

/**
 * `roleport sts user add|list|remove` on a data directory: the key pair printed once and
 * stored only as a hash, the generators' output loading unchanged, bad input refused with
 * exit 2 and nothing changed; `sts role add --permission-policy`; and the bad-usage side of
 * `policy explain --action sts:AssumeRole` and `aws trust-policy --for-permission-set`.
 */
const SSO_ROLE = 'arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/us-east-1/AWSReservedSSO_DataScientist_0123456789abcdef';
const USER = 'arn:aws:iam::111111111111:user/alice';

describe('roleport sts user', () => {
  let dir: string;
  let env: Record<string, string>;
  let inline: string;
  const file = async (name: string, content: string | object): Promise<string> => {
    const path = join(dir, name);
    await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };
  const roleport = (args: string[], input?: string) => runCli(args, env, input === undefined ? {} : { input });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'roleport-sts-user-'));
    env = { ROLEPORT_DATA_DIR: join(dir, 'data') };
    const generated = await roleport(['aws', 'permission-set-policy', '--accounts', '111111111111,222222222222', '--roles', 'ExecutionRole,ReadOnlyRole']);
    assert.equal(generated.code, 0, generated.stderr);
    inline = await file('permission-set.json', generated.stdout);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('add prints the key pair once; the data directory keeps no trace of the secret', async () => {
    const added = await roleport(['sts', 'user', 'add', '--arn', SSO_ROLE, '--policy', inline, '--session-name', 'alice@example.com']);
    assert.equal(added.code, 0, added.stderr);
    const match = /^added principal (\S+) \(calls as (\S+); 1 identity policy\)\nAWS_ACCESS_KEY_ID=(AKIA[A-Z2-7]{16})\nAWS_SECRET_ACCESS_KEY=(\S{64})\nThe secret is shown only now: the STS keeps a hash of it\.\n$/.exec(added.stdout);
    assert.ok(match, added.stdout);
    const [, arn, callerArn, , secret] = match as unknown as [string, string, string, string, string];
    assert.equal(arn, SSO_ROLE);
    assert.equal(callerArn, 'arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_DataScientist_0123456789abcdef/alice@example.com');

    for (const name of await readdir(join(dir, 'data'))) {
      const bytes = await readFile(join(dir, 'data', name));
      assert.equal(bytes.indexOf(secret), -1, `${name} holds the secret`);
      assert.equal(bytes.indexOf(Buffer.from(secret, 'base64')), -1, `${name} holds the secret's bytes`);
    }

    const listed = await roleport(['sts', 'user', 'list', '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.ok(!listed.stdout.includes(secret));
    const [principal] = (JSON.parse(listed.stdout) as { principals: Array<Record<string, unknown>> }).principals;
    assert.deepEqual(
      { ...principal, user_id: undefined, access_key_id: undefined },
      {
        arn: SSO_ROLE,
        kind: 'role',
        caller_arn: callerArn,
        user_id: undefined,
        account: '111111111111',
        access_key_id: undefined,
        session_name: 'alice@example.com',
        policies: [{ name: 'permission-set.json', document: JSON.parse(await readFile(inline, 'utf8')) as unknown }],
      },
    );
    const text = await roleport(['sts', 'user', 'list']);
    assert.match(text.stdout, /^ARN\s+CALLS AS\s+ACCESS KEY\s+POLICIES\narn:aws:iam::111111111111:role\/aws-reserved\S+\s+arn:aws:sts::\S+\s+AKIA[A-Z2-7]{16}\s+permission-set\.json\n$/);
  });

  test('an IAM user, JSON output, several policies; re-adding updates the policies and keeps the key', async () => {
    const deny = await file('deny.json', { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'sts:AssumeRole', Resource: 'arn:aws:iam::*:role/*Admin*' }] });
    const added = await roleport(['sts', 'user', 'add', '--arn', USER, '--policy', inline, '--policy', deny, '--json']);
    assert.equal(added.code, 0, added.stderr);
    const json = JSON.parse(added.stdout) as { change: string; principal: { caller_arn: string; user_id: string; access_key_id: string; policies: Array<{ name: string }> }; access_key: { access_key_id: string; secret_access_key: string } };
    assert.equal(json.change, 'added');
    assert.equal(json.principal.caller_arn, USER);
    assert.match(json.principal.user_id, /^AIDA[A-Z2-7]{17}$/);
    assert.deepEqual(json.principal.policies.map((p) => p.name), ['permission-set.json', 'deny.json']);
    assert.equal(json.access_key.access_key_id, json.principal.access_key_id);

    const again = await roleport(['sts', 'user', 'add', '--arn', USER, '--policy', deny]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, `updated principal ${USER} (calls as ${USER}; 1 identity policy)\nits access key ${json.access_key.access_key_id} is unchanged (remove and add the principal for a new one)\n`);

    const stdin = await roleport(['sts', 'user', 'add', '--arn', USER, '--policy', '-', '--json'], await readFile(inline, 'utf8'));
    assert.equal(stdin.code, 0, stdin.stderr);
    assert.deepEqual((JSON.parse(stdin.stdout) as { principal: { policies: Array<{ name: string }> } }).principal.policies.map((p) => p.name), ['stdin']);
  });

  test('bad input exits 2 naming the problem, and changes nothing', async () => {
    const before = (await roleport(['sts', 'user', 'list', '--json'])).stdout;
    const cases: Array<[string[], RegExp]> = [
      [['sts', 'user', 'add', '--arn', 'arn:aws:iam::111111111111:root', '--policy', inline], /--arn arn:aws:iam::111111111111:root: not an IAM user or role ARN/],
      [['sts', 'user', 'add', '--arn', 'arn:aws:iam::1:user/x', '--policy', inline], /not an IAM user or role ARN/],
      [['sts', 'user', 'add', '--arn', USER, '--policy', join(dir, 'nope.json')], /--policy .*nope\.json: cannot read it \(ENOENT\)/],
      [['sts', 'user', 'add', '--arn', USER, '--policy', await file('principal.json', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRole', Resource: '*' }] })], /--policy principal\.json: MalformedPolicyDocument: Statement\[0\]: has prohibited field Principal/],
      [['sts', 'user', 'add', '--arn', USER, '--policy', await file('no-resource.json', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole' }] })], /--policy no-resource\.json: MalformedPolicyDocument: Statement\[0\]: missing required field Resource/],
      [['sts', 'user', 'add', '--arn', USER, '--policy', await file('broken.json', '{')], /--policy broken\.json: MalformedPolicyDocument: policy is not valid JSON/],
      [['sts', 'user', 'add', '--arn', USER, '--policy', inline, '--session-name', 'alice'], /--session-name is for role principals/],
      [['sts', 'user', 'add', '--arn', SSO_ROLE, '--policy', inline, '--session-name', 'a'], /session name "a" must be 2-64 characters/],
      [['sts', 'user', 'add', '--policy', inline], /required option '--arn <arn>'/],
      [['sts', 'user', 'remove', '--arn', 'arn:aws:iam::111111111111:user/nobody'], /no principal is registered with ARN arn:aws:iam::111111111111:user\/nobody/],
    ];
    for (const [args, message] of cases) {
      const run = await roleport(args);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, message, args.join(' '));
    }
    assert.equal((await roleport(['sts', 'user', 'list', '--json'])).stdout, before);
  });

  test('remove unregisters the principal', async () => {
    const removed = await roleport(['sts', 'user', 'remove', '--arn', USER]);
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal(removed.stdout, `removed principal ${USER}\n`);
    const listed = JSON.parse((await roleport(['sts', 'user', 'list', '--json'])).stdout) as { principals: Array<{ arn: string }> };
    assert.deepEqual(listed.principals.map((p) => p.arn), [SSO_ROLE]);
  });

  test('sts role add --permission-policy: listed with the role; a malformed one is refused', async () => {
    const trust = await file('trust.json', (await roleport(['aws', 'trust-policy', '--role-name', 'Hop', '--for-permission-set', 'DataScientist', '--account', '111111111111'])).stdout);
    const chain = await file('chain.json', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: 'arn:aws:iam::222222222222:role/*' }] });
    const added = await roleport(['sts', 'role', 'add', '--arn', 'arn:aws:iam::111111111111:role/Hop', '--trust-policy', trust, '--permission-policy', chain, '--json']);
    assert.equal(added.code, 0, added.stderr);
    assert.deepEqual((JSON.parse(added.stdout) as { role: { permission_policies: unknown } }).role.permission_policies, [{ name: 'chain.json', document: JSON.parse(await readFile(chain, 'utf8')) as unknown }]);
    const bad = await roleport(['sts', 'role', 'add', '--arn', 'arn:aws:iam::111111111111:role/Hop2', '--trust-policy', trust, '--permission-policy', join(dir, 'principal.json')]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--permission-policy: MalformedPolicyDocument: principal\.json: Statement\[0\]: has prohibited field Principal/);
  });
});

describe('bad usage of the permission-set generators and of explain for sts:AssumeRole', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'roleport-assume-role-usage-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('each exits 2 and names the flag', async () => {
    const trust = join(dir, 'trust.json');
    await writeFile(trust, JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: '111111111111' }, Action: 'sts:AssumeRole' }] }));
    const badIdentity = join(dir, 'identity.json');
    await writeFile(badIdentity, JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*', Condition: { StringLikee: { a: 'b' } } }] }));
    const withResource = join(dir, 'with-resource.json');
    await writeFile(withResource, JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: '111111111111' }, Action: 'sts:AssumeRole', Resource: '*' }] }));
    const explain = ['policy', 'explain', '--action', 'sts:AssumeRole'];
    const role = ['--resource', 'arn:aws:iam::222222222222:role/ExecutionRole'];
    const cases: Array<[string[], RegExp]> = [
      [['aws', 'trust-policy', '--role-name', 'R', '--for-permission-set', 'DataScientist', '--sub-like', 'user:*'], /--sub-like is for web identity trust policies/],
      [['aws', 'trust-policy', '--role-name', 'R', '--for-permission-set', 'Data Scientist'], /--for-permission-set "Data Scientist"/],
      [['aws', 'trust-policy', '--role-name', 'R', '--for-permission-set', 'P', '--account', '111111111111,22'], /--account "22": must be 12 digits/],
      [[...explain, '--trust-policy', trust, ...role], /--principal is required to explain sts:AssumeRole/],
      [[...explain, '--trust-policy', trust, '--principal', USER], /--resource is required/],
      [[...explain, '--principal', USER, ...role], /--trust-policy is required/],
      [[...explain, '--trust-policy', trust, '--principal', USER, ...role, '--token', '-'], /--token is for web identity tokens/],
      [[...explain, '--trust-policy', trust, '--principal', 'arn:aws:iam::111111111111:root', ...role], /--principal "arn:aws:iam::111111111111:root": expected an IAM user ARN/],
      [[...explain, '--trust-policy', trust, '--principal', USER, '--resource', 'arn:aws:iam::222222222222:user/x'], /--resource "arn:aws:iam::222222222222:user\/x": not a role ARN/],
      [['policy', 'explain', '--action', 'sts:AssumeRoleWithWebIdentity', '--trust-policy', trust, '--principal', USER, ...role], /--action "sts:AssumeRoleWithWebIdentity": with --trust-policy/],
      [[...explain, '--trust-policy', trust, '--principal', USER, ...role, '--identity-policy', badIdentity], /--identity-policy .*identity\.json: MalformedPolicyDocument: Statement\[0\]\.Condition\.StringLikee/],
      [[...explain, '--trust-policy', withResource, '--principal', USER, ...role], /--trust-policy .*with-resource\.json: MalformedPolicyDocument: Statement\[0\]: has prohibited field Resource/],
      [[...explain, '--trust-policy', trust, '--principal', USER, ...role, '--duration-seconds', 'an hour'], /--duration-seconds an hour: expected a whole number of seconds/],
      [['policy', 'explain', '--action', 'sts:AssumeRole'], /required option '--policy <file>' not specified \(for sts:AssumeRole give --trust-policy FILE --principal ARN --resource ROLE_ARN\)/],
    ];
    for (const [args, message] of cases) {
      const run = await runCli(args, { ROLEPORT_DATA_DIR: join(dir, 'data') });
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, message, args.join(' '));
    }
  });

  test('the text form says who decided, with the failing condition and the STS answer', async () => {
    const trust = join(dir, 'external.json');
    await writeFile(trust, JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'Vendor', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111111111111:root' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': 'Workbench-7f3a' } } }] }));
    const allowAll = join(dir, 'allow.json');
    await writeFile(allowAll, JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] }));
    const run = await runCli(['policy', 'explain', '--action', 'sts:AssumeRole', '--principal', USER, '--resource', 'arn:aws:iam::222222222222:role/Vendor', '--identity-policy', allowAll, '--trust-policy', trust, '--session-name', 'TestSession']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^sts:AssumeRole by arn:aws:iam::111111111111:user\/alice on arn:aws:iam::222222222222:role\/Vendor\nDENY \(decided by the trust policy\): the role's trust policy does not allow/);
    assert.match(run.stdout, /Failing condition:\n  ✗ trust policy, statement 0 "Vendor": key sts:ExternalId is missing: StringEquals is false/);
    assert.match(run.stdout, /\nIdentity policies: ALLOW\n  allow\.json: ALLOW/);
    assert.match(run.stdout, /\nSTS would answer: AccessDenied: User: arn:aws:iam::111111111111:user\/alice is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::222222222222:role\/Vendor\n/);
  });
});
