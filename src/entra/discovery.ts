/**
 * The documents MSAL reads before it posts to the token endpoint. For an authority that is
 * not one of Microsoft's hosts MSAL (msal-common `Authority`) first asks instance discovery
 * — `GET https://login.microsoftonline.com/common/discovery/instance?api-version=1.1&authorization_endpoint=<authority>/oauth2/v2.0/authorize`,
 * on Microsoft's host, unless `knownAuthorities`/`disableInstanceDiscovery` is set — then the
 * tenant's OpenID configuration, `GET <authority>/v2.0/.well-known/openid-configuration`,
 * whose `issuer` must share the authority's scheme, host and port and which must carry
 * `authorization_endpoint`, `token_endpoint`, `issuer` and `jwks_uri`.
 * @see https://learn.microsoft.com/en-us/entra/identity-platform/v2-protocols-oidc#find-your-apps-openid-configuration-document-uri
 */

export function instanceDiscoveryDocument(baseUrl: string) {
  const host = new URL(baseUrl).host;
  return {
    tenant_discovery_endpoint: `${baseUrl}/{tenant}/v2.0/.well-known/openid-configuration`,
    'api-version': '1.1',
    metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
  };
}

export function openIdConfiguration(baseUrl: string, tenant: string) {
  const authority = `${baseUrl}/${tenant}`;
  return {
    token_endpoint: `${authority}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${authority}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: `${authority}/v2.0`,
    authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
    end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
    tenant_region_scope: null,
    cloud_instance_name: new URL(baseUrl).host,
  };
}
