import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCli, type CliResult } from '../helpers/run-cli.ts';
import { demoUsers, startTestIdp, type TestIdp, type TestIdpUser } from '../helpers/test-idp.ts';
import { CLIENT_ID, CLIENT_SECRET, CookieJar, freePort, homePage, rolesOnPage, signInHeadless, startSsoBroker, type SsoBroker } from './sso-fixtures.ts';

const ROLE_A = 'arn:aws:iam::333333333333:role/FromCli';
const ROLE_B = 'arn:aws-us-gov:iam::444444444444:role/team/FromCliToo';

function user(username: string, claims: Record<string, unknown>): TestIdpUser {
  return { username, password: `${username}-password`, email: `${username}@example.com`, name: username, groups: [], claims };
}

/** `roleport …` as a separate process on the broker's data directory, as an admin runs it. */
function roleport(dataDir: string, ...args: string[]): Promise<CliResult> {
  return runCli(args, { ROLEPORT_DATA_DIR: dataDir });
}

describe('AWS roles: claims override the CLI, the CLI survives without claims, bad ARNs', () => {
  let idp: TestIdp;
  let broker: SsoBroker;

  before(async () => {
    const port = await freePort();
    idp = await startTestIdp({
      clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [`http://127.0.0.1:${port}/auth/callback`] }],
      users: [
        ...demoUsers,
        user('dave', { aws_role_arn: ['arn:aws:iam::555555555555:role/Valid', 'arn:aws:iam::12345:role/ShortAccount', 42, 'arn:aws:s3:::not-a-role'] }),
        user('erin', { aws_role_arn: 'arn:aws:iam::666666666666:role/ErinClaim' }),
      ],
      extraClaimNames: ['aws_role_arn'],
    });
    broker = await startSsoBroker({ idpIssuer: idp.issuer, port });
  });
  after(async () => {
    await broker?.close();
    await idp?.close();
  });

  it('pre-assigns roles with the CLI to a user who never signed in; the claim replaces them at sign-in', async () => {
    const set = await roleport(broker.dataDir, 'users', 'set-aws-role-arns', 'alice', `${ROLE_A},${ROLE_B}`);
    assert.equal(set.code, 0, set.stderr);
    const before = await roleport(broker.dataDir, 'users', 'get-aws-role-arns', 'alice', '--json');
    assert.deepEqual(JSON.parse(before.stdout).roles, [
      { arn: ROLE_A, source: 'cli' },
      { arn: ROLE_B, source: 'cli' },
    ]);

    const jar = new CookieJar();
    assert.equal((await signInHeadless(broker, idp, jar, 'alice')).status, 303);
    const expected = [
      { arn: 'arn:aws:iam::111111111111:role/DataScientist', source: 'claim' },
      { arn: 'arn:aws:iam::222222222222:role/ReadOnly', source: 'claim' },
    ];
    assert.deepEqual(rolesOnPage(await homePage(broker, jar)), expected);
    const after = await roleport(broker.dataDir, 'users', 'get-aws-role-arns', 'alice');
    assert.equal(after.stdout, `${expected.map((role) => role.arn).join('\n')}\n`);
    const alice = await broker.app.services.users.findByUsername('alice');
    assert.equal(alice?.createdBy, 'cli', 'the pre-assigned record was bound, not duplicated');
    assert.equal(alice?.subject, 'alice');
  });

  it('keeps the CLI roles of a user whose ID token has no role claim (carol)', async () => {
    assert.equal((await roleport(broker.dataDir, 'users', 'set-aws-role-arns', 'carol', ROLE_A)).code, 0);
    const jar = new CookieJar();
    assert.equal((await signInHeadless(broker, idp, jar, 'carol')).status, 303);
    assert.deepEqual(rolesOnPage(await homePage(broker, jar)), [{ arn: ROLE_A, source: 'cli' }]);
  });

  it('serves a CLI change to a signed-in user at once, without a restart', async () => {
    const jar = new CookieJar();
    await signInHeadless(broker, idp, jar, 'carol');
    assert.equal((await roleport(broker.dataDir, 'users', 'set-aws-role-arns', 'carol', `${ROLE_B},${ROLE_A}`)).code, 0);
    assert.deepEqual(rolesOnPage(await homePage(broker, jar)), [
      { arn: ROLE_B, source: 'cli' },
      { arn: ROLE_A, source: 'cli' },
    ]);
  });

  it('changes nothing when one ARN given to the CLI is bad, and exits 2 naming it', async () => {
    const before = await roleport(broker.dataDir, 'users', 'get-aws-role-arns', 'carol', '--json');
    const bad = await roleport(broker.dataDir, 'users', 'set-aws-role-arns', 'carol', `${ROLE_A},arn:aws:iam::123:role/x`);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /arn:aws:iam::123:role\/x/);
    assert.match(bad.stderr, /12 digits/);
    assert.equal((await roleport(broker.dataDir, 'users', 'get-aws-role-arns', 'carol', '--json')).stdout, before.stdout);

    const unknownBefore = await broker.app.services.repositories.users.count();
    const refused = await roleport(broker.dataDir, 'users', 'set-aws-role-arns', 'nobody-yet', 'arn:aws:iam::111111111111:user/not-a-role');
    assert.equal(refused.code, 2);
    assert.equal(await broker.app.services.repositories.users.count(), unknownBefore, 'no user record for a refused assignment');
  });

  it('drops an invalid ARN from a claim, keeps the valid one, and logs a warning naming the user and the value', async () => {
    const jar = new CookieJar();
    assert.equal((await signInHeadless(broker, idp, jar, 'dave')).status, 303);
    assert.deepEqual(rolesOnPage(await homePage(broker, jar)), [{ arn: 'arn:aws:iam::555555555555:role/Valid', source: 'claim' }]);
    const warnings = broker.logLines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry['level'] === 40 && entry['user'] === 'dave');
    assert.deepEqual(
      warnings.map((entry) => entry['value']),
      ['arn:aws:iam::12345:role/ShortAccount', 42, 'arn:aws:s3:::not-a-role'],
    );
    assert.ok(warnings.every((entry) => String(entry['msg']).includes('dave')));
    assert.match(String(warnings[0]!['msg']), /arn:aws:iam::12345:role\/ShortAccount/);

    await broker.app.services.audit.flush();
    const [event] = await broker.app.services.repositories.auditEvents.query({ userName: 'dave', type: 'user.roles_set' });
    assert.deepEqual(event?.details?.['rejected'], ['arn:aws:iam::12345:role/ShortAccount', 42, 'arn:aws:s3:::not-a-role']);
  });

  it('takes the roles a claim granted away when the IdP stops sending the claim', async () => {
    const jar = new CookieJar();
    await signInHeadless(broker, idp, jar, 'erin');
    assert.deepEqual(rolesOnPage(await homePage(broker, jar)), [{ arn: 'arn:aws:iam::666666666666:role/ErinClaim', source: 'claim' }]);
    idp.setUser(user('erin', {}));
    const again = new CookieJar();
    await signInHeadless(broker, idp, again, 'erin');
    assert.deepEqual(rolesOnPage(await homePage(broker, again)), []);
  });

  it('audits every role change with its source', async () => {
    await broker.app.services.audit.flush();
    const events = await broker.app.services.repositories.auditEvents.query({ type: 'user.roles_set' });
    const sources = new Set(events.map((event) => event.details?.['source']));
    assert.deepEqual([...sources].sort(), ['claim', 'cli']);
    const cliChange = events.find((event) => event.userName === 'carol' && event.details?.['source'] === 'cli');
    assert.equal(cliChange?.actor, 'cli');
  });

  it('lists users with their roles and sources (users list --json)', async () => {
    const list = await roleport(broker.dataDir, 'users', 'list', '--json');
    assert.equal(list.code, 0, list.stderr);
    const users = (JSON.parse(list.stdout) as { users: { username: string; roles: { arn: string; source: string }[] }[] }).users;
    assert.deepEqual(users.map((entry) => entry.username), ['alice', 'carol', 'dave', 'erin']);
    assert.deepEqual(users.find((entry) => entry.username === 'carol')?.roles.map((role) => role.source), ['cli', 'cli']);
  });
});
