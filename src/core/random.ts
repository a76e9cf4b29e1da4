import { randomBytes } from 'node:crypto';

/**
 * Random bytes drawn from a pool the CSPRNG refills. Each `randomBytes` call has a fixed cost
 * (a system call in this VM) that dominates at the sizes hot paths ask for — a 12-byte IV per
 * sealed secret, a 16-byte `jti` per token, three IDs per STS credential — so one 8 KiB call
 * serves hundreds of them. Bytes come from the CSPRNG, are handed out once and are zeroed in
 * the pool as they leave, so they are as good for secrets as a direct call (Node's
 * `crypto.randomUUID()` keeps a buffer the same way); the pool only holds them in memory a
 * little before they are used.
 */
const POOL_SIZE = 8192;
let pool = Buffer.alloc(0);
let poolOffset = 0;

export function pooledRandomBytes(size: number): Buffer {
  if (size > POOL_SIZE) return randomBytes(size);
  if (poolOffset + size > pool.length) {
    pool = randomBytes(POOL_SIZE);
    poolOffset = 0;
  }
  const bytes = Buffer.from(pool.subarray(poolOffset, poolOffset + size));
  pool.fill(0, poolOffset, poolOffset + size);
  poolOffset += size;
  return bytes;
}
