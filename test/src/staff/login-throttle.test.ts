// The sign-in throttle with a fake clock and the in-memory store: pair blocks,
// the account and address slow-downs (spacing, doubling, the hold limit),
// trusted devices, memory bounds. The same rules over PostgreSQL, shared by
// replicas: login-throttle-postgres.test.ts.
import { describe, expect, it } from 'vitest';
import {
  LoginThrottle,
  slowDownDelayMs,
  slowDownNextMs,
  windowRetryAfterMs,
  type LoginThrottleRules,
  type SignInAttempt,
} from '../../../src/staff/login-throttle.js';
import { MemoryLoginFailureStore } from '../../../src/staff/memory-login-failure-store.js';

const RULES: LoginThrottleRules = {
  pair: { maxFailures: 3, windowMs: 60_000 },
  account: { freeFailures: 3, windowMs: 60_000, baseDelayMs: 1_000, maxDelayMs: 8_000 },
  address: { freeFailures: 5, windowMs: 60_000, baseDelayMs: 1_000, maxDelayMs: 8_000 },
  device: { maxFailures: 2, windowMs: 60_000 },
  maxHoldMs: 5_000,
};

function attempt(ip: string, deviceId: string | null = null, email = 'a@x.example'): SignInAttempt {
  return { email, ip, deviceId };
}

function throttleAt(now: () => number, store = new MemoryLoginFailureStore()): LoginThrottle {
  return new LoginThrottle(store, now, RULES);
}

async function fail(throttle: LoginThrottle, times: number, make: (i: number) => SignInAttempt): Promise<void> {
  for (let i = 0; i < times; i += 1) await throttle.recordFailure(make(i));
}

describe('the pure rules', () => {
  const slow = { freeFailures: 2, windowMs: 60_000, baseDelayMs: 1_000, maxDelayMs: 4_000 };

  it('doubles the delay per failure beyond the free ones, up to the maximum', () => {
    expect([2, 3, 4, 5, 40, 10_000].map((failures) => slowDownDelayMs(slow, failures))).toEqual([1_000, 2_000, 4_000, 4_000, 4_000, 4_000]);
  });

  it('places the next slot after the last failure plus its delay, or after the reserved slot if later', () => {
    expect(slowDownNextMs(slow, { count: 1, nthNewestMs: 500, reservedMs: 9_000 })).toBeNull();
    expect(slowDownNextMs(slow, { count: 3, nthNewestMs: 500, reservedMs: null })).toBe(2_500);
    expect(slowDownNextMs(slow, { count: 3, nthNewestMs: 500, reservedMs: 9_000 })).toBe(9_000);
  });

  it('frees a window-limited key when the oldest failure that counts leaves the window', () => {
    const rule = { maxFailures: 2, windowMs: 10_000 };
    expect(windowRetryAfterMs(rule, { count: 1, nthNewestMs: null, reservedMs: null }, 0)).toBe(0);
    expect(windowRetryAfterMs(rule, { count: 2, nthNewestMs: 1_000, reservedMs: null }, 4_000)).toBe(7_000);
    expect(windowRetryAfterMs(rule, { count: 2, nthNewestMs: 1_000, reservedMs: null }, 11_000)).toBe(1);
  });
});

describe('LoginThrottle', () => {
  it('spaces attempts once the free failures are used, doubling the delay per failure, and forgets with the window', async () => {
    let now = 0;
    const store = new MemoryLoginFailureStore();
    const throttle = throttleAt(() => now, store);
    await fail(throttle, 3, (i) => attempt(`10.0.0.${i}`));
    expect(await throttle.admit(attempt('10.0.1.1'))).toEqual({ kind: 'proceed', waitMs: 1_000, trustedDevice: false });
    // Attempts at once get consecutive slots, each a delay after the one before.
    expect(await throttle.admit(attempt('10.0.1.2'))).toEqual({ kind: 'proceed', waitMs: 2_000, trustedDevice: false });
    expect(await throttle.admit(attempt('10.0.1.3'))).toEqual({ kind: 'proceed', waitMs: 3_000, trustedDevice: false });
    now = 5_000;
    await fail(throttle, 2, (i) => attempt(`10.0.2.${i}`));
    // 5 failures: 1 s * 2^2 after the last one.
    expect(await throttle.admit(attempt('10.0.1.4'))).toMatchObject({ waitMs: 4_000 });
    now = 70_000;
    expect(await throttle.admit(attempt('10.0.1.5'))).toEqual({ kind: 'proceed', waitMs: 0, trustedDevice: false });
  });

  it('blocks one account from one address after its failures, and nothing else', async () => {
    let now = 0;
    const throttle = throttleAt(() => now);
    await fail(throttle, 3, () => attempt('1.1.1.1'));
    expect(await throttle.admit(attempt('1.1.1.1'))).toEqual({ kind: 'refuse', retryAfterMs: 60_000 });
    expect(await throttle.admit(attempt('1.1.1.1', null, 'b@x.example'))).toEqual({ kind: 'proceed', waitMs: 0, trustedDevice: false });
    // Elsewhere the account is slowed (its free failures are used), never refused.
    expect(await throttle.admit(attempt('2.2.2.2'))).toEqual({ kind: 'proceed', waitMs: 1_000, trustedDevice: false });
    now = 60_001;
    expect((await throttle.admit(attempt('1.1.1.1'))).kind).toBe('proceed');
  });

  it('refuses an untrusted attempt whose slot is further away than the hold limit, with the wait as Retry-After', async () => {
    const throttle = throttleAt(() => 0);
    await fail(throttle, 6, (i) => attempt(`10.0.0.${i}`));
    // 6 failures: the next slot is 1 s * 2^3 = 8 s away, over the 5 s hold.
    expect(await throttle.admit(attempt('10.0.1.1'))).toEqual({ kind: 'refuse', retryAfterMs: 8_000 });
  });

  it('refuses once the reserved slots reach past the hold limit, without reserving more', async () => {
    const throttle = throttleAt(() => 0);
    await fail(throttle, 3, (i) => attempt(`10.0.0.${i}`));
    const answers = [];
    for (let i = 0; i < 7; i += 1) answers.push(await throttle.admit(attempt(`10.0.1.${i}`)));
    expect(answers).toEqual([
      ...[1_000, 2_000, 3_000, 4_000, 5_000].map((waitMs) => ({ kind: 'proceed', waitMs, trustedDevice: false })),
      { kind: 'refuse', retryAfterMs: 6_000 },
      { kind: 'refuse', retryAfterMs: 6_000 },
    ]);
  });

  it('lets a trusted device through at once, until the device itself fails too often', async () => {
    const throttle = throttleAt(() => 0);
    await fail(throttle, 6, (i) => attempt(`10.0.0.${i}`));
    expect(await throttle.admit(attempt('192.0.2.1', 'device-1'))).toEqual({ kind: 'proceed', waitMs: 0, trustedDevice: true });
    await throttle.recordFailure(attempt('192.0.2.1', 'device-1'));
    await throttle.recordFailure(attempt('192.0.2.2', 'device-1'));
    expect(await throttle.admit(attempt('192.0.2.3', 'device-1'))).toMatchObject({ kind: 'refuse' });
    // Another device of the same account is still trusted.
    expect(await throttle.admit(attempt('192.0.2.3', 'device-2'))).toMatchObject({ kind: 'proceed', trustedDevice: true });
  });

  it('slows an address that fails across many accounts, without refusing its next right password', async () => {
    const throttle = throttleAt(() => 0);
    await fail(throttle, 5, (i) => attempt('3.3.3.3', null, `user${i}@x.example`));
    expect(await throttle.admit(attempt('3.3.3.3', null, 'fresh@x.example'))).toEqual({ kind: 'proceed', waitMs: 1_000, trustedDevice: false });
  });

  it('waits for the later of the account and address slots', async () => {
    const throttle = throttleAt(() => 0);
    await fail(throttle, 5, (i) => attempt('3.3.3.3', null, `user${i}@x.example`));
    await fail(throttle, 4, (i) => attempt(`10.0.0.${i}`, null, 'both@x.example'));
    // The account (4 failures: 2 s) after the address (5 failures: 1 s).
    expect(await throttle.admit(attempt('3.3.3.3', null, 'both@x.example'))).toMatchObject({ kind: 'proceed', waitMs: 2_000 });
  });

  it('clears only the pair on success: the account stays slowed for untrusted attempts', async () => {
    const throttle = throttleAt(() => 0);
    await fail(throttle, 3, () => attempt('1.1.1.1'));
    await throttle.recordSuccess(attempt('1.1.1.1'));
    expect(await throttle.admit(attempt('1.1.1.1'))).toMatchObject({ kind: 'proceed', waitMs: 1_000 });
  });

  it('keeps the in-memory store bounded: expired keys go first, then the oldest', async () => {
    let now = 0;
    const store = new MemoryLoginFailureStore(4);
    const throttle = throttleAt(() => now, store);
    await throttle.recordFailure(attempt('1.1.1.1', null, 'old@x.example'));
    now = 61_000;
    for (let i = 0; i < 3; i += 1) await throttle.recordFailure(attempt(`2.2.2.${i}`, null, 'new@x.example'));
    // Keys: the pair per address, the account, the addresses; never more than 4.
    expect(store.size).toBe(4);
    expect(await throttle.admit(attempt('9.9.9.9', null, 'new@x.example'))).toMatchObject({ kind: 'proceed', waitMs: 1_000 });
  });
});
