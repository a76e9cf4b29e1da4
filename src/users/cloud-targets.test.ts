import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AZURE_TARGETS, GCP_TARGETS, contradictionWithOthers } from './cloud-targets.ts';
import type { CloudTargetGrant } from '../store/index.ts';

/**
 * One target name means one thing for every user who holds it: what Google and Entra match
 * carries the name, not the provider or the application, so two meanings of one name would
 * hand one user's access to another.
 */
const POOL = 'projects/123456789012/locations/global/workloadIdentityPools/roleport';
const SA = 'deployer@my-project.iam.gserviceaccount.com';
const OTHER_SA = 'payroll@my-project.iam.gserviceaccount.com';
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const APP = '11111111-2222-3333-4444-555555555555';
const OTHER_APP = '66666666-7777-8888-9999-000000000000';

/** Alice's stored grant of one target. */
const grant = (target: Record<string, string>): CloudTargetGrant => ({ username: 'alice', name: target['name']!, target: JSON.stringify(target) });

test('GCP: a name is one service account (or none) in a pool, across the pool\'s providers; another pool is another audience', () => {
  const alice = grant({ name: 'deployer', provider: `${POOL}/providers/broker`, service_account: SA });
  const cases: [string, Record<string, string>, RegExp | undefined][] = [
    ['same provider, same service account', { name: 'deployer', provider: `${POOL}/providers/broker`, service_account: SA }, undefined],
    ['same provider, another service account', { name: 'deployer', provider: `${POOL}/providers/broker`, service_account: OTHER_SA }, /already stands for deployer@my-project/],
    ['same provider, no service account', { name: 'deployer', provider: `${POOL}/providers/broker` }, /already stands for deployer@my-project/],
    // principalSet://…/roleport/attribute.target/deployer admits tokens from every provider of the pool.
    ['another provider of the same pool, another service account', { name: 'deployer', provider: `${POOL}/providers/second`, service_account: OTHER_SA }, /pool projects\/123456789012\/locations\/global\/workloadIdentityPools\/roleport already stands for/],
    ['another provider of the same pool, the same service account', { name: 'deployer', provider: `${POOL}/providers/second`, service_account: SA }, undefined],
    ['another pool', { name: 'deployer', provider: 'projects/123456789012/locations/global/workloadIdentityPools/other/providers/broker', service_account: OTHER_SA }, undefined],
    ['another name', { name: 'payroll', provider: `${POOL}/providers/broker`, service_account: OTHER_SA }, undefined],
  ];
  for (const [label, value, expected] of cases) {
    const problem = contradictionWithOthers(GCP_TARGETS, GCP_TARGETS.parse(value), [alice], 'bob');
    if (expected === undefined) assert.equal(problem, undefined, label);
    else assert.match(problem ?? '', expected, label);
  }
  // A user's own earlier grant never contradicts their new one.
  assert.equal(contradictionWithOthers(GCP_TARGETS, GCP_TARGETS.parse({ name: 'deployer', provider: `${POOL}/providers/broker` }), [alice], 'alice'), undefined);
});

test('Azure: a name is one application, tenant and subject scope (the subject names the target, not the application)', () => {
  const alice = grant({ name: 'ml', tenant_id: TENANT, client_id: APP, subject_scope: 'target' });
  const cases: [string, Record<string, string>, boolean][] = [
    ['the same target', { name: 'ml', tenant_id: TENANT, client_id: APP, subject_scope: 'target' }, false],
    // roleport:azure:ml would match both applications' credentials.
    ['another application', { name: 'ml', tenant_id: TENANT, client_id: OTHER_APP, subject_scope: 'target' }, true],
    ['another application, user scope', { name: 'ml', tenant_id: TENANT, client_id: OTHER_APP, subject_scope: 'user' }, true],
    ['another subject scope', { name: 'ml', tenant_id: TENANT, client_id: APP, subject_scope: 'user' }, true],
    ['another tenant', { name: 'ml', tenant_id: 'contoso.onmicrosoft.com', client_id: APP, subject_scope: 'target' }, true],
    ['another name', { name: 'reports', tenant_id: TENANT, client_id: OTHER_APP }, false],
  ];
  for (const [label, value, contradicts] of cases) {
    const problem = contradictionWithOthers(AZURE_TARGETS, AZURE_TARGETS.parse(value), [alice], 'bob');
    assert.equal(problem !== undefined, contradicts, `${label}: ${problem ?? 'no contradiction'}`);
    if (contradicts) assert.match(problem!, /already stands for client ID 11111111-2222-3333-4444-555555555555 .*granted to alice$/, label);
  }
});
