/**
 * Entra's token endpoint error shape: OAuth JSON with the AADSTS code first in
 * `error_description`, `error_codes`, trace and correlation IDs, a timestamp and an
 * `error_uri` — what MSAL parses into its errors.
 * @see https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes
 */
import { randomUUID } from 'node:crypto';
import { RoleportError } from '../core/index.ts';
import { AADSTS, type AadstsReason } from '../azure/index.ts';

export class EntraError extends RoleportError {
  readonly reason: AadstsReason;
  readonly aadsts: number;
  readonly oauthError: string;
  constructor(reason: AadstsReason, description: string, options: { detail?: string } = {}) {
    const { code, error } = AADSTS[reason];
    super('ERR_ENTRA_REFUSED', `AADSTS${code}: ${description}`, { status: error === 'invalid_client' ? 401 : 400, ...(options.detail === undefined ? {} : { detail: options.detail }) });
    this.name = 'EntraError';
    this.reason = reason;
    this.aadsts = code;
    this.oauthError = error;
  }
}

export interface EntraResponse {
  status: number;
  headers?: Record<string, string>;
  body: Record<string, unknown>;
}

export function renderEntraError(error: EntraError, now: number): EntraResponse {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = new Date(now).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  return {
    status: error.status,
    body: {
      error: error.oauthError,
      error_description: `${error.message} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [error.aadsts],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${error.aadsts}`,
    },
  };
}

/** "Please check …": Entra's advice after every no-matching-record error. */
export const CHECK_CREDENTIAL =
  'Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation';
