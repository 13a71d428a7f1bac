// Sign-in throttling that neither locks a user out for an attacker nor can be
// bypassed by changing address (OWASP "Blocking Brute Force Attacks" with
// device cookies):
//
//   account + address   5 failures in 15 minutes block that pair only: one
//                       address cannot keep guessing one account, and the
//                       real user elsewhere is not affected.
//   account             after 5 failures in 15 minutes (from anywhere), each
//                       attempt on the account is spaced from the previous one
//                       by a delay that doubles per failure (1 s ... 30 s): a
//                       slow-down, not a lock. Many addresses together still
//                       get one guess per delay.
//   address             the same slow-down after 20 failures from one address
//                       across accounts (credential stuffing).
//   trusted device      a browser that signed in to the account before holds a
//                       device cookie (device-cookie.ts): it skips the two
//                       slow-downs, so an attack never keeps the user out of a
//                       browser they used before; 10 failures with one device
//                       cookie and it counts as untrusted again.
//
// The server holds an attempt for its slot up to maxHoldMs; a later slot is
// answered 429 with Retry-After. Pure: the clock is injected. In memory, per
// backend process (a restart resets it).
import { SlidingWindowCounter, type WindowRule } from './sliding-window-counter.js';

export interface SlowDownRule {
  /** Failures in the window before attempts are spaced. */
  readonly freeFailures: number;
  readonly windowMs: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export interface LoginThrottleRules {
  readonly pair: WindowRule;
  readonly account: SlowDownRule;
  readonly address: SlowDownRule;
  readonly device: WindowRule;
  /** Longest an attempt is held for its slot before the answer is 429 instead. */
  readonly maxHoldMs: number;
}

const FIFTEEN_MINUTES_MS = 15 * 60_000;

export const LOGIN_THROTTLE: LoginThrottleRules = Object.freeze({
  pair: Object.freeze({ maxFailures: 5, windowMs: FIFTEEN_MINUTES_MS }),
  account: Object.freeze({ freeFailures: 5, windowMs: FIFTEEN_MINUTES_MS, baseDelayMs: 1_000, maxDelayMs: 30_000 }),
  address: Object.freeze({ freeFailures: 20, windowMs: FIFTEEN_MINUTES_MS, baseDelayMs: 1_000, maxDelayMs: 30_000 }),
  device: Object.freeze({ maxFailures: 10, windowMs: FIFTEEN_MINUTES_MS }),
  maxHoldMs: 10_000,
});

const MAX_KEYS = 50_000;

/** Failures per key in a sliding window, and the next free slot once they exceed the free ones. */
export class SlowDown {
  /** key -> failure times (oldest first) and the time the next attempt may start. */
  private readonly entries = new Map<string, { failures: number[]; nextAtMs: number }>();

  constructor(
    private readonly rule: SlowDownRule,
    private readonly nowMs: () => number,
  ) {}

  /** How long an attempt now must wait for its slot (0: at once), without taking it. */
  waitMs(key: string): number {
    const entry = this.current(key);
    if (!entry || entry.failures.length < this.rule.freeFailures) return 0;
    return Math.max(0, entry.nextAtMs - this.nowMs());
  }

  /** Takes the next slot; returns how long to wait for it. */
  take(key: string): number {
    const entry = this.current(key);
    if (!entry || entry.failures.length < this.rule.freeFailures) return 0;
    const now = this.nowMs();
    const slot = Math.max(now, entry.nextAtMs);
    entry.nextAtMs = slot + this.delayMs(entry.failures.length);
    return slot - now;
  }

  recordFailure(key: string): void {
    const now = this.nowMs();
    const entry = this.current(key) ?? { failures: [], nextAtMs: now };
    entry.failures.push(now);
    // Beyond this many, the delay no longer grows: older times need not be kept.
    const keep = this.rule.freeFailures + 16;
    if (entry.failures.length > keep) entry.failures.splice(0, entry.failures.length - keep);
    if (entry.failures.length >= this.rule.freeFailures) entry.nextAtMs = Math.max(entry.nextAtMs, now + this.delayMs(entry.failures.length));
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > MAX_KEYS) this.evict();
  }

  get size(): number {
    return this.entries.size;
  }

  private delayMs(failures: number): number {
    const doublings = Math.min(30, Math.max(0, failures - this.rule.freeFailures));
    return Math.min(this.rule.maxDelayMs, this.rule.baseDelayMs * 2 ** doublings);
  }

  private current(key: string): { failures: number[]; nextAtMs: number } | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    const since = this.nowMs() - this.rule.windowMs;
    while (entry.failures.length > 0 && entry.failures[0]! <= since) entry.failures.shift();
    if (entry.failures.length === 0) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private evict(): void {
    for (const key of [...this.entries.keys()]) this.current(key);
    for (const key of this.entries.keys()) {
      if (this.entries.size <= MAX_KEYS) return;
      this.entries.delete(key);
    }
  }
}

export interface SignInAttempt {
  /** Normalized email. */
  email: string;
  ip: string;
  /** The trusted-device id the browser presented for this account, if valid. */
  deviceId: string | null;
}

export type ThrottleDecision =
  /** Go ahead after `waitMs` (0: at once). */
  | { kind: 'proceed'; waitMs: number; trustedDevice: boolean }
  | { kind: 'refuse'; retryAfterMs: number };

export class LoginThrottle {
  private readonly pairs: SlidingWindowCounter;
  private readonly devices: SlidingWindowCounter;
  private readonly accounts: SlowDown;
  private readonly addresses: SlowDown;

  constructor(
    nowMs: () => number = Date.now,
    private readonly rules: LoginThrottleRules = LOGIN_THROTTLE,
  ) {
    this.pairs = new SlidingWindowCounter(rules.pair, nowMs);
    this.devices = new SlidingWindowCounter(rules.device, nowMs);
    this.accounts = new SlowDown(rules.account, nowMs);
    this.addresses = new SlowDown(rules.address, nowMs);
  }

  /** Whether (and when) this attempt may check the password; takes its slot when it proceeds. */
  admit(attempt: SignInAttempt): ThrottleDecision {
    const pairWait = this.pairs.retryAfterMs(pairKey(attempt));
    if (pairWait > 0) return { kind: 'refuse', retryAfterMs: pairWait };
    const trustedDevice = attempt.deviceId !== null && this.devices.retryAfterMs(attempt.deviceId) === 0;
    if (trustedDevice) return { kind: 'proceed', waitMs: 0, trustedDevice };
    const waitMs = Math.max(this.accounts.waitMs(attempt.email), this.addresses.waitMs(attempt.ip));
    if (waitMs > this.rules.maxHoldMs) return { kind: 'refuse', retryAfterMs: waitMs };
    return { kind: 'proceed', waitMs: Math.max(this.accounts.take(attempt.email), this.addresses.take(attempt.ip)), trustedDevice };
  }

  recordFailure(attempt: SignInAttempt): void {
    this.pairs.recordFailure(pairKey(attempt));
    this.accounts.recordFailure(attempt.email);
    this.addresses.recordFailure(attempt.ip);
    if (attempt.deviceId !== null) this.devices.recordFailure(attempt.deviceId);
  }

  /**
   * Clears the pair's failures only: an attacker's failures on the account
   * keep slowing down untrusted attempts after the real user signs in.
   */
  recordSuccess(attempt: SignInAttempt): void {
    this.pairs.reset(pairKey(attempt));
  }
}

function pairKey(attempt: SignInAttempt): string {
  return `${attempt.email}\n${attempt.ip}`;
}
