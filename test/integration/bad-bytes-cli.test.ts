/**
 * The CLI's side of "bad bytes never poison anything": every text flag and argument that
 * reaches the database or the broker is checked by the same rule as the HTTP routes
 * (core/text.ts). A control character, a line break in a one-line field, a bidirectional
 * control or one character too many exits 2 with a message naming the flag — never echoing
 * the value — and nothing is written to the data directory. (NUL cannot be passed in argv.)
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config/index.ts';
import { createServices } from '../../src/services.ts';
import { runCli } from '../helpers/run-cli.ts';

const ROLE = 'arn:aws:iam::111111111111:role/DataScientist';

/** A command line with one value to replace by the hostile one, the flag the message must name, and the field's length limit. */
interface Case {
  args: (value: string) => string[];
  names: string;
  maxLength: number;
  multiline?: boolean;
}

const HOSTILE: ReadonlyArray<{ name: string; value: string; singleLineOnly?: true }> = [
  { name: 'ESC (a terminal escape)', value: 'x\u001b]0;owned\u0007y' },
  { name: 'DEL', value: 'x\u007fy' },
  { name: 'a C1 control', value: 'x\u009by' },
  { name: 'a bidirectional override', value: 'x\u202ey' },
  { name: 'a line break', value: 'x\ny', singleLineOnly: true },
];

describe('the CLI refuses bad bytes in every text flag with exit 2, and writes nothing', () => {
  let dir: string;
  let policyFile: string;
  const env = () => ({ ROLEPORT_DATA_DIR: dir });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'roleport-bad-bytes-cli-'));
    policyFile = join(dir, 'trust.json');
    await writeFile(policyFile, JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: 'arn:aws:iam::111111111111:oidc-provider/issuer.example.com' }, Action: 'sts:AssumeRoleWithWebIdentity' }] }));
    const services = await createServices(loadConfig({ env: {}, overrides: { dataDir: dir } }));
    try {
      await services.users.setRoleArns('alice', [ROLE], 'test');
    } finally {
      await services.close();
    }
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const cases: Case[] = [
    { args: (v) => ['api-keys', 'create', '--name', v, '--role', 'admin'], names: '--name', maxLength: 64 },
    { args: (v) => ['content', 'create', '--name', v], names: '--name', maxLength: 64 },
    { args: (v) => ['content', 'create', '--name', 'report', '--title', v], names: '--title', maxLength: 255 },
    { args: (v) => ['content', 'create', '--name', 'report', '--upstream-url', v], names: '--upstream-url', maxLength: 2048 },
    { args: (v) => ['integrations', 'create', '--name', v, '--auth-type', 'Service Account', '--role-arn', ROLE], names: '--name', maxLength: 255 },
    { args: (v) => ['integrations', 'create', '--name', 'n', '--description', v, '--auth-type', 'Service Account', '--role-arn', ROLE], names: '--description', maxLength: 4096, multiline: true },
    { args: (v) => ['integrations', 'create', '--name', 'n', '--auth-type', 'Service Account', '--role-arn', ROLE, '--audience', v], names: '--audience', maxLength: 255 },
    { args: (v) => ['integrations', 'create', '--name', 'n', '--auth-type', 'Service Account', '--role-arn', v], names: '--role-arn', maxLength: 2048 },
    { args: (v) => ['session', 'start', '--user', v, '--role', ROLE], names: '--user', maxLength: 255 },
    { args: (v) => ['session', 'start', '--user', 'alice', '--role', ROLE, '--audience', v], names: '--audience', maxLength: 255 },
    { args: (v) => ['session', 'start', '--user', 'alice', '--role', v], names: '--role', maxLength: 2048 },
    { args: (v) => ['session', 'list', '--user', v], names: '--user', maxLength: 255 },
    { args: (v) => ['sts', 'provider', 'add', '--url', v, '--client-id', 'sts.amazonaws.com'], names: '--url', maxLength: 255 },
    { args: (v) => ['sts', 'provider', 'add', '--url', 'https://issuer.example.com', '--client-id', v], names: '--client-id', maxLength: 255 },
    { args: (v) => ['sts', 'role', 'add', '--arn', v, '--trust-policy', policyFile], names: '--arn', maxLength: 2048 },
    { args: (v) => ['sts', 'role', 'add', '--arn', 'arn:aws:iam::111111111111:role/R', '--trust-policy', policyFile, '--tag', v], names: '--tag', maxLength: 512 },
    { args: (v) => ['token', 'mint', '--sub', v, '--aud', 'sts.amazonaws.com'], names: '--sub', maxLength: 1024 },
    { args: (v) => ['token', 'mint', '--sub', 'user:alice', '--aud', v], names: '--aud', maxLength: 255 },
    { args: (v) => ['token', 'mint', '--sub', 'user:alice', '--aud', 'a', '--claim', `${v}=1`], names: 'a --claim name', maxLength: 256 },
    { args: (v) => ['users', 'set-aws-role-arns', v, ROLE], names: 'username', maxLength: 255 },
    { args: (v) => ['users', 'get-aws-role-arns', v], names: 'username', maxLength: 255 },
  ];

  /** Rows the commands above could add (the audit log included: a refused command records nothing). */
  const storedState = async (): Promise<Record<string, number>> => {
    const services = await createServices(loadConfig({ env: {}, overrides: { dataDir: dir } }));
    try {
      const counts: Record<string, number> = {};
      for (const table of ['api_keys', 'content', 'oauth_integrations', 'sessions', 'sts_providers', 'sts_roles', 'users', 'user_roles', 'audit_events'] as const) {
        const row = await services.store.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
        counts[table] = Number(row.n);
      }
      return counts;
    } finally {
      await services.close();
    }
  };

  /** Runs the commands a few at a time: each is a Node process. */
  const runAll = async (runs: Array<{ label: string; args: string[]; names: string }>): Promise<void> => {
    const queue = [...runs];
    const worker = async (): Promise<void> => {
      for (let run = queue.shift(); run !== undefined; run = queue.shift()) {
        const result = await runCli(run.args, env());
        assert.equal(result.code, 2, `${run.label}: exit ${result.code}\n${result.stderr}`);
        assert.equal(result.stdout, '', run.label);
        const message = result.stderr.trim();
        assert.ok(message.startsWith(`roleport: ${run.names} must `), `${run.label}: ${message}`);
        assert.doesNotMatch(message, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/, `${run.label}: the message never echoes the value`);
        assert.equal(message.split('\n').length, 1, `${run.label}: one line`);
      }
    };
    await Promise.all([worker(), worker(), worker()]);
  };

  test('control characters, bidi controls and line breaks: exit 2 naming the flag, nothing stored', async () => {
    const before = await storedState();
    // Every flag parser is the same function with its own name and limit: each flag gets one of
    // the hostile values in turn (a process each), and each value meets several flags.
    const runs = cases.map((c, index) => {
      const usable = HOSTILE.filter((h) => !(h.singleLineOnly === true && c.multiline === true));
      const hostile = usable[index % usable.length]!;
      return { label: `${c.args('…').join(' ')} with ${hostile.name}`, args: c.args(hostile.value), names: c.names };
    });
    await runAll(runs);
    assert.deepEqual(await storedState(), before);
  });

  test('one character over the limit: exit 2 naming the flag, nothing stored', async () => {
    const before = await storedState();
    await runAll(cases.map((c) => ({ label: `${c.args('…').join(' ')} with ${c.maxLength + 1} characters`, args: c.args('a'.repeat(c.maxLength + 1)), names: c.names })));
    assert.deepEqual(await storedState(), before);
  });

  test('a multi-line description keeps its line breaks', async () => {
    const result = await runCli(['integrations', 'create', '--name', 'described', '--description', 'line one\nline two', '--auth-type', 'Service Account', '--role-arn', ROLE, '--json'], env());
    assert.equal(result.code, 0, result.stderr);
    assert.equal((JSON.parse(result.stdout) as { description: string }).description, 'line one\nline two');
  });
});
