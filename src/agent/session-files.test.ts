import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrokerSession } from '../client/index.ts';
import { parseIni } from './aws-ini.ts';
import { renderEnvFile, sessionLayout } from '../client/index.ts';
import { profileName, quoteArgument, renderAwsConfig, sessionEnvironment } from './session-files.ts';

const session: BrokerSession = {
  id: 'ses_0123456789abcdef0123',
  userName: 'alice',
  state: 'active',
  tokenSource: 'broker',
  audience: 'sts.amazonaws.com',
  tokenTtlSeconds: 3600,
  region: 'eu-west-1',
  roles: [
    { arn: 'arn:aws:iam::111111111111:role/DataScientist', profile: 'DataScientist', sessionName: 'alice.ses-0123' },
    { arn: 'arn:aws:iam::222222222222:role/ReadOnly', profile: 'prod ReadOnly', sessionName: 'alice.ses-0123' },
  ],
  createdAt: 0,
  endedAt: null,
  lastTokenAt: null,
  tokenExpiresAt: null,
};
const layout = sessionLayout('/run/roleport/ses 1');

test('the environment names the token file and never a static key', () => {
  const env = sessionEnvironment({ session, layout, brokerUrl: 'http://127.0.0.1:8080', stsEndpoint: 'http://127.0.0.1:9000' });
  assert.deepEqual(env, {
    AWS_ROLE_ARN: 'arn:aws:iam::111111111111:role/DataScientist',
    AWS_WEB_IDENTITY_TOKEN_FILE: '/run/roleport/ses 1/token',
    AWS_ROLE_SESSION_NAME: 'alice.ses-0123',
    AWS_REGION: 'eu-west-1',
    AWS_DEFAULT_REGION: 'eu-west-1',
    AWS_STS_REGIONAL_ENDPOINTS: 'regional',
    AWS_CONFIG_FILE: '/run/roleport/ses 1/aws-config',
    AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:9000',
    ROLEPORT_URL: 'http://127.0.0.1:8080',
    ROLEPORT_SESSION_DIR: '/run/roleport/ses 1',
  });
  assert.ok(!Object.keys(env).some((key) => /ACCESS_KEY|SECRET|SESSION_TOKEN/.test(key)));
});

test('with credential_process profiles the web identity variables stay out of the environment', () => {
  const env = sessionEnvironment({ session, layout, brokerUrl: 'http://b', webIdentityInEnvironment: false });
  assert.equal(env['AWS_WEB_IDENTITY_TOKEN_FILE'], undefined);
  assert.equal(env['AWS_CONFIG_FILE'], '/run/roleport/ses 1/aws-config');
});

test('with container credentials the endpoint replaces the token file in the environment', () => {
  const env = sessionEnvironment({ session, layout, brokerUrl: 'http://b', containerCredentialsUrl: 'http://127.0.0.1:5000/v1/sessions/ses_1/credentials', containerAuthorization: 'secret-auth' });
  assert.equal(env['AWS_WEB_IDENTITY_TOKEN_FILE'], undefined);
  assert.equal(env['AWS_CONTAINER_CREDENTIALS_FULL_URI'], 'http://127.0.0.1:5000/v1/sessions/ses_1/credentials');
  assert.equal(env['AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE'], '/run/roleport/ses 1/container-authorization-token');
  assert.equal(env['AWS_CONTAINER_AUTHORIZATION_TOKEN'], 'secret-auth');
  assert.equal(env['AWS_ROLE_ARN'], 'arn:aws:iam::111111111111:role/DataScientist');
});

test('the env file is KEY=value lines a POSIX shell reads back unchanged', () => {
  const env = { A: 'plain/value:1', B: "it's got spaces", C: '$HOME `x`' };
  const text = renderEnvFile(env);
  assert.equal(text, "A=plain/value:1\nB='it'\\''s got spaces'\nC='$HOME `x`'\n");
  const dir = mkdtempSync(join(tmpdir(), 'roleport-env-'));
  try {
    writeFileSync(join(dir, 'env'), text);
    const echoed = spawnSync('/bin/sh', ['-c', `set -a; . "$0"; printf '%s\\n' "$A" "$B" "$C"`, join(dir, 'env')], { encoding: 'utf8', env: {} });
    assert.equal(echoed.stdout, "plain/value:1\nit's got spaces\n$HOME `x`\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('aws-config: one profile per role with its own token file, or credential_process; never static keys', () => {
  const webIdentity = parseIni(renderAwsConfig({ session, layout, profileStyle: 'web-identity', roleportCommand: ['roleport'], brokerUrl: 'http://b' }));
  assert.deepEqual([...webIdentity.keys()], ['default', 'profile DataScientist', 'profile prod-ReadOnly']);
  assert.deepEqual(Object.fromEntries(webIdentity.get('profile prod-ReadOnly')!), {
    role_arn: 'arn:aws:iam::222222222222:role/ReadOnly',
    web_identity_token_file: '/run/roleport/ses 1/tokens/prod-ReadOnly',
    role_session_name: 'alice.ses-0123',
    region: 'eu-west-1',
  });
  assert.equal(webIdentity.get('profile DataScientist')!.get('web_identity_token_file'), '/run/roleport/ses 1/tokens/DataScientist');
  assert.deepEqual(Object.fromEntries(webIdentity.get('default')!), { region: 'eu-west-1' });

  const text = renderAwsConfig({ session, layout, profileStyle: 'credential-process', roleportCommand: ['/usr/bin/node', '/opt/role port/bin/roleport.js'], brokerUrl: 'http://b', stsEndpoint: 'http://127.0.0.1:9000' });
  const processStyle = parseIni(text);
  assert.equal(
    processStyle.get('profile DataScientist')!.get('credential_process'),
    '/usr/bin/node "/opt/role port/bin/roleport.js" credential-process --role-arn arn:aws:iam::111111111111:role/DataScientist --session-dir "/run/roleport/ses 1" --url http://b --sts-endpoint http://127.0.0.1:9000',
  );
  // No web identity variables in that mode, so the default profile is the first role.
  assert.match(processStyle.get('default')!.get('credential_process')!, /--role-arn arn:aws:iam::111111111111:role\/DataScientist /);
  assert.doesNotMatch(text, /aws_access_key_id|aws_secret_access_key/);
});

test('quoteArgument survives a POSIX shell', () => {
  for (const argument of ['plain', 'with space', 'quote"d', 'dollar$HOME', 'back`tick`', 'back\\slash']) {
    const out = spawnSync('/bin/sh', ['-c', `printf '%s' ${quoteArgument(argument)}`], { encoding: 'utf8' });
    assert.equal(out.stdout, argument);
  }
  assert.equal(profileName('default'), 'role-default');
});
