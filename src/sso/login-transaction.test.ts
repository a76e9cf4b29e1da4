import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { ManualClock, isRoleportError } from '../core/index.ts';
import { createSealer } from '../secrets/index.ts';
import { LOGIN_TRANSACTION_TTL_SECONDS, openLoginTransaction, safeReturnTo, sealLoginTransaction } from './login-transaction.ts';

describe('login transaction cookie', () => {
  const sealer = createSealer(randomBytes(32));
  const clock = new ManualClock();
  const transaction = { state: 's', nonce: 'n', codeVerifier: 'v', returnTo: '/x', expiresAt: clock.now() + LOGIN_TRANSACTION_TTL_SECONDS * 1000 };
  const isStateError = (error: unknown): boolean => isRoleportError(error) && error.code === 'ERR_SSO_STATE';

  it('round-trips sealed, hiding the verifier', () => {
    const sealed = sealLoginTransaction(sealer, transaction);
    assert.ok(!sealed.includes('"v"'));
    assert.deepEqual(openLoginTransaction(sealer, clock, sealed), transaction);
  });

  it('refuses a missing, tampered, foreign or expired cookie', () => {
    const sealed = sealLoginTransaction(sealer, transaction);
    assert.throws(() => openLoginTransaction(sealer, clock, undefined), isStateError);
    assert.throws(() => openLoginTransaction(sealer, clock, `${sealed.slice(0, -3)}AAA`), isStateError);
    assert.throws(() => openLoginTransaction(createSealer(randomBytes(32)), clock, sealed), (error: unknown) => isRoleportError(error));
    assert.throws(() => openLoginTransaction(sealer, clock, sealer.seal(JSON.stringify(transaction), 'another:purpose')), isStateError);
    const later = new ManualClock(clock.now());
    later.advance(LOGIN_TRANSACTION_TTL_SECONDS * 1000);
    assert.throws(() => openLoginTransaction(sealer, later, sealed), (error: unknown) => isStateError(error) && /10 minutes/.test((error as Error).message));
  });
});

describe('safeReturnTo', () => {
  for (const [input, expected] of [
    [undefined, '/'],
    ['/', '/'],
    ['/sessions?role=a', '/sessions?role=a'],
    ['//evil.example', '/'],
    ['/\\evil.example', '/'],
    ['https://evil.example/', '/'],
    ['javascript:alert(1)', '/'],
    ['/a\nb', '/'],
    ['/a\tb', '/'],
    ['/\u0000x', '/'],
    ['/\u007fx', '/'],
    ['/。evil', '/%E3%80%82evil'],
    ['/\u202eevil', '/%E2%80%AEevil'],
    ['/.//evil.example', '/'],
    ['/a/../..//evil.example', '/'],
    ['/%2F%2Fevil.example', '/%2F%2Fevil.example'],
    ['/../sessions', '/sessions'],
    ['evil', '/'],
    ['', '/'],
    [`/${'a'.repeat(1024)}`, '/'],
  ] as const) {
    it(`${JSON.stringify(input)} → ${expected}`, () => assert.equal(safeReturnTo(input), expected));
  }
});
