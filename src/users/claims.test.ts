import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isRoleportError } from '../core/index.ts';
import { readIdentityClaims, type ClaimNames } from './claims.ts';

const names: ClaimNames = { username: ['preferred_username', 'email', 'sub'], groups: 'groups', roleArn: 'aws_role_arn', roleSessionName: 'aws_role_session_name', gcpTargets: 'gcp_targets', azureTargets: 'azure_targets' };
const ROLE = 'arn:aws:iam::111111111111:role/A';

describe('readIdentityClaims', () => {
  it('reads username, profile, groups, an array of roles and the session name', () => {
    const identity = readIdentityClaims(
      { sub: 's1', preferred_username: 'alice', email: 'a@example.com', name: 'Alice', groups: ['x', 'y', 'x', 3], aws_role_arn: [ROLE, 'arn:aws:iam::222222222222:role/B', ROLE], aws_role_session_name: 'alice' },
      names,
    );
    assert.deepEqual(identity, {
      subject: 's1',
      username: 'alice',
      displayName: 'Alice',
      email: 'a@example.com',
      groups: ['x', 'y'],
      roleArns: { valid: [ROLE, 'arn:aws:iam::222222222222:role/B'], rejected: [] },
      gcpTargets: undefined,
      azureTargets: undefined,
      roleSessionName: 'alice',
      rejectedSessionName: undefined,
    });
  });

  it('takes the username from the first claim present, in the configured order', () => {
    assert.equal(readIdentityClaims({ sub: 's1', email: 'a@example.com' }, names).username, 'a@example.com');
    assert.equal(readIdentityClaims({ sub: 's1', preferred_username: '' }, names).username, 's1');
    assert.equal(readIdentityClaims({ sub: 's1', upn: 'u@corp', preferred_username: 'p' }, { ...names, username: ['upn'] }).username, 'u@corp');
  });

  it('refuses a token without any username claim', () => {
    assert.throws(
      () => readIdentityClaims({ sub: 's1' }, { ...names, username: ['upn'] }),
      (error: unknown) => isRoleportError(error) && error.code === 'ERR_SSO_ACCOUNT' && /upn/.test(error.message),
    );
  });

  it('tells an absent role claim from a present one: absent keeps the CLI roles, present replaces them', () => {
    assert.equal(readIdentityClaims({ sub: 's', preferred_username: 'u' }, names).roleArns, undefined);
    assert.equal(readIdentityClaims({ sub: 's', preferred_username: 'u', aws_role_arn: null }, names).roleArns, undefined);
    assert.deepEqual(readIdentityClaims({ sub: 's', preferred_username: 'u', aws_role_arn: [] }, names).roleArns, { valid: [], rejected: [] });
    assert.deepEqual(readIdentityClaims({ sub: 's', preferred_username: 'u', aws_role_arn: ROLE }, names).roleArns, { valid: [ROLE], rejected: [] });
  });

  it('drops invalid role values, keeping the valid ones, and says why', () => {
    const { roleArns } = readIdentityClaims({ sub: 's', preferred_username: 'u', aws_role_arn: [ROLE, 'arn:aws:iam::1:role/X', 7, { arn: ROLE }] }, names);
    assert.deepEqual(roleArns?.valid, [ROLE]);
    assert.deepEqual(roleArns?.rejected.map((r) => r.value), ['arn:aws:iam::1:role/X', 7, { arn: ROLE }]);
    assert.match(roleArns?.rejected[0]?.reason ?? '', /12 digits/);
    assert.equal(roleArns?.rejected[1]?.reason, 'not a string');
  });

  it('drops an invalid session name', () => {
    const identity = readIdentityClaims({ sub: 's', preferred_username: 'u', aws_role_session_name: 'has space' }, names);
    assert.equal(identity.roleSessionName, null);
    assert.equal(identity.rejectedSessionName, 'has space');
  });

  it('reads GCP and Azure targets as key=value text or objects, drops bad ones and repeated names, and says why', () => {
    const provider = 'projects/123456789012/locations/global/workloadIdentityPools/roleport/providers/broker';
    const tenant = '72f988bf-86f1-41af-91ab-2d7cd011db47';
    const client = '11111111-2222-3333-4444-555555555555';
    const identity = readIdentityClaims(
      {
        sub: 's',
        preferred_username: 'u',
        gcp_targets: [
          `name=analytics,provider=//iam.googleapis.com/${provider}`,
          { name: 'deployer', provider, service_account: 'deployer@my-project.iam.gserviceaccount.com' },
          `name=analytics,provider=${provider}`,
          'name=Bad Name,provider=x',
          `name=x,provider=${provider},color=blue`,
        ],
        azure_targets: `name=ml,tenant_id=${tenant.toUpperCase()},client_id=${client},subject_scope=target`,
      },
      names,
    );
    assert.deepEqual(identity.gcpTargets?.valid, [
      { name: 'analytics', provider },
      { name: 'deployer', provider, serviceAccount: 'deployer@my-project.iam.gserviceaccount.com' },
    ]);
    assert.deepEqual(identity.gcpTargets?.rejected.map((r) => r.reason.replace(/ \(.*$/, '')), ['GCP target analytics is given twice', 'target name "Bad Name" must be 1-63 characters of a-z, 0-9 and -, starting with a letter or digit', 'a GCP target: unknown key "color"']);
    assert.deepEqual(identity.azureTargets, { valid: [{ name: 'ml', tenantId: tenant, clientId: client, subjectScope: 'target' }], rejected: [] });
    assert.equal(readIdentityClaims({ sub: 's', preferred_username: 'u' }, names).gcpTargets, undefined);
    assert.deepEqual(readIdentityClaims({ sub: 's', preferred_username: 'u', azure_targets: [] }, names).azureTargets, { valid: [], rejected: [] });
  });

  it('uses the configured claim names', () => {
    const identity = readIdentityClaims({ sub: 's', preferred_username: 'u', roles: [ROLE], teams: 'blue' }, { ...names, roleArn: 'roles', groups: 'teams' });
    assert.deepEqual(identity.roleArns?.valid, [ROLE]);
    assert.deepEqual(identity.groups, ['blue']);
  });
});
