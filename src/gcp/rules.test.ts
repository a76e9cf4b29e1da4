import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  acceptedAudiences,
  allowedAudiencesProblem,
  attributeConditionProblem,
  attributeMappingProblem,
  issuerUriProblem,
  mappedAttributesProblem,
  parseProviderName,
  parseServiceAccountEmail,
  principalSetForAttribute,
  providerName,
  renderExternalAccountConfig,
  renderGcpTargetClaims,
  serviceAccountImpersonationUrl,
  workloadIdentityIdProblem,
} from './index.ts';

const PROVIDERS = 'https://cloud.google.com/iam/docs/reference/rest/v1/projects.locations.workloadIdentityPools.providers';
const POOLS = 'https://cloud.google.com/iam/docs/reference/rest/v1/projects.locations.workloadIdentityPools/create';
const STS = 'https://cloud.google.com/iam/docs/reference/sts/rest/v1/TopLevel/token';
const SA = 'https://cloud.google.com/iam/docs/service-accounts-create';
const PRINCIPALS = 'https://cloud.google.com/iam/docs/principal-identifiers';
const EXTERNAL_ACCOUNT = 'https://google.aip.dev/auth/4117';
const NAME = 'projects/123456789012/locations/global/workloadIdentityPools/roleport/providers/broker';

/** Each rule of src/gcp, its source, and cases that pin it. */
const rules: { rule: string; source: string; check: () => void }[] = [
  {
    rule: 'pool and provider IDs: 4-32 of [a-z0-9-], gcp- reserved',
    source: POOLS,
    check: () => {
      assert.equal(workloadIdentityIdProblem('pool', 'abcd'), undefined);
      assert.equal(workloadIdentityIdProblem('pool', 'a'.repeat(32)), undefined);
      assert.match(workloadIdentityIdProblem('pool', 'abc') ?? '', /4-32/);
      assert.match(workloadIdentityIdProblem('pool', 'a'.repeat(33)) ?? '', /4-32/);
      assert.match(workloadIdentityIdProblem('provider', 'Upper') ?? '', /a-z/);
      assert.match(workloadIdentityIdProblem('provider', 'gcp-mine') ?? '', /reserved/);
    },
  },
  {
    rule: 'a provider resource name and its two audience forms',
    source: PROVIDERS,
    check: () => {
      for (const form of [NAME, `//iam.googleapis.com/${NAME}`, `https://iam.googleapis.com/${NAME}`]) assert.equal(parseProviderName(form)?.name, NAME, form);
      const provider = parseProviderName(NAME)!;
      assert.equal(provider.audience, `//iam.googleapis.com/${NAME}`);
      assert.equal(provider.httpsAudience, `https://iam.googleapis.com/${NAME}`);
      assert.equal(parseProviderName(NAME.replace('123456789012', 'my-project')), undefined, 'the project is named by number');
      assert.equal(parseProviderName(NAME.replace('global', 'us-east1')), undefined, 'pools are global');
      assert.equal(parseProviderName(`${NAME}/extra`), undefined);
    },
  },
  {
    rule: 'no allowed audiences: the provider name with or without https:; else the list (at most 10, 256 characters each)',
    source: `${PROVIDERS}#oidc`,
    check: () => {
      const provider = providerName('1', 'pool', 'prov');
      assert.deepEqual(acceptedAudiences(provider, []), [provider.audience, provider.httpsAudience]);
      assert.deepEqual(acceptedAudiences(provider, ['x']), ['x']);
      assert.equal(allowedAudiencesProblem(Array.from({ length: 10 }, (_, i) => `a${i}`)), undefined);
      assert.match(allowedAudiencesProblem(Array.from({ length: 11 }, (_, i) => `a${i}`)) ?? '', /at most 10/);
      assert.match(allowedAudiencesProblem(['a'.repeat(257)]) ?? '', /256/);
    },
  },
  {
    rule: 'issuer URI: https (http only for the local counterpart)',
    source: `${PROVIDERS}#oidc`,
    check: () => {
      assert.equal(issuerUriProblem('https://broker.example.com', { allowHttp: false }), undefined);
      assert.match(issuerUriProblem('http://127.0.0.1:8080', { allowHttp: false }) ?? '', /https/);
      assert.equal(issuerUriProblem('http://127.0.0.1:8080', { allowHttp: true }), undefined);
      assert.match(issuerUriProblem('https://a.example?x=1', { allowHttp: false }) ?? '', /query/);
    },
  },
  {
    rule: 'attribute mapping: google.subject required; google.* keys or attribute.[a-z0-9_]{1,100}; at most 50 custom; expressions ≤ 2048',
    source: `${PROVIDERS} (attributeMapping)`,
    check: () => {
      assert.equal(attributeMappingProblem({ 'google.subject': 'assertion.sub', 'attribute.target': 'assertion.t' }), undefined);
      assert.match(attributeMappingProblem({ 'attribute.x': 'assertion.x' }) ?? '', /google\.subject/);
      assert.match(attributeMappingProblem({ 'google.subject': 'assertion.sub', 'attribute.Bad': 'x' }) ?? '', /attribute\.NAME/);
      assert.match(attributeMappingProblem({ 'google.subject': 'assertion.sub', 'google.other': 'x' }) ?? '', /expected/);
      const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`attribute.a${i}`, 'assertion.sub']));
      assert.match(attributeMappingProblem({ 'google.subject': 'assertion.sub', ...many }) ?? '', /at most 50/);
      assert.match(attributeMappingProblem({ 'google.subject': 'x'.repeat(2049) }) ?? '', /2048/);
    },
  },
  {
    rule: 'attribute condition ≤ 4096 characters',
    source: `${PROVIDERS} (attributeCondition)`,
    check: () => {
      assert.equal(attributeConditionProblem('true'), undefined);
      assert.match(attributeConditionProblem('x'.repeat(4097)) ?? '', /4096/);
    },
  },
  {
    rule: 'mapped google.subject ≤ 127 bytes; all mapped attributes ≤ 8 KB',
    source: `${PROVIDERS} (attributeMapping)`,
    check: () => {
      assert.equal(mappedAttributesProblem({ 'google.subject': 'a'.repeat(127) }), undefined);
      assert.match(mappedAttributesProblem({ 'google.subject': 'é'.repeat(64) }) ?? '', /127 bytes/);
      assert.match(mappedAttributesProblem({ 'google.subject': 's', 'attribute.big': 'x'.repeat(8200) }) ?? '', /8 KB/);
    },
  },
  {
    rule: 'service account emails: ACCOUNT_ID@PROJECT_ID.iam.gserviceaccount.com, IDs of 6-30 characters',
    source: SA,
    check: () => {
      assert.deepEqual(parseServiceAccountEmail('deployer@my-project.iam.gserviceaccount.com'), { email: 'deployer@my-project.iam.gserviceaccount.com', accountId: 'deployer', projectId: 'my-project' });
      assert.equal(parseServiceAccountEmail('short@my-project.iam.gserviceaccount.com'), undefined);
      assert.equal(parseServiceAccountEmail('deployer@my-project.example.com'), undefined);
      assert.equal(parseServiceAccountEmail('1deployer@my-project.iam.gserviceaccount.com'), undefined);
    },
  },
  {
    rule: 'impersonation: POST …/v1/projects/-/serviceAccounts/EMAIL:generateAccessToken',
    source: 'https://cloud.google.com/iam/docs/reference/credentials/rest/v1/projects.serviceAccounts/generateAccessToken',
    check: () => {
      assert.equal(serviceAccountImpersonationUrl('a-robot@p-roject.iam.gserviceaccount.com'), 'https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/a-robot@p-roject.iam.gserviceaccount.com:generateAccessToken');
    },
  },
  {
    rule: 'principal sets by attribute: principalSet://iam.googleapis.com/<pool>/attribute.NAME/VALUE',
    source: PRINCIPALS,
    check: () => {
      assert.equal(principalSetForAttribute('projects/1/locations/global/workloadIdentityPools/pool', 'target', 't'), 'principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/pool/attribute.target/t');
    },
  },
  {
    rule: 'the STS subject token is a JWT: external_account with subject_token_type jwt and a text token file',
    source: `${EXTERNAL_ACCOUNT}; ${STS}`,
    check: () => {
      const config = renderExternalAccountConfig({ provider: parseProviderName(NAME)!, tokenFile: '/run/t' });
      assert.equal(config.subject_token_type, 'urn:ietf:params:oauth:token-type:jwt');
      assert.equal(config.token_url, 'https://sts.googleapis.com/v1/token');
      assert.deepEqual(config.credential_source, { file: '/run/t', format: { type: 'text' } });
      assert.equal(config.service_account_impersonation_url, undefined);
    },
  },
  {
    rule: 'a target token: aud the provider, sub user:<u>:gcp:<target> within 127 bytes',
    source: `${PROVIDERS} (attributeMapping: google.subject)`,
    check: () => {
      const claims = renderGcpTargetClaims('alice', { name: 'analytics', provider: NAME });
      assert.equal(claims.subject, 'user:alice:gcp:analytics');
      assert.equal(claims.audience, `//iam.googleapis.com/${NAME}`);
      assert.deepEqual(claims.claims, { roleport_target: 'analytics' });
      assert.throws(() => renderGcpTargetClaims('a'.repeat(120), { name: 'analytics', provider: NAME }), /127 bytes/);
      assert.throws(() => renderGcpTargetClaims('alice', { name: 'Bad Name', provider: NAME }), /target name/);
    },
  },
];

for (const { rule, source, check } of rules) test(`${rule} (${source})`, check);
