/**
 * A federated identity credential on an Entra application or user-assigned managed identity:
 * Entra exchanges an external token for an access token when its `iss`, `sub` and `aud`
 * equal the credential's issuer, subject and audience exactly (case-sensitive).
 * @see https://learn.microsoft.com/en-us/graph/api/resources/federatedidentitycredential
 * @see https://learn.microsoft.com/en-us/entra/workload-id/workload-identity-federation-considerations
 */

/** The audience Entra recommends: "This value represents Microsoft Entra ID in your external identity provider". */
export const TOKEN_EXCHANGE_AUDIENCE = 'api://AzureADTokenExchange';
export const MAX_FEDERATED_CREDENTIALS = 20;
export const MAX_ISSUER_LENGTH = 600;
export const MAX_SUBJECT_LENGTH = 600;
export const MAX_AUDIENCE_LENGTH = 600;
export const MAX_DESCRIPTION_LENGTH = 600;
export const MAX_NAME_LENGTH = 120;
/**
 * "Limit of 120 characters and must be URL friendly". Managed identities add: 3-120
 * characters of letters, digits, `-` and `_`, starting with a letter or digit; the stricter
 * rule is used for both.
 */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{2,119}$/;

export interface FederatedCredentialInput {
  name: string;
  issuer: string;
  subject: string;
  /** Exactly one value. */
  audiences: readonly string[];
  description?: string | undefined;
}

/** Why a federated identity credential breaks Entra's rules, or undefined. */
export function federatedCredentialProblem(input: FederatedCredentialInput, options: { allowHttpIssuer: boolean }): string | undefined {
  if (!NAME.test(input.name)) return `name ${JSON.stringify(input.name)} must be 3-${MAX_NAME_LENGTH} characters of letters, digits, - and _, starting with a letter or digit`;
  if (input.issuer.length === 0 || input.issuer.length > MAX_ISSUER_LENGTH) return `issuer must be 1-${MAX_ISSUER_LENGTH} characters`;
  let url: URL | undefined;
  try {
    url = new URL(input.issuer);
  } catch {
    url = undefined;
  }
  if (url === undefined || !(url.protocol === 'https:' || (options.allowHttpIssuer && url.protocol === 'http:'))) return `issuer ${JSON.stringify(input.issuer)} must be an https URL`;
  if (input.subject.length === 0 || input.subject.length > MAX_SUBJECT_LENGTH) return `subject must be 1-${MAX_SUBJECT_LENGTH} characters`;
  if (/[*?]/.test(input.subject)) return `subject ${JSON.stringify(input.subject)}: Entra matches the subject exactly; wildcards are not supported`;
  if (input.audiences.length !== 1) return 'a federated identity credential takes exactly one audience';
  const audience = input.audiences[0] as string;
  if (audience.length === 0 || audience.length > MAX_AUDIENCE_LENGTH) return `audience must be 1-${MAX_AUDIENCE_LENGTH} characters`;
  if (input.description !== undefined && input.description.length > MAX_DESCRIPTION_LENGTH) return `description must be at most ${MAX_DESCRIPTION_LENGTH} characters`;
  return undefined;
}

/**
 * Why adding `input` to an application's credentials breaks Entra's per-application rules:
 * at most 20, and issuer + subject unique. `existing` excludes a credential being replaced.
 */
export function federatedCredentialSetProblem(existing: readonly { name: string; issuer: string; subject: string }[], input: { name: string; issuer: string; subject: string }): string | undefined {
  const others = existing.filter((credential) => credential.name !== input.name);
  if (others.length + 1 > MAX_FEDERATED_CREDENTIALS) return `an application takes at most ${MAX_FEDERATED_CREDENTIALS} federated identity credentials`;
  const clash = others.find((credential) => credential.issuer === input.issuer && credential.subject === input.subject);
  return clash === undefined ? undefined : `credential ${clash.name} already has this issuer and subject: the combination must be unique within the application`;
}
