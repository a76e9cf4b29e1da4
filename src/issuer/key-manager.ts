import type { Clock, EventSink, Logger } from '../core/index.ts';
import { RoleportError } from '../core/index.ts';
import type { Sealer } from '../secrets/index.ts';
import type { SigningKeyRepository, SigningKeyRow } from '../store/index.ts';
import { buildIssuerDocuments, type IssuerDocuments } from './documents.ts';
import { planLifecycle, type LifecyclePolicy, type LifecycleStep } from './key-lifecycle.ts';
import { exportPrivateKeyPem, generateSigningKey, importSigningKey, type PublicJwk, type SigningAlgorithm, type SigningKeyMaterial } from './signing-key.ts';

export interface KeyManagerOptions {
  issuer: string;
  keys: SigningKeyRepository;
  /** Runs `work` holding the cluster-wide signing-key lock (one transaction). */
  withKeysLocked: <T>(work: (keys: SigningKeyRepository) => Promise<T>) => Promise<T>;
  sealer: Sealer;
  clock: Clock;
  logger: Logger;
  events: EventSink;
  policy: LifecyclePolicy;
  algorithm: SigningAlgorithm;
  rsaModulusLength: number;
  checkIntervalMs: number;
  extraDiscovery?: Record<string, unknown>;
}

export interface KeySummary {
  kid: string;
  alg: string;
  state: SigningKeyRow['state'];
  createdAt: number;
  activateAfter: number;
  activatedAt: number | null;
  retiredAt: number | null;
  /** When a retired key leaves JWKS. */
  removeAfter: number | null;
}

export interface RotateOptions {
  /** Skip the pre-publication window (a compromised key); verifiers with a cached JWKS may refuse new tokens until their cache expires. */
  immediate?: boolean;
  actor?: string;
}

export interface KeyManager {
  /** Reads the stored keys, advances their lifecycle if due, reloads what changed. */
  refresh(): Promise<void>;
  start(): void;
  stop(): void;
  rotate(options?: RotateOptions): Promise<KeySummary[]>;
  list(): Promise<KeySummary[]>;
  signingKey(): SigningKeyMaterial;
  documents(): IssuerDocuments;
  publishedKeys(): readonly PublicJwk[];
  ready(): boolean;
  /** The rotation policy it follows (pre-publication window, rotation interval), for the pages that explain it. */
  readonly policy: LifecyclePolicy;
}

const sealedKeyAad = (kid: string): string => `signing_keys:${kid}:private_key`;

export function createKeyManager(options: KeyManagerOptions): KeyManager {
  const materials = new Map<string, SigningKeyMaterial>();
  let active: SigningKeyMaterial | undefined;
  let published: PublicJwk[] = [];
  let documents: IssuerDocuments | undefined;
  let fingerprint = '';
  let timer: NodeJS.Timeout | undefined;
  let refreshing: Promise<void> | undefined;

  const summarize = (row: SigningKeyRow): KeySummary => ({
    kid: row.kid,
    alg: row.alg,
    state: row.state,
    createdAt: row.created_at,
    activateAfter: row.activate_after,
    activatedAt: row.activated_at,
    retiredAt: row.retired_at,
    removeAfter: row.retired_at === null ? null : Math.max(row.retired_at + options.policy.retentionMs, row.last_token_expires_at),
  });

  /** `prePublicationMs` counts from the key's creation, after generation and any wait for the lock. */
  const insertKey = async (keys: SigningKeyRepository, state: 'next' | 'active', prePublicationMs: number): Promise<string> => {
    const material = await generateSigningKey({ alg: options.algorithm, rsaModulusLength: options.rsaModulusLength });
    const now = options.clock.now();
    const activateAfter = now + prePublicationMs;
    await keys.insert({
      kid: material.kid,
      alg: material.alg,
      state,
      public_jwk: JSON.stringify(material.publicJwk),
      private_key_sealed: options.sealer.seal(exportPrivateKeyPem(material), sealedKeyAad(material.kid)),
      created_at: now,
      activate_after: activateAfter,
      activated_at: state === 'active' ? now : null,
      retired_at: null,
      last_token_expires_at: 0,
    });
    materials.set(material.kid, material);
    options.events.record({ type: state === 'active' ? 'key.activated' : 'key.created', actor: 'system', occurredAt: now, kid: material.kid, details: { alg: material.alg, activateAfter } });
    return material.kid;
  };

  const applyStep = async (keys: SigningKeyRepository, step: LifecycleStep): Promise<void> => {
    const now = options.clock.now();
    switch (step.kind) {
      case 'create-active':
        await insertKey(keys, 'active', 0);
        return;
      case 'create-next':
        await insertKey(keys, 'next', options.policy.prePublicationMs);
        return;
      case 'activate':
        if (step.retireKid !== undefined && step.retireKid !== step.kid) {
          await keys.retire(step.retireKid, now, now + options.policy.retentionMs);
          options.events.record({ type: 'key.retired', actor: 'system', occurredAt: now, kid: step.retireKid });
        }
        await keys.activate(step.kid, now);
        options.events.record({ type: 'key.activated', actor: 'system', occurredAt: now, kid: step.kid });
        return;
      case 'remove':
        await keys.remove(step.kid);
        materials.delete(step.kid);
        options.events.record({ type: 'key.removed', actor: 'system', occurredAt: now, kid: step.kid });
        return;
    }
  };

  /** Re-plans inside the lock: another replica may have acted since we looked. */
  const advanceLocked = (): Promise<void> =>
    options.withKeysLocked(async (keys) => {
      for (const step of planLifecycle(await keys.list(), options.clock.now(), options.policy)) await applyStep(keys, step);
    });

  const load = async (rows: readonly SigningKeyRow[]): Promise<void> => {
    const nextFingerprint = rows.map((r) => `${r.kid}:${r.state}`).join(',');
    if (nextFingerprint === fingerprint && documents !== undefined) return;
    for (const row of rows) {
      if (!materials.has(row.kid)) {
        const pem = options.sealer.openText(row.private_key_sealed, sealedKeyAad(row.kid));
        materials.set(row.kid, await importSigningKey(pem, row.alg as SigningAlgorithm));
      }
    }
    const activeRow = rows.filter((r) => r.state === 'active').sort((a, b) => (b.activated_at ?? 0) - (a.activated_at ?? 0))[0];
    active = activeRow === undefined ? undefined : materials.get(activeRow.kid);
    published = rows.map((row) => JSON.parse(row.public_jwk) as PublicJwk);
    documents = buildIssuerDocuments({ issuer: options.issuer, publishedKeys: published, extraDiscovery: options.extraDiscovery });
    for (const kid of [...materials.keys()]) if (!rows.some((r) => r.kid === kid)) materials.delete(kid);
    fingerprint = nextFingerprint;
  };

  const refreshOnce = async (): Promise<void> => {
    let rows = await options.keys.list();
    if (planLifecycle(rows, options.clock.now(), options.policy).length > 0) {
      await advanceLocked();
      rows = await options.keys.list();
    }
    await load(rows);
  };

  const refresh = (): Promise<void> => {
    // Coalesce overlapping calls (timer + admin request) into one pass.
    refreshing ??= refreshOnce().finally(() => {
      refreshing = undefined;
    });
    return refreshing;
  };

  return {
    policy: options.policy,
    refresh,
    start() {
      if (timer !== undefined) return;
      timer = setInterval(() => {
        refresh().catch((error: unknown) => options.logger.error({ err: error }, 'signing key refresh failed'));
      }, options.checkIntervalMs);
      timer.unref();
    },
    stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    },
    async rotate(rotateOptions = {}) {
      const now = options.clock.now();
      await options.withKeysLocked(async (keys) => {
        const pending = (await keys.list()).filter((k) => k.state === 'next');
        if (rotateOptions.immediate === true) {
          const kid = pending[0]?.kid ?? (await insertKey(keys, 'next', 0));
          const current = (await keys.list()).find((k) => k.state === 'active');
          await applyStep(keys, { kind: 'activate', kid, retireKid: current?.kid });
        } else if (pending.length === 0) {
          await insertKey(keys, 'next', options.policy.prePublicationMs);
        }
        options.events.record({ type: 'key.rotated', actor: rotateOptions.actor ?? 'cli', occurredAt: now, details: { immediate: rotateOptions.immediate === true } });
      });
      await refresh();
      return this.list();
    },
    async list() {
      return (await options.keys.list()).map(summarize);
    },
    signingKey() {
      if (active === undefined) throw new RoleportError('ERR_KEY_NO_ACTIVE', 'no active signing key is loaded');
      return active;
    },
    documents() {
      if (documents === undefined) throw new RoleportError('ERR_KEY_NO_ACTIVE', 'signing keys are not loaded yet');
      return documents;
    },
    publishedKeys: () => published,
    ready: () => active !== undefined && documents !== undefined,
  };
}
