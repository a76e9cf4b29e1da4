import type { SigningKeyRow } from '../store/index.ts';

/**
 * The signing-key lifecycle as a pure plan: given the stored keys and the time, what must
 * change. `next` (published, not signing, for at least the JWKS cache time) → `active`
 * (signs) → `retired` (published until every token it signed has expired) → removed.
 */
export interface LifecyclePolicy {
  /** Rotate when the active key is this old; 0 disables scheduled rotation. */
  rotationIntervalMs: number;
  /** How long a next key is published before it may sign (≥ JWKS cache time). */
  prePublicationMs: number;
  /** Longest token lifetime plus clock skew: how long a retired key must stay published. */
  retentionMs: number;
}

export type LifecycleStep =
  | { kind: 'create-active' }
  | { kind: 'create-next'; activateAfter: number }
  | { kind: 'activate'; kid: string; retireKid: string | undefined }
  | { kind: 'remove'; kid: string };

export function planLifecycle(keys: readonly SigningKeyRow[], now: number, policy: LifecyclePolicy): LifecycleStep[] {
  const steps: LifecycleStep[] = [];
  const active = keys.filter((k) => k.state === 'active').sort((a, b) => (b.activated_at ?? 0) - (a.activated_at ?? 0));
  const next = keys.filter((k) => k.state === 'next').sort((a, b) => a.activate_after - b.activate_after);
  const current = active[0];

  const due = next.find((k) => k.activate_after <= now);
  if (current === undefined && due === undefined) {
    // First start, or every key lost: nothing can have been signed yet by a new key, so it
    // may sign at once. A pending next key is left to its own schedule.
    if (next.length === 0) steps.push({ kind: 'create-active' });
    else steps.push({ kind: 'activate', kid: next[0]!.kid, retireKid: undefined });
  } else if (due !== undefined) {
    steps.push({ kind: 'activate', kid: due.kid, retireKid: current?.kid });
  } else if (current !== undefined && next.length === 0 && policy.rotationIntervalMs > 0) {
    if ((current.activated_at ?? current.created_at) + policy.rotationIntervalMs <= now) {
      steps.push({ kind: 'create-next', activateAfter: now + policy.prePublicationMs });
    }
  }
  // Extra active keys (should never happen: activation runs under a lock) are retired too.
  for (const extra of active.slice(1)) steps.push({ kind: 'activate', kid: current!.kid, retireKid: extra.kid });
  for (const key of keys) {
    if (key.state === 'retired' && (key.retired_at ?? 0) + policy.retentionMs <= now && key.last_token_expires_at <= now) {
      steps.push({ kind: 'remove', kid: key.kid });
    }
  }
  return steps;
}
