import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AssumeRoleCommand, STSClient, STSServiceException } from '@aws-sdk/client-sts';
import { runCli } from '../helpers/run-cli.ts';
import { startStsBroker, type StsBroker } from './sts-fixture.ts';

/**
 * Identity policies and trust policies deciding AssumeRole together, case by case, through
 * the AWS SDK against the local STS — and the same case through `roleport policy explain
 * --action sts:AssumeRole`, which must give the answer the STS gave and say which policy
 * decided. Same-account vs cross-account follows the IAM User Guide ("Cross-account policy
 * evaluation logic").
 */
const CALLER_ACCOUNT = '111111111111';
const ROLE_ACCOUNT = '222222222222';
const SSO_ROLE = (name: string) => `arn:aws:iam::${CALLER_ACCOUNT}:role/aws-reserved/sso.amazonaws.com/us-east-1/AWSReservedSSO_${name}_0123456789abcdef`;

type Statement = Record<string, unknown>;
const policy = (...statements: Statement[]) => ({ Version: '2012-10-17', Statement: statements });
const allowAssume = (resource: string | string[]): Statement => ({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: resource });
const trustAccount = (account: string, extra: Statement = {}) => policy({ Sid: 'TrustAccount', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'sts:AssumeRole', ...extra });

interface Case {
  name: string;
  /** A user name (IAM user principal) or `sso:NAME` (a permission set's role, calling as session `alice`). */
  principal: string;
  identity: object[];
  trust: object;
  /** The role's name; its account is ROLE_ACCOUNT unless `sameAccount`. */
  role: string;
  sameAccount?: boolean;
  sessionName?: string;
  externalId?: string;
  durationSeconds?: number;
  expect: 'allow' | 'AccessDenied' | 'ValidationError';
  /** What explain must name as the deciding side. */
  decidedBy?: 'trust-policy' | 'identity-policies' | 'both';
  reason?: string;
}

const CASES: Case[] = [
  { name: 'wildcard Resource covers the role', principal: 'wild', identity: [policy(allowAssume('arn:aws:iam::*:role/Workbench-*'))], trust: trustAccount(CALLER_ACCOUNT), role: 'Workbench-ExecutionRole', expect: 'allow', decidedBy: 'both', reason: 'allowed' },
  { name: 'wildcard Resource does not cover another role', principal: 'wild', identity: [policy(allowAssume('arn:aws:iam::*:role/Workbench-*'))], trust: trustAccount(CALLER_ACCOUNT), role: 'Billing', expect: 'AccessDenied', decidedBy: 'identity-policies', reason: 'identity-implicit-deny' },
  { name: 'NotResource excludes admin roles', principal: 'not-admin', identity: [policy({ Effect: 'Allow', Action: 'sts:AssumeRole', NotResource: 'arn:aws:iam::*:role/*Admin*' })], trust: trustAccount(CALLER_ACCOUNT), role: 'PlatformAdmin', expect: 'AccessDenied', decidedBy: 'identity-policies' },
  { name: 'NotResource admits the others', principal: 'not-admin', identity: [policy({ Effect: 'Allow', Action: 'sts:AssumeRole', NotResource: 'arn:aws:iam::*:role/*Admin*' })], trust: trustAccount(CALLER_ACCOUNT), role: 'Analyst', expect: 'allow' },
  {
    name: 'an explicit Deny in the identity policy beats its Allow',
    principal: 'denied',
    identity: [policy(allowAssume('*')), policy({ Sid: 'NoProduction', Effect: 'Deny', Action: 'sts:AssumeRole', Resource: `arn:aws:iam::${ROLE_ACCOUNT}:role/*` })],
    trust: trustAccount(CALLER_ACCOUNT),
    role: 'Workbench-ReadOnlyRole',
    expect: 'AccessDenied',
    decidedBy: 'identity-policies',
    reason: 'identity-explicit-deny',
  },
  { name: 'a trust policy naming another account', principal: 'elsewhere', identity: [policy(allowAssume('*'))], trust: trustAccount('999999999999'), role: 'Partner', expect: 'AccessDenied', decidedBy: 'trust-policy', reason: 'trust-implicit-deny' },
  {
    name: 'ExternalId required and missing',
    principal: 'vendor',
    identity: [policy(allowAssume('*'))],
    trust: trustAccount(CALLER_ACCOUNT, { Condition: { StringEquals: { 'sts:ExternalId': 'Workbench-7f3a' } } }),
    role: 'VendorAccess',
    expect: 'AccessDenied',
    decidedBy: 'trust-policy',
  },
  {
    name: 'ExternalId required and wrong',
    principal: 'vendor',
    identity: [policy(allowAssume('*'))],
    trust: trustAccount(CALLER_ACCOUNT, { Condition: { StringEquals: { 'sts:ExternalId': 'Workbench-7f3a' } } }),
    role: 'VendorAccess',
    externalId: 'Workbench-0000',
    expect: 'AccessDenied',
    decidedBy: 'trust-policy',
  },
  {
    name: 'ExternalId required and given',
    principal: 'vendor',
    identity: [policy(allowAssume('*'))],
    trust: trustAccount(CALLER_ACCOUNT, { Condition: { StringEquals: { 'sts:ExternalId': 'Workbench-7f3a' } } }),
    role: 'VendorAccess',
    externalId: 'Workbench-7f3a',
    expect: 'allow',
  },
  { name: 'a chained 2-hour request', principal: 'sso:Chained', identity: [policy(allowAssume('*'))], trust: trustAccount(CALLER_ACCOUNT), role: 'LongJob', durationSeconds: 7200, expect: 'ValidationError' },
  {
    name: 'same account, the trust policy names the user: no identity policy needed',
    principal: 'named',
    identity: [],
    trust: policy({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${CALLER_ACCOUNT}:user/named` }, Action: 'sts:AssumeRole' }),
    role: 'Named',
    sameAccount: true,
    expect: 'allow',
    decidedBy: 'trust-policy',
    reason: 'allowed-by-trust-policy',
  },
  { name: 'same account, the trust policy names only the account: an identity policy is needed', principal: 'bare', identity: [], trust: trustAccount(CALLER_ACCOUNT), role: 'Delegated', sameAccount: true, expect: 'AccessDenied', decidedBy: 'identity-policies' },
  {
    name: 'cross-account, the trust policy names the user: an identity policy is still needed',
    principal: 'named',
    identity: [],
    trust: policy({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${CALLER_ACCOUNT}:user/named` }, Action: 'sts:AssumeRole' }),
    role: 'NamedElsewhere',
    expect: 'AccessDenied',
    decidedBy: 'identity-policies',
  },
  {
    name: 'sts:RoleSessionName must be the user name (${aws:username})',
    principal: 'ci-bot',
    identity: [policy(allowAssume('*'))],
    trust: trustAccount(CALLER_ACCOUNT, { Condition: { StringEquals: { 'sts:RoleSessionName': '${aws:username}' } } }),
    role: 'Traceable',
    sessionName: 'someone-else',
    expect: 'AccessDenied',
    decidedBy: 'trust-policy',
  },
  {
    name: 'sts:RoleSessionName is the user name',
    principal: 'ci-bot',
    identity: [policy(allowAssume('*'))],
    trust: trustAccount(CALLER_ACCOUNT, { Condition: { StringEquals: { 'sts:RoleSessionName': '${aws:username}' } } }),
    role: 'Traceable',
    sessionName: 'ci-bot',
    expect: 'allow',
  },
  {
    name: "aws:PrincipalArn admits only the permission set's role",
    principal: 'sso:Analysts',
    identity: [policy(allowAssume('*'))],
    trust: trustAccount(CALLER_ACCOUNT, { Condition: { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${CALLER_ACCOUNT}:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_DataScientist_*` } } }),
    role: 'Workbench-Science',
    expect: 'AccessDenied',
    decidedBy: 'trust-policy',
  },
];

function principalArn(principal: string): string {
  return principal.startsWith('sso:') ? SSO_ROLE(principal.slice(4)) : `arn:aws:iam::${CALLER_ACCOUNT}:user/${principal}`;
}

describe('identity policies and trust policies decide AssumeRole', () => {
  let dir: string;
  let sts: StsBroker;
  const keys = new Map<string, { accessKeyId: string; secretAccessKey: string }>();

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'roleport-assume-role-policies-'));
    sts = await startStsBroker({ register: false });
  });
  after(async () => {
    await sts?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Registers the case's principal (replacing its policies, keeping its key) and role; returns an SDK client signing as the principal. */
  async function arrange(c: Case): Promise<STSClient> {
    const services = sts.broker.app.services;
    const arn = principalArn(c.principal);
    const added = await services.sts.principals.add({
      arn,
      policies: c.identity.map((document, index) => ({ name: `policy-${index}`, document: JSON.stringify(document) })),
      ...(c.principal.startsWith('sso:') ? { sessionName: 'alice' } : {}),
    });
    if (added.accessKey !== undefined) keys.set(arn, added.accessKey);
    await services.sts.registry.addRole({ arn: roleArn(c), trustPolicy: c.trust as Record<string, unknown>, maxSessionDurationSeconds: 43200 });
    return new STSClient({ region: 'us-east-1', endpoint: sts.stsUrl, credentials: keys.get(arn)!, maxAttempts: 1 });
  }

  const roleArn = (c: Case): string => `arn:aws:iam::${c.sameAccount === true ? CALLER_ACCOUNT : ROLE_ACCOUNT}:role/${c.role}`;

  async function explain(c: Case): Promise<{ decision: string; decidedBy: string; reason: string; sts: { outcome: string; code?: string; message?: string } }> {
    const trustFile = join(dir, `${c.role}-trust.json`);
    await writeFile(trustFile, JSON.stringify(c.trust));
    const args = ['policy', 'explain', '--action', 'sts:AssumeRole', '--principal', principalArn(c.principal), '--resource', roleArn(c), '--trust-policy', trustFile, '--json'];
    for (const [index, document] of c.identity.entries()) {
      const file = join(dir, `${c.principal.replace(':', '-')}-${index}.json`);
      await writeFile(file, JSON.stringify(document));
      args.push('--identity-policy', file);
    }
    if (c.principal.startsWith('sso:')) args.push('--principal-session-name', 'alice');
    args.push('--session-name', c.sessionName ?? 'TestSession');
    if (c.externalId !== undefined) args.push('--external-id', c.externalId);
    if (c.durationSeconds !== undefined) args.push('--duration-seconds', String(c.durationSeconds));
    const run = await runCli(args, { ROLEPORT_DATA_DIR: join(dir, 'explain-data') });
    assert.equal(run.code, 0, run.stderr);
    return JSON.parse(run.stdout) as { decision: string; decidedBy: string; reason: string; sts: { outcome: string; code?: string; message?: string } };
  }

  for (const c of CASES) {
    test(`${c.name} → ${c.expect}`, async () => {
      const caller = await arrange(c);
      const command = new AssumeRoleCommand({
        RoleArn: roleArn(c),
        RoleSessionName: c.sessionName ?? 'TestSession',
        ...(c.externalId === undefined ? {} : { ExternalId: c.externalId }),
        ...(c.durationSeconds === undefined ? {} : { DurationSeconds: c.durationSeconds }),
      });
      let answer: { outcome: 'success' } | { outcome: 'error'; code: string; message: string };
      try {
        const assumed = await caller.send(command);
        assert.equal(assumed.AssumedRoleUser?.Arn, `arn:aws:sts::${roleArn(c).split(':')[4]}:assumed-role/${c.role}/${c.sessionName ?? 'TestSession'}`);
        answer = { outcome: 'success' };
      } catch (error) {
        assert.ok(error instanceof STSServiceException, String(error));
        answer = { outcome: 'error', code: error.name, message: error.message };
      }
      assert.equal(answer.outcome === 'success' ? 'allow' : answer.code, c.expect, JSON.stringify(answer));
      if (c.expect === 'AccessDenied' && answer.outcome === 'error') {
        const callerArn = c.principal.startsWith('sso:') ? `arn:aws:sts::${CALLER_ACCOUNT}:assumed-role/AWSReservedSSO_${c.principal.slice(4)}_0123456789abcdef/alice` : principalArn(c.principal);
        assert.equal(answer.message, `User: ${callerArn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn(c)}`);
      }

      // explain says what the STS did, and which policy decided.
      const explained = await explain(c);
      assert.deepEqual(explained.sts, answer);
      if (c.expect !== 'ValidationError') assert.equal(explained.decision, c.expect === 'allow' ? 'allow' : 'deny');
      if (c.decidedBy !== undefined) assert.equal(explained.decidedBy, c.decidedBy);
      if (c.reason !== undefined) assert.equal(explained.reason, c.reason);
    });
  }

  test("temporary credentials carry their role's permission policies when they chain into another account", async () => {
    const services = sts.broker.app.services;
    const user = await services.sts.principals.add({ arn: `arn:aws:iam::${CALLER_ACCOUNT}:user/hopper`, policies: [{ name: 'hop', document: JSON.stringify(policy(allowAssume(`arn:aws:iam::${CALLER_ACCOUNT}:role/Hop`))) }] });
    await services.sts.registry.addRole({ arn: `arn:aws:iam::${CALLER_ACCOUNT}:role/Hop`, trustPolicy: trustAccount(CALLER_ACCOUNT) as Record<string, unknown> });
    await services.sts.registry.addRole({ arn: `arn:aws:iam::${ROLE_ACCOUNT}:role/Target`, trustPolicy: trustAccount(CALLER_ACCOUNT) as Record<string, unknown> });
    const hop = await new STSClient({ region: 'us-east-1', endpoint: sts.stsUrl, credentials: user.accessKey!, maxAttempts: 1 }).send(
      new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${CALLER_ACCOUNT}:role/Hop`, RoleSessionName: 'hop' }),
    );
    const session = new STSClient({
      region: 'us-east-1',
      endpoint: sts.stsUrl,
      credentials: { accessKeyId: hop.Credentials!.AccessKeyId!, secretAccessKey: hop.Credentials!.SecretAccessKey!, sessionToken: hop.Credentials!.SessionToken! },
      maxAttempts: 1,
    });
    const target = new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ROLE_ACCOUNT}:role/Target`, RoleSessionName: 'target' });
    await assert.rejects(session.send(target), (error: unknown) => error instanceof STSServiceException && error.name === 'AccessDenied' && error.message.startsWith(`User: arn:aws:sts::${CALLER_ACCOUNT}:assumed-role/Hop/hop is not authorized`));

    // The role gains a permission policy: its sessions already issued may chain now.
    await services.sts.registry.addRole({
      arn: `arn:aws:iam::${CALLER_ACCOUNT}:role/Hop`,
      trustPolicy: trustAccount(CALLER_ACCOUNT) as Record<string, unknown>,
      permissionPolicies: [{ name: 'chain', document: policy(allowAssume(`arn:aws:iam::${ROLE_ACCOUNT}:role/Target`)) }],
    });
    const chained = await session.send(target);
    assert.equal(chained.AssumedRoleUser?.Arn, `arn:aws:sts::${ROLE_ACCOUNT}:assumed-role/Target/target`);
  });
});
