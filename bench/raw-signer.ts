import { generateKeyPairSync, sign } from 'node:crypto';
import { benchInput } from './processes.ts';

/**
 * The reference of the token-endpoint benchmark, in a process of its own: `crypto.sign` of a
 * signing input of the given size with a fresh key of the algorithm's kind (RSA-2048 or
 * P-256) in a tight loop — what one core can sign. The key object is passed as it is (for
 * P-256 the signature comes out in DER): the fastest call there is, so the reference is
 * never flattered by Node's slower options-object path.
 * Says `{ type: 'ready' }`, then answers each `{ durationMs }` with `{ type: 'result', rate }`.
 */
export interface RawSignerInput {
  alg: 'RS256' | 'ES256';
  signingInputBytes: number;
}

const input = benchInput<RawSignerInput>();
const { privateKey } = input.alg === 'RS256' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signingInput = Buffer.alloc(input.signingInputBytes, 'e');

function signFor(durationMs: number): number {
  const started = performance.now();
  let operations = 0;
  while (performance.now() - started < durationMs) {
    for (let i = 0; i < 8; i++) sign('sha256', signingInput, privateKey);
    operations += 8;
  }
  return operations / ((performance.now() - started) / 1000);
}

signFor(300); // warm-up
process.send!({ type: 'ready' });
process.on('message', (message: { durationMs: number } | 'close') => {
  if (message === 'close') process.exit(0);
  else process.send!({ type: 'result', rate: signFor(message.durationMs) });
});
