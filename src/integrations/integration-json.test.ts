import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatWireTime, parseIntegrationCreate, parseIntegrationPatch, toConfigJson } from './integration-json.ts';
import type { Integration } from './types.ts';

const ROLE = 'arn:aws:iam::123456789012:role/Reports';
const defaults = { stsRegion: 'us-east-1' };

const viewerConfig = {
  auth_type: 'Viewer',
  client_id: 'rp',
  client_secret: 's3cret',
  authorization_uri: 'https://idp.example.com/authorize',
  token_uri: 'https://idp.example.com/token',
  role_arn: ROLE,
};

function integrationOf(input: ReturnType<typeof parseIntegrationCreate>): Integration {
  return { guid: 'g', name: input.name, description: input.description, template: 'aws', config: input.config, hasClientSecret: typeof input.clientSecret === 'string', createdAt: 0, createdBy: 't', updatedAt: 0 };
}

describe('integration bodies in the publishing server\'s shape', () => {
  test('a Service Account gets the defaults: region, one hour, no OAuth settings', () => {
    const input = parseIntegrationCreate({ template: 'aws', name: 'sa', config: { auth_type: 'Service Account', role_arn: ROLE } }, defaults);
    assert.deepEqual(input.config, { authType: 'Service Account', roleArn: ROLE, stsRegion: 'us-east-1', sessionDuration: 3600 });
    assert.equal(input.description, '');
    assert.equal(input.clientSecret, undefined);
  });

  test('a Viewer gets Confidential, client_secret_basic, openid offline_access and PKCE by default; the secret is kept apart', () => {
    const input = parseIntegrationCreate({ template: 'aws', name: 'v', config: viewerConfig }, defaults);
    assert.deepEqual(input.config.oauth, {
      authMode: 'Confidential',
      clientId: 'rp',
      authorizationUri: 'https://idp.example.com/authorize',
      tokenUri: 'https://idp.example.com/token',
      tokenEndpointAuthMethod: 'client_secret_basic',
      scopes: 'openid offline_access',
      usePkce: true,
    });
    assert.equal(input.clientSecret, 's3cret');
    assert.equal(JSON.stringify(input.config).includes('s3cret'), false);
    assert.equal('client_secret' in toConfigJson(input.config), false);
  });

  test('scopes may come as an array; duplicates go', () => {
    const input = parseIntegrationCreate({ template: 'aws', name: 'v', config: { ...viewerConfig, scopes: ['openid', 'offline_access', 'openid', 'email'] } }, defaults);
    assert.equal(input.config.oauth?.scopes, 'openid offline_access email');
  });

  test('PATCH: given fields replace, null clears, an absent secret is kept', () => {
    const current = integrationOf(parseIntegrationCreate({ template: 'aws', name: 'v', config: { ...viewerConfig, audience: 'api://x' } }, defaults));
    const patched = parseIntegrationPatch(current, { description: 'new', config: { session_duration: 7200, audience: null } }, defaults);
    assert.equal(patched.description, 'new');
    assert.equal(patched.config.sessionDuration, 7200);
    assert.equal(patched.config.audience, undefined);
    assert.equal(patched.config.oauth?.clientId, 'rp');
    assert.equal(patched.clientSecret, undefined, 'undefined = keep the stored secret');
  });

  test('PATCH: switching to Service Account drops the OAuth settings and clears the secret', () => {
    const current = integrationOf(parseIntegrationCreate({ template: 'aws', name: 'v', config: viewerConfig }, defaults));
    const patched = parseIntegrationPatch(current, { config: { auth_type: 'Service Account' } }, defaults);
    assert.equal(patched.config.oauth, undefined);
    assert.equal(patched.clientSecret, null);
  });

  test('PATCH: clearing the secret of a Confidential integration is refused', () => {
    const current = integrationOf(parseIntegrationCreate({ template: 'aws', name: 'v', config: viewerConfig }, defaults));
    assert.throws(() => parseIntegrationPatch(current, { config: { client_secret: null } }, defaults), /config.client_secret is required for a Confidential integration/);
  });

  test('wire times are %Y-%m-%dT%H:%M:%SZ, without milliseconds', () => {
    assert.equal(formatWireTime(Date.parse('2026-03-04T05:06:07.890Z')), '2026-03-04T05:06:07Z');
  });
});
