// The sign-in throttle with a fake clock: pair blocks, the account and address
// slow-downs (spacing, doubling, the hold limit), trusted devices, memory bounds.
import { describe, expect, it } from 'vitest';
import { LoginThrottle, SlowDown, type LoginThrottleRules, type SignInAttempt } from '../../../src/staff/login-throttle.js';

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

describe('SlowDown', () => {
  it('spaces attempts once the free failures are used, doubling the delay per failure up to the maximum', () => {
    let now = 0;
    const slow = new SlowDown({ freeFailures: 2, windowMs: 60_000, baseDelayMs: 1_000, maxDelayMs: 4_000 }, () => now);
    slow.recordFailure('k');
    expect(slow.take('k')).toBe(0);
    slow.recordFailure('k');
    expect(slow.waitMs('k')).toBe(1_000);
    // Two attempts at once get consecutive slots.
    expect(slow.take('k')).toBe(1_000);
    expect(slow.take('k')).toBe(2_000);
    now = 3_000;
    slow.recordFailure('k');
    slow.recordFailure('k');
    slow.recordFailure('k');
    expect(slow.waitMs('k')).toBe(4_000);
    // The window forgets.
    now = 70_000;
    expect(slow.waitMs('k')).toBe(0);
    expect(slow.size).toBe(0);
  });
});

describe('LoginThrottle', () => {
  it('blocks one account from one address after its failures, and nothing else', () => {
    let now = 0;
    const throttle = new LoginThrottle(() => now, RULES);
    for (let i = 0; i < 3; i += 1) throttle.recordFailure(attempt('1.1.1.1'));
    expect(throttle.admit(attempt('1.1.1.1'))).toEqual({ kind: 'refuse', retryAfterMs: 60_000 });
    expect(throttle.admit(attempt('1.1.1.1', null, 'b@x.example'))).toEqual({ kind: 'proceed', waitMs: 0, trustedDevice: false });
    // Elsewhere the account is slowed (its free failures are used), never refused.
    expect(throttle.admit(attempt('2.2.2.2'))).toEqual({ kind: 'proceed', waitMs: 1_000, trustedDevice: false });
    now = 60_001;
    expect(throttle.admit(attempt('1.1.1.1')).kind).toBe('proceed');
  });

  it('refuses an untrusted attempt whose slot is further away than the hold limit, with the wait as Retry-After', () => {
    const throttle = new LoginThrottle(() => 0, RULES);
    for (let i = 0; i < 6; i += 1) throttle.recordFailure(attempt(`10.0.0.${i}`));
    // 6 failures: the next slot is 1 s * 2^3 = 8 s away, over the 5 s hold.
    expect(throttle.admit(attempt('10.0.1.1'))).toEqual({ kind: 'refuse', retryAfterMs: 8_000 });
  });

  it('lets a trusted device through at once, until the device itself fails too often', () => {
    const throttle = new LoginThrottle(() => 0, RULES);
    for (let i = 0; i < 6; i += 1) throttle.recordFailure(attempt(`10.0.0.${i}`));
    expect(throttle.admit(attempt('192.0.2.1', 'device-1'))).toEqual({ kind: 'proceed', waitMs: 0, trustedDevice: true });
    throttle.recordFailure(attempt('192.0.2.1', 'device-1'));
    throttle.recordFailure(attempt('192.0.2.2', 'device-1'));
    expect(throttle.admit(attempt('192.0.2.3', 'device-1'))).toMatchObject({ kind: 'refuse' });
  });

  it('slows an address that fails across many accounts, without refusing its next right password', () => {
    const throttle = new LoginThrottle(() => 0, RULES);
    for (let i = 0; i < 5; i += 1) throttle.recordFailure(attempt('3.3.3.3', null, `user${i}@x.example`));
    expect(throttle.admit(attempt('3.3.3.3', null, 'fresh@x.example'))).toEqual({ kind: 'proceed', waitMs: 1_000, trustedDevice: false });
  });

  it('clears only the pair on success: the account stays slowed for untrusted attempts', () => {
    const throttle = new LoginThrottle(() => 0, RULES);
    for (let i = 0; i < 3; i += 1) throttle.recordFailure(attempt('1.1.1.1'));
    throttle.recordSuccess(attempt('1.1.1.1'));
    expect(throttle.admit(attempt('1.1.1.1'))).toMatchObject({ kind: 'proceed', waitMs: 1_000 });
  });
});
