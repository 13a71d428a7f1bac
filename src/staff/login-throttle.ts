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
// answered 429 with Retry-After.
//
// Failures are counted in a LoginFailureStore: PostgreSQL in production, so
// every backend replica sees every failure and an attacker gains nothing by
// spreading attempts over replicas. The decisions are pure functions of what
// the store read and the injected clock. A key's next slot is the later of
// its last failure plus the current delay and the slot the previous attempt
// reserved; reserving is one atomic upsert, so concurrent attempts are spaced
// across replicas too. Replicas' clocks are assumed to agree (NTP) to well
// under the 1 s base delay.
import type { FailureQuery, FailureSummary, LoginFailureStore } from './login-failure-store.js';
import type { WindowRule } from './sliding-window-counter.js';

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

/** Doublings beyond this change nothing (2^30 times any base delay exceeds any maximum worth having). */
const MAX_DOUBLINGS = 30;

// ---- pure rules ----------------------------------------------------------

/** The delay between slots of a key with `failures` failures in its window. */
export function slowDownDelayMs(rule: SlowDownRule, failures: number): number {
  const doublings = Math.min(MAX_DOUBLINGS, Math.max(0, failures - rule.freeFailures));
  return Math.min(rule.maxDelayMs, rule.baseDelayMs * 2 ** doublings);
}

/** What to ask the store about a slowed-down key: the count (capped where the delay stops growing) and the newest failure. */
export function slowDownQuery(rule: SlowDownRule, key: string, nowMs: number): FailureQuery {
  return { key, sinceMs: nowMs - rule.windowMs, countCap: rule.freeFailures + MAX_DOUBLINGS + 1, nth: 1 };
}

/** What to ask the store about a window-limited key: the count and the failure whose expiry frees the key. */
export function windowQuery(rule: WindowRule, key: string, nowMs: number): FailureQuery {
  return { key, sinceMs: nowMs - rule.windowMs, countCap: rule.maxFailures, nth: rule.maxFailures };
}

/** 0 when the key may try now, else how long until the oldest failure that counts leaves the window. */
export function windowRetryAfterMs(rule: WindowRule, summary: FailureSummary, nowMs: number): number {
  if (summary.count < rule.maxFailures || summary.nthNewestMs === null) return 0;
  return Math.max(1, summary.nthNewestMs + rule.windowMs - nowMs);
}

/** When a slowed-down key's next attempt may start; null while its free failures last. */
export function slowDownNextMs(rule: SlowDownRule, summary: FailureSummary): number | null {
  if (summary.count < rule.freeFailures || summary.nthNewestMs === null) return null;
  return Math.max(summary.nthNewestMs + slowDownDelayMs(rule, summary.count), summary.reservedMs ?? 0);
}

// ---- the throttle ----------------------------------------------------------

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
  private readonly store: LoginFailureStore;
  private readonly nowMs: () => number;
  private readonly rules: LoginThrottleRules;
  /** Failures older than every window are of no use to any rule. */
  private readonly longestWindowMs: number;

  constructor(store: LoginFailureStore, nowMs: () => number = Date.now, rules: LoginThrottleRules = LOGIN_THROTTLE) {
    this.store = store;
    this.nowMs = nowMs;
    this.rules = rules;
    this.longestWindowMs = Math.max(rules.pair.windowMs, rules.account.windowMs, rules.address.windowMs, rules.device.windowMs);
  }

  /**
   * Whether (and when) this attempt may check the password; takes its slot when it proceeds.
   * One read of the store, plus one atomic slot reservation per key being slowed down.
   */
  async admit(attempt: SignInAttempt): Promise<ThrottleDecision> {
    const { rules } = this;
    const now = this.nowMs();
    const keys = keysOf(attempt);
    const [pair, account, address, device] = await this.store.summarize([
      windowQuery(rules.pair, keys.pair, now),
      slowDownQuery(rules.account, keys.account, now),
      slowDownQuery(rules.address, keys.address, now),
      ...(keys.device === null ? [] : [windowQuery(rules.device, keys.device, now)]),
    ]);
    const pairWait = windowRetryAfterMs(rules.pair, pair!, now);
    if (pairWait > 0) return { kind: 'refuse', retryAfterMs: pairWait };
    const trustedDevice = device !== undefined && windowRetryAfterMs(rules.device, device, now) === 0;
    if (trustedDevice) return { kind: 'proceed', waitMs: 0, trustedDevice };

    const slowed = [
      { key: keys.account, rule: rules.account, summary: account!, nextMs: slowDownNextMs(rules.account, account!) },
      { key: keys.address, rule: rules.address, summary: address!, nextMs: slowDownNextMs(rules.address, address!) },
    ].filter((entry) => entry.nextMs !== null);
    const waitMs = Math.max(0, ...slowed.map((entry) => entry.nextMs! - now));
    if (waitMs > rules.maxHoldMs) return { kind: 'refuse', retryAfterMs: waitMs };

    const slots = await Promise.all(
      slowed.map((entry) =>
        this.store.takeSlot({ key: entry.key, earliestMs: Math.max(now, entry.nextMs!), delayMs: slowDownDelayMs(entry.rule, entry.summary.count) }),
      ),
    );
    const slotWaitMs = Math.max(0, ...slots.map((slot) => slot - now));
    // Another attempt (on this replica or another) reserved the slot meanwhile and the next is too far:
    // the reservation stays (it only slows the key further) and this attempt is refused.
    if (slotWaitMs > rules.maxHoldMs) return { kind: 'refuse', retryAfterMs: slotWaitMs };
    return { kind: 'proceed', waitMs: slotWaitMs, trustedDevice };
  }

  async recordFailure(attempt: SignInAttempt): Promise<void> {
    const keys = keysOf(attempt);
    const now = this.nowMs();
    const counted = [keys.pair, keys.account, keys.address, ...(keys.device === null ? [] : [keys.device])];
    await this.store.record(counted, now, now - this.longestWindowMs);
  }

  /**
   * Clears the pair's failures only: an attacker's failures on the account
   * keep slowing down untrusted attempts after the real user signs in.
   */
  async recordSuccess(attempt: SignInAttempt): Promise<void> {
    await this.store.clear(keysOf(attempt).pair);
  }
}

interface AttemptKeys {
  pair: string;
  account: string;
  address: string;
  device: string | null;
}

/** Store keys, one namespace per rule. An address never holds a newline, so the pair key is unambiguous. */
function keysOf(attempt: SignInAttempt): AttemptKeys {
  return {
    pair: `pair:${attempt.ip}\n${attempt.email}`,
    account: `email:${attempt.email}`,
    address: `ip:${attempt.ip}`,
    device: attempt.deviceId === null ? null : `device:${attempt.deviceId}`,
  };
}
