// One private in-memory store per IdP; oidc-provider's built-in one prints a warning per instance.

interface StoredPayload {
  uid?: string;
  userCode?: string;
  grantId?: string;
  consumed?: number;
}

interface StoredEntry {
  payload: StoredPayload;
  expiresAt: number;
}

/** oidc-provider's adapter interface over a Map; everything is lost when the process ends. */
export function createMemoryAdapter(): (model: string) => object {
  const entries = new Map<string, StoredEntry>();
  const read = (key: string): StoredPayload | undefined => {
    const entry = entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      entries.delete(key);
      return undefined;
    }
    return entry.payload;
  };
  const findBy = (model: string, field: 'uid' | 'userCode', value: string): StoredPayload | undefined => {
    for (const key of entries.keys()) {
      if (!key.startsWith(`${model}:`)) continue;
      const payload = read(key);
      if (payload?.[field] === value) return payload;
    }
    return undefined;
  };
  return (model) => ({
    upsert: async (id: string, payload: StoredPayload, expiresIn?: number) => {
      const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : Number.POSITIVE_INFINITY;
      entries.set(`${model}:${id}`, { payload, expiresAt });
    },
    find: async (id: string) => read(`${model}:${id}`),
    findByUid: async (uid: string) => findBy(model, 'uid', uid),
    findByUserCode: async (userCode: string) => findBy(model, 'userCode', userCode),
    consume: async (id: string) => {
      const payload = read(`${model}:${id}`);
      if (payload) payload.consumed = Math.floor(Date.now() / 1000);
    },
    destroy: async (id: string) => {
      entries.delete(`${model}:${id}`);
    },
    revokeByGrantId: async (grantId: string) => {
      for (const [key, entry] of entries) {
        if (entry.payload.grantId === grantId) entries.delete(key);
      }
    },
  });
}
