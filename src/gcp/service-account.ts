/**
 * Service account emails and the IAM Service Account Credentials API path that impersonates
 * one (`generateAccessToken`).
 * @see https://cloud.google.com/iam/docs/service-accounts-create (account ID: 6-30 characters)
 * @see https://cloud.google.com/resource-manager/docs/creating-managing-projects (project ID: 6-30 characters)
 * @see https://cloud.google.com/iam/docs/reference/credentials/rest/v1/projects.serviceAccounts/generateAccessToken
 */

/** `[a-z]`, then 4-28 of `[a-z0-9-]`, then `[a-z0-9]`: 6-30 characters. */
const ACCOUNT_ID = /^[a-z][-a-z0-9]{4,28}[a-z0-9]$/;
const PROJECT_ID = /^[a-z][-a-z0-9]{4,28}[a-z0-9]$/;
const DOMAIN = '.iam.gserviceaccount.com';

export interface ServiceAccountEmail {
  readonly email: string;
  readonly accountId: string;
  readonly projectId: string;
}

/** A user-managed service account's email, `ACCOUNT_ID@PROJECT_ID.iam.gserviceaccount.com`. */
export function parseServiceAccountEmail(value: string): ServiceAccountEmail | undefined {
  const at = value.indexOf('@');
  if (at < 0 || !value.endsWith(DOMAIN)) return undefined;
  const accountId = value.slice(0, at);
  const projectId = value.slice(at + 1, value.length - DOMAIN.length);
  if (!ACCOUNT_ID.test(accountId) || !PROJECT_ID.test(projectId)) return undefined;
  return { email: value, accountId, projectId };
}

export function serviceAccountEmailProblem(value: string): string | undefined {
  return parseServiceAccountEmail(value) === undefined
    ? `${JSON.stringify(value)} is not a service account email (ACCOUNT_ID@PROJECT_ID.iam.gserviceaccount.com; account and project IDs 6-30 characters of a-z, 0-9 and -, starting with a letter)`
    : undefined;
}

/** The IAM Service Account Credentials API's own host. */
export const IAM_CREDENTIALS_URL = 'https://iamcredentials.googleapis.com';

/** `/v1/projects/-/serviceAccounts/EMAIL:generateAccessToken`: `-` lets the project be inferred from the email. */
export function generateAccessTokenPath(email: string): string {
  return `/v1/projects/-/serviceAccounts/${email}:generateAccessToken`;
}

/** The `service_account_impersonation_url` of an external account configuration. */
export function serviceAccountImpersonationUrl(email: string, base: string = IAM_CREDENTIALS_URL): string {
  return `${base.replace(/\/+$/, '')}${generateAccessTokenPath(email)}`;
}

/** `lifetime` of `generateAccessToken`: `"<seconds>s"`, at most an hour unless an organization policy allows 12. */
export const IMPERSONATION_DEFAULT_LIFETIME_SECONDS = 3600;
export const IMPERSONATION_MAX_LIFETIME_SECONDS = 3600;
export const IMPERSONATION_EXTENDED_MAX_LIFETIME_SECONDS = 43200;

/** The role that lets a federated principal impersonate a service account. */
export const WORKLOAD_IDENTITY_USER_ROLE = 'roles/iam.workloadIdentityUser';
