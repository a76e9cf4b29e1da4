/**
 * Microsoft Entra ID's identifiers: tenants (a GUID, or a verified domain such as
 * `contoso.onmicrosoft.com`) and applications / managed identities (the client ID, a GUID).
 * @see https://learn.microsoft.com/en-us/entra/identity-platform/v2-protocols#endpoints
 */

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A DNS name of at least two labels. */
const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

export function isGuid(value: string): boolean {
  return GUID.test(value);
}

export function tenantIdProblem(value: string): string | undefined {
  return isGuid(value) || DOMAIN.test(value) ? undefined : `tenant ${JSON.stringify(value)} must be a tenant ID (a GUID) or a verified domain such as contoso.onmicrosoft.com`;
}

export function clientIdProblem(value: string): string | undefined {
  return isGuid(value) ? undefined : `client ID ${JSON.stringify(value)} must be the application's or managed identity's client ID (a GUID)`;
}
