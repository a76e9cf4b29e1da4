/**
 * `roleport azure explain`: why Entra would accept or refuse a token as a client assertion
 * for an application, check by check, offline, with the same steps as the local token
 * endpoint (assertion.ts) — except the signature, which needs the issuer's keys.
 */
import { evaluateAssertion, type EntraCheck } from './assertion.ts';
import type { EntraFederatedCredential } from './registry.ts';

export interface EntraExplainResult {
  decision: 'allow' | 'deny';
  client_id: string;
  checks: EntraCheck[];
  credential: string | null;
  entra: { outcome: 'success' } | { outcome: 'error'; status: number; error: string; aadsts: number; error_description: string };
  notes: string[];
}

export async function explainEntraAssertion(options: { clientId: string; credentials: readonly EntraFederatedCredential[]; token: string | { claims: Record<string, unknown> }; now: number }): Promise<EntraExplainResult> {
  const notes = ['the signature is not verified: explain has no keys (the local Entra endpoint fetches them from the issuer)'];
  if (options.credentials.length === 0) notes.push(`no federated identity credential is registered for client ID ${options.clientId}: Entra answers AADSTS700016`);
  const evaluation = await evaluateAssertion({ credentials: options.credentials, token: options.token, nowSeconds: Math.floor(options.now / 1000), stopAtFirstFailure: false });
  const refusal = evaluation.refusal;
  return {
    decision: refusal === undefined ? 'allow' : 'deny',
    client_id: options.clientId,
    checks: evaluation.checks,
    credential: evaluation.credential?.name ?? null,
    entra: refusal === undefined ? { outcome: 'success' } : { outcome: 'error', status: refusal.status, error: refusal.oauthError, aadsts: refusal.aadsts, error_description: refusal.message },
    notes,
  };
}

const MARKS: Record<EntraCheck['status'], string> = { pass: '✓', fail: '✗', skip: '-' };

export function formatEntraExplanation(result: EntraExplainResult): string {
  const lines = [`Client ID ${result.client_id}: ${result.decision.toUpperCase()}`, '', 'Entra checks:'];
  for (const check of result.checks) lines.push(`  ${MARKS[check.status]} ${check.name}: ${check.message}`);
  if (result.credential !== null) lines.push('', `Matched federated identity credential: ${result.credential}`);
  lines.push('', result.entra.outcome === 'success' ? 'Entra would answer: an access token (signature not verified: explain has no keys)' : `Entra would answer: ${result.entra.status} ${result.entra.error}: ${result.entra.error_description}`);
  for (const note of result.notes) lines.push(`note: ${note}`);
  return lines.join('\n');
}
