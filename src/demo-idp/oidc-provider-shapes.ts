import type { IncomingMessage, ServerResponse } from 'node:http';

// oidc-provider ships no type declarations and @types/oidc-provider is not installed, so it is
// imported through a non-literal specifier and described by the few shapes used here.

export interface OidcGrant {
  addOIDCScope(scope: string): void;
  addOIDCClaims(claims: string[]): void;
  addResourceScope(indicator: string, scope: string): void;
  save(): Promise<string>;
}

export interface OidcGrantModel {
  new (init: { accountId: string; clientId: string }): OidcGrant;
  find(id: string): Promise<OidcGrant | undefined>;
}

export interface OidcClient {
  clientId: string;
  grantTypeAllowed(grantType: string): boolean;
}

export interface OidcAccount {
  accountId: string;
  claims(): Promise<Record<string, unknown>>;
}

export interface OidcContext {
  type: string;
  body: unknown;
  oidc: {
    account?: { accountId: string };
    client: OidcClient;
    result?: { consent?: { grantId?: string } };
    session: { grantIdFor(clientId: string): string | undefined };
    requestParamOIDCScopes: Set<string>;
    requestParamClaims: Set<string>;
    provider: OidcProvider;
  };
}

export interface PromptDetails {
  missingOIDCScope?: string[];
  missingOIDCClaims?: string[];
  missingResourceScopes?: Record<string, string[]>;
}

export interface InteractionDetails {
  uid: string;
  prompt: { name: string; details: PromptDetails };
  params: Record<string, unknown>;
  session?: { accountId: string };
  grantId?: string;
}

export type InteractionResult =
  | { login: { accountId: string } }
  | { consent: { grantId?: string } }
  | { error: string; error_description: string };

export interface OidcProvider {
  Grant: OidcGrantModel;
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
  interactionFinished(
    req: IncomingMessage,
    res: ServerResponse,
    result: InteractionResult,
    options?: { mergeWithLastSubmission?: boolean },
  ): Promise<void>;
}

interface OidcProviderModule {
  Provider: new (issuer: string, configuration: Record<string, unknown>) => OidcProvider;
}

const OIDC_PROVIDER_MODULE: string = 'oidc-provider';

export async function loadProviderClass(): Promise<OidcProviderModule['Provider']> {
  return ((await import(OIDC_PROVIDER_MODULE)) as OidcProviderModule).Provider;
}
