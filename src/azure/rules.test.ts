import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AADSTS,
  TOKEN_EXCHANGE_AUDIENCE,
  clientCredentialsScopeProblem,
  clientIdProblem,
  federatedCredentialProblem,
  federatedCredentialSetProblem,
  renderAzureEnvironment,
  renderAzureTargetClaims,
  tenantIdProblem,
} from './index.ts';

const FIC = 'https://learn.microsoft.com/en-us/graph/api/resources/federatedidentitycredential';
const CONSIDERATIONS = 'https://learn.microsoft.com/en-us/entra/workload-id/workload-identity-federation-considerations';
const CLIENT_CREDENTIALS = 'https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow';
const ERRORS = 'https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes';
const WORKLOAD_IDENTITY = 'https://learn.microsoft.com/en-us/javascript/api/@azure/identity/workloadidentitycredential';
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT = '11111111-2222-3333-4444-555555555555';
const good = { name: 'roleport-analytics', issuer: 'https://broker.example.com', subject: 'user:alice:azure:analytics', audiences: [TOKEN_EXCHANGE_AUDIENCE] };

const rules: { rule: string; source: string; check: () => void }[] = [
  {
    rule: 'tenant: a GUID or a verified domain; client ID: a GUID',
    source: 'https://learn.microsoft.com/en-us/entra/identity-platform/v2-protocols#endpoints',
    check: () => {
      assert.equal(tenantIdProblem(TENANT), undefined);
      assert.equal(tenantIdProblem('contoso.onmicrosoft.com'), undefined);
      assert.match(tenantIdProblem('not a tenant') ?? '', /GUID/);
      assert.equal(clientIdProblem(CLIENT), undefined);
      assert.match(clientIdProblem('my-app') ?? '', /GUID/);
    },
  },
  {
    rule: 'name: at most 120 characters, URL friendly (3-120 of letters, digits, - and _)',
    source: `${FIC}; ${CONSIDERATIONS}`,
    check: () => {
      assert.equal(federatedCredentialProblem(good, { allowHttpIssuer: false }), undefined);
      assert.match(federatedCredentialProblem({ ...good, name: 'ab' }, { allowHttpIssuer: false }) ?? '', /3-120/);
      assert.match(federatedCredentialProblem({ ...good, name: 'a'.repeat(121) }, { allowHttpIssuer: false }) ?? '', /3-120/);
      assert.match(federatedCredentialProblem({ ...good, name: 'has space' }, { allowHttpIssuer: false }) ?? '', /letters/);
    },
  },
  {
    rule: 'issuer, subject, audience and description: at most 600 characters; exactly one audience; subject matched exactly',
    source: FIC,
    check: () => {
      assert.match(federatedCredentialProblem({ ...good, subject: 's'.repeat(601) }, { allowHttpIssuer: false }) ?? '', /600/);
      assert.match(federatedCredentialProblem({ ...good, issuer: `https://a.example/${'x'.repeat(600)}` }, { allowHttpIssuer: false }) ?? '', /600/);
      assert.match(federatedCredentialProblem({ ...good, audiences: [] }, { allowHttpIssuer: false }) ?? '', /exactly one audience/);
      assert.match(federatedCredentialProblem({ ...good, audiences: ['a', 'b'] }, { allowHttpIssuer: false }) ?? '', /exactly one audience/);
      assert.match(federatedCredentialProblem({ ...good, subject: 'user:*' }, { allowHttpIssuer: false }) ?? '', /wildcards/);
      assert.match(federatedCredentialProblem({ ...good, description: 'd'.repeat(601) }, { allowHttpIssuer: false }) ?? '', /600/);
      assert.match(federatedCredentialProblem({ ...good, issuer: 'http://127.0.0.1:8080' }, { allowHttpIssuer: false }) ?? '', /https/);
      assert.equal(federatedCredentialProblem({ ...good, issuer: 'http://127.0.0.1:8080' }, { allowHttpIssuer: true }), undefined);
    },
  },
  {
    rule: 'at most 20 credentials per application; issuer + subject unique within it',
    source: CONSIDERATIONS,
    check: () => {
      const twenty = Array.from({ length: 20 }, (_, i) => ({ ...good, name: `c${i}xx`, subject: `s${i}` }));
      assert.match(federatedCredentialSetProblem(twenty, { ...good, name: 'new-one', subject: 'new' }) ?? '', /at most 20/);
      assert.equal(federatedCredentialSetProblem(twenty, { ...good, name: 'c3xx', subject: 'replaced' }), undefined, 'replacing one keeps the count');
      assert.match(federatedCredentialSetProblem([good], { ...good, name: 'other-name' }) ?? '', /unique/);
    },
  },
  {
    rule: 'client credentials: scope is one resource /.default',
    source: CLIENT_CREDENTIALS,
    check: () => {
      assert.equal(clientCredentialsScopeProblem('https://management.azure.com/.default'), undefined);
      assert.match(clientCredentialsScopeProblem('https://management.azure.com/user_impersonation') ?? '', /\/\.default/);
      assert.match(clientCredentialsScopeProblem('') ?? '', /scope/);
    },
  },
  {
    rule: 'AADSTS codes of a refused federated assertion',
    source: ERRORS,
    check: () => {
      assert.equal(AADSTS.noMatchingIssuer.code, 700211);
      assert.equal(AADSTS.noMatchingAudience.code, 700212);
      assert.equal(AADSTS.noMatchingSubject.code, 700213);
      assert.equal(AADSTS.assertionTimeRange.code, 700024);
      assert.equal(AADSTS.invalidSignature.code, 700027);
      assert.equal(AADSTS.noMatchingSubject.error, 'invalid_client');
    },
  },
  {
    rule: 'a target token: aud api://AzureADTokenExchange, sub naming user and target (or the target alone)',
    source: FIC,
    check: () => {
      assert.deepEqual(renderAzureTargetClaims('alice', { name: 'analytics', tenantId: TENANT, clientId: CLIENT }), { subject: 'user:alice:azure:analytics', audience: 'api://AzureADTokenExchange' });
      assert.deepEqual(renderAzureTargetClaims('alice', { name: 'analytics', tenantId: TENANT, clientId: CLIENT, subjectScope: 'target' }), { subject: 'roleport:azure:analytics', audience: 'api://AzureADTokenExchange' });
      assert.throws(() => renderAzureTargetClaims('a'.repeat(600), { name: 'analytics', tenantId: TENANT, clientId: CLIENT }), /600/);
    },
  },
  {
    rule: 'the environment WorkloadIdentityCredential reads',
    source: WORKLOAD_IDENTITY,
    check: () => {
      assert.deepEqual(renderAzureEnvironment({ tenantId: TENANT, clientId: CLIENT, tokenFile: '/run/t' }), {
        AZURE_TENANT_ID: TENANT,
        AZURE_CLIENT_ID: CLIENT,
        AZURE_FEDERATED_TOKEN_FILE: '/run/t',
        AZURE_AUTHORITY_HOST: 'https://login.microsoftonline.com',
      });
    },
  },
];

for (const { rule, source, check } of rules) test(`${rule} (${source})`, check);
