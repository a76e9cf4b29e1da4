import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROLEPORT_BIN, runCli, type CliResult } from '../helpers/run-cli.ts';

/**
 * `roleport policy explain` as a user runs it: the real binary, tokens minted by
 * `roleport token mint`, files on disk and stdin.
 */

const ISSUER = 'https://roleport.test/tenant';
const PREFIX = 'roleport.test/tenant';
const ACCOUNT = '111122223333';

let dir: string;
let env: Record<string, string>;

const roleport = (args: readonly string[], input?: string): Promise<CliResult> => runCli(args, env, { input, cwd: dir });

const file = (name: string, content: string): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

let policyFile: string;
let aliceToken: string;
let malloryToken: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'roleport-explain-'));
  env = { ROLEPORT_DATA_DIR: join(dir, 'data'), ROLEPORT_ISSUER: ISSUER, ROLEPORT_LOG_LEVEL: 'silent' };
  const policy = await roleport(['aws', 'trust-policy', '--role-name', 'ExecutionRole', '--account', ACCOUNT, '--sub-like', 'user:alice']);
  assert.equal(policy.code, 0, policy.stderr);
  policyFile = file('trust.json', policy.stdout);
  const alice = await roleport(['token', 'mint', '--sub', 'user:alice', '--aud', 'sts.amazonaws.com']);
  assert.equal(alice.code, 0, alice.stderr);
  aliceToken = alice.stdout.trim();
  const mallory = await roleport(['token', 'mint', '--sub', 'user:mallory', '--aud', 'sts.amazonaws.com']);
  malloryToken = mallory.stdout.trim();
});

after(() => rmSync(dir, { recursive: true, force: true }));

test('an allowed token: exit 0, JSON decision "allow" with the per-statement trace beside it', async () => {
  const run = await roleport(['policy', 'explain', '--policy', policyFile, '--token', file('alice.jwt', aliceToken), '--json']);
  assert.equal(run.code, 0, run.stderr);
  const result = JSON.parse(run.stdout);
  assert.equal(result.decision, 'allow');
  assert.equal(result.statements.length, 1);
  assert.deepEqual(
    result.statements[0].conditions.map((c: { key: string; matched: boolean }) => [c.key, c.matched]),
    [
      [`${PREFIX}:aud`, true],
      [`${PREFIX}:sub`, true],
    ],
  );
  assert.deepEqual(result.sts, { outcome: 'success' });
  assert.equal(result.provider.arn, `arn:aws:iam::${ACCOUNT}:oidc-provider/${PREFIX}`);
});

test('a denied token: exit 0, the failing condition marked ✗ in the text and named in JSON', async () => {
  const tokenFile = file('mallory.jwt', malloryToken);
  const text = await roleport(['policy', 'explain', '--policy', policyFile, '--token', tokenFile]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /DENY/);
  assert.match(text.stdout, /✗ Condition: roleport\.test\/tenant:sub is "user:mallory", expected to match one of \["user:alice"\] \(StringLike\)/);
  assert.match(text.stdout, /STS would answer: AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity/);
  assert.doesNotMatch(text.stdout, /\u001b\[/, 'no colors when stdout is not a terminal');
  const json = JSON.parse((await roleport(['policy', 'explain', '--policy', policyFile, '--token', tokenFile, '--json'])).stdout);
  assert.equal(json.decision, 'deny');
  assert.equal(json.failingConditions[0].key, `${PREFIX}:sub`);
  assert.equal(json.failingConditions[0].actual, 'user:mallory');
  assert.equal(json.sts.code, 'AccessDenied');
});

test('on a terminal the failing condition is red', () => {
  assert.equal(spawnSync('script', ['--version']).status, 0, 'script(1) is missing: install the Debian package util-linux');
  // script(1) gives the command a pseudo-terminal, so stdout.isTTY is true as for a person.
  const command = [process.execPath, ROLEPORT_BIN, 'policy', 'explain', '--policy', policyFile, '--token', join(dir, 'mallory.jwt')].map((a) => `'${a}'`).join(' ');
  const run = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: dir, env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env, TERM: 'xterm' }, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /\u001b\[31m✗ Condition: roleport\.test\/tenant:sub is "user:mallory"/);
});

test('--token - reads the token from stdin', async () => {
  const run = await roleport(['policy', 'explain', '--policy', policyFile, '--token', '-', '--json'], `${aliceToken}\n`);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(JSON.parse(run.stdout).decision, 'allow');
});

test('--claims FILE explains bare claims; --provider as URL and as ARN', async () => {
  const now = Math.floor(Date.now() / 1000);
  const claims = file('claims.json', JSON.stringify({ iss: ISSUER, sub: 'user:alice', aud: 'sts.amazonaws.com', iat: now, exp: now + 600 }));
  const byIss = JSON.parse((await roleport(['policy', 'explain', '--policy', policyFile, '--claims', claims, '--json'])).stdout);
  assert.equal(byIss.decision, 'allow');
  assert.equal(byIss.input.kind, 'claims');

  const byUrl = JSON.parse((await roleport(['policy', 'explain', '--policy', policyFile, '--claims', claims, '--provider', ISSUER, '--json'])).stdout);
  assert.equal(byUrl.decision, 'allow');
  assert.equal(byUrl.provider.accountSource, 'policy-principal');

  const byArn = JSON.parse((await roleport(['policy', 'explain', '--policy', policyFile, '--claims', claims, '--provider', `arn:aws:iam::${ACCOUNT}:oidc-provider/${PREFIX}`, '--json'])).stdout);
  assert.equal(byArn.decision, 'allow');
  assert.equal(byArn.provider.accountSource, 'provider-arn');

  const otherAccount = JSON.parse((await roleport(['policy', 'explain', '--policy', policyFile, '--claims', claims, '--provider', `arn:aws:iam::999999999999:oidc-provider/${PREFIX}`, '--json'])).stdout);
  assert.equal(otherAccount.decision, 'deny');
  assert.equal(otherAccount.statements[0].principal.matched, false);

  const otherUrl = await roleport(['policy', 'explain', '--policy', policyFile, '--claims', claims, '--provider', 'https://elsewhere.test', '--json']);
  assert.equal(otherUrl.code, 0);
  const parsed = JSON.parse(otherUrl.stdout);
  assert.equal(parsed.sts.code, 'InvalidIdentityToken');
  assert.equal(parsed.provider.accountSource, 'placeholder');
  assert.ok(parsed.notes.some((n: string) => n.includes('placeholder')));
});

test('--action and --session-name reach the evaluation', async () => {
  const sessionName = JSON.parse((await roleport(['policy', 'explain', '--policy', policyFile, '--token', join(dir, 'alice.jwt'), '--session-name', 'alice.ws-1', '--json'])).stdout);
  assert.equal(sessionName.context['sts:RoleSessionName'], 'alice.ws-1');
  const tagSession = JSON.parse((await roleport(['policy', 'explain', '--policy', policyFile, '--token', join(dir, 'alice.jwt'), '--action', 'sts:TagSession', '--json'])).stdout);
  assert.equal(tagSession.action, 'sts:TagSession');
  assert.equal(tagSession.decision, 'deny');
});

test('offline STS checks map to STS errors: expired, alg, missing claims, audience, tags', async () => {
  const now = Math.floor(Date.now() / 1000);
  const expiredClaims = file('expired.json', JSON.stringify({ iss: ISSUER, sub: 'user:alice', aud: 'sts.amazonaws.com', iat: now - 7200, exp: now - 3600 }));
  const expired = JSON.parse((await roleport(['policy', 'explain', '--policy', policyFile, '--claims', expiredClaims, '--json'])).stdout);
  assert.equal(expired.decision, 'allow');
  assert.equal(expired.sts.code, 'ExpiredTokenException');

  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const none = `${part({ alg: 'none' })}.${part({ iss: ISSUER, sub: 'user:alice', aud: 'sts.amazonaws.com', iat: now, exp: now + 600 })}.`;
  const algRun = await roleport(['policy', 'explain', '--policy', policyFile, '--token', '-', '--json'], none);
  assert.equal(algRun.code, 0, algRun.stderr);
  const alg = JSON.parse(algRun.stdout);
  assert.equal(alg.sts.code, 'InvalidIdentityToken');
  assert.match(alg.sts.message, /algorithm/);

  const missing = JSON.parse((await roleport(['policy', 'explain', '--policy', policyFile, '--claims', file('missing.json', JSON.stringify({ iss: ISSUER, sub: 'user:alice' })), '--json'])).stdout);
  // The local STS's own check names the first missing claim.
  assert.equal(missing.sts.message, 'Missing a required claim: aud');

  const audience = JSON.parse((await roleport(['policy', 'explain', '--policy', policyFile, '--token', join(dir, 'alice.jwt'), '--client-id', 'other-client', '--json'])).stdout);
  assert.equal(audience.sts.code, 'InvalidIdentityToken');
  assert.match(audience.sts.message, /Incorrect token audience/);

  const tags = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, ['v']]));
  const tagged = await roleport(['token', 'mint', '--sub', 'user:alice', '--aud', 'sts.amazonaws.com', '--claim', `https://aws.amazon.com/tags=${JSON.stringify({ principal_tags: tags })}`]);
  assert.equal(tagged.code, 0, tagged.stderr);
  const tooMany = JSON.parse((await roleport(['policy', 'explain', '--policy', policyFile, '--token', '-', '--json'], tagged.stdout)).stdout);
  const checks = Object.fromEntries(tooMany.checks.map((c: { name: string }) => [c.name, c]));
  assert.equal(checks['session-tags'].stsError, 'PackedPolicyTooLarge');
  assert.equal(checks['tag-session'].stsError, 'AccessDenied', 'the policy does not allow sts:TagSession');
});

test('bad input exits 2 naming the problem', async () => {
  const cases: [string[], RegExp][] = [
    [['policy', 'explain', '--policy', join(dir, 'nope.json'), '--token', join(dir, 'alice.jwt')], /--policy .*nope\.json: cannot read \(ENOENT\)/],
    [['policy', 'explain', '--policy', file('bad.json', '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringLikee":{"a":"b"}}}]}'), '--token', join(dir, 'alice.jwt')], /MalformedPolicyDocument: Statement\[0\]\.Condition\.StringLikee/],
    [['policy', 'explain', '--policy', file('notjson.json', '{'), '--token', join(dir, 'alice.jwt')], /MalformedPolicyDocument: policy is not valid JSON/],
    [['policy', 'explain', '--policy', policyFile, '--token', file('garbage.jwt', 'not-a-token')], /malformed token: InvalidIdentityToken: The web identity token is not a signed JWT/],
    [['policy', 'explain', '--policy', policyFile, '--claims', file('array.json', '[1]')], /--claims .*must be a JSON object/],
    [['policy', 'explain', '--policy', policyFile], /exactly one of --token/],
    [['policy', 'explain', '--policy', policyFile, '--token', join(dir, 'alice.jwt'), '--claims', join(dir, 'claims.json')], /exactly one of --token/],
    [['policy', 'explain', '--policy', policyFile, '--token', join(dir, 'alice.jwt'), '--provider', 'arn:aws:iam::1:role/x'], /--provider arn:aws:iam::1:role\/x: not an OIDC provider ARN/],
    [['policy', 'explain', '--token', join(dir, 'alice.jwt')], /required option '--policy <file>'/],
  ];
  for (const [args, message] of cases) {
    const run = await roleport(args);
    assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, message, args.join(' '));
    assert.equal(run.stdout, '', args.join(' '));
  }
});
