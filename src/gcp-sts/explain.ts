/**
 * `roleport gcp explain`: why Google's STS would accept or refuse a token for a provider,
 * check by check, worked out offline with the same steps as the local Google STS
 * (subject-token.ts) — except the signature, which needs the issuer's keys — and, with a
 * service account, whether the mapped principal may impersonate it.
 */
import type { GcpProvider, GcpServiceAccount } from './registry.ts';
import type { CelEvaluator } from './cel.ts';
import { GOOGLE_MESSAGES } from './errors.ts';
import { principalsOf } from './impersonation.ts';
import { evaluateSubjectToken, type FederatedIdentity, type GcpCheck } from './subject-token.ts';

export interface GcpExplainOptions {
  provider: GcpProvider;
  token: string | { claims: Record<string, unknown> };
  /** Epoch milliseconds. */
  now: number;
  /** With the service account's registration: also explain `generateAccessToken`. */
  serviceAccount?: { email: string; account: GcpServiceAccount | undefined } | undefined;
}

export interface GcpExplainResult {
  decision: 'allow' | 'deny';
  provider: string;
  checks: GcpCheck[];
  identity: FederatedIdentity | null;
  principals: string[];
  impersonation: { service_account: string; decision: 'allow' | 'deny'; member: string | null; message: string } | null;
  /** What Google would answer: the STS's error, or the IAM Credentials API's. */
  google: { outcome: 'success' } | { outcome: 'error'; endpoint: 'sts' | 'iamcredentials'; status: number; error: string; error_description: string };
  notes: string[];
}

export async function explainGcpToken(cel: CelEvaluator, options: GcpExplainOptions): Promise<GcpExplainResult> {
  const evaluation = await evaluateSubjectToken({ provider: options.provider, token: options.token, nowSeconds: Math.floor(options.now / 1000), cel, stopAtFirstFailure: false });
  const notes = ['the signature is not verified: explain has no keys (the local Google STS fetches them from the issuer)'];
  const identity = evaluation.refusal === undefined ? (evaluation.identity ?? null) : null;
  const principals = identity === null ? [] : principalsOf({ poolName: options.provider.name.poolName, ...identity });
  let impersonation: GcpExplainResult['impersonation'] = null;
  if (options.serviceAccount !== undefined && identity !== null) {
    const account = options.serviceAccount.account;
    const member = account?.members.find((item) => principals.includes(item)) ?? null;
    impersonation = {
      service_account: options.serviceAccount.email,
      decision: member === null ? 'deny' : 'allow',
      member,
      message: account === undefined ? `${options.serviceAccount.email} is not registered` : member === null ? `no member of ${options.serviceAccount.email} (${account.members.join(', ')}) names this principal` : `granted by ${member}`,
    };
  }
  let google: GcpExplainResult['google'] = { outcome: 'success' };
  if (evaluation.refusal !== undefined) {
    google = { outcome: 'error', endpoint: 'sts', status: 400, error: evaluation.refusal.oauthError, error_description: evaluation.refusal.message };
  } else if (impersonation?.decision === 'deny') {
    google = { outcome: 'error', endpoint: 'iamcredentials', status: 403, error: 'PERMISSION_DENIED', error_description: GOOGLE_MESSAGES.permissionDenied };
  }
  return {
    decision: google.outcome === 'success' ? 'allow' : 'deny',
    provider: options.provider.name.name,
    checks: evaluation.checks,
    identity,
    principals,
    impersonation,
    google,
    notes,
  };
}

const MARKS: Record<GcpCheck['status'], string> = { pass: '✓', fail: '✗', skip: '-' };

export function formatGcpExplanation(result: GcpExplainResult): string {
  const lines = [`Provider ${result.provider}: ${result.decision.toUpperCase()}`, '', 'STS checks:'];
  for (const check of result.checks) lines.push(`  ${MARKS[check.status]} ${check.name}: ${check.message}`);
  if (result.identity !== null) {
    lines.push('', `Principal: google.subject ${JSON.stringify(result.identity.subject)}`);
    for (const principal of result.principals) lines.push(`  ${principal}`);
  }
  if (result.impersonation !== null) lines.push('', `Impersonate ${result.impersonation.service_account}: ${result.impersonation.decision} (${result.impersonation.message})`);
  lines.push('', result.google.outcome === 'success' ? 'Google would answer: an access token (signature not verified: explain has no keys)' : `Google would answer: ${result.google.status} ${result.google.error}: ${result.google.error_description}`);
  for (const note of result.notes) lines.push(`note: ${note}`);
  return lines.join('\n');
}
