// The sign-in throttle's failures in this process's memory (login-failure-store.ts):
// for unit tests of the throttle's rules with a fake clock, and for anything
// that runs a single process without a database. Not shared between processes.
import type { FailureQuery, FailureSummary, LoginFailureStore, SlotRequest } from './login-failure-store.js';

/** Keys remembered at most; beyond, the oldest are dropped (insertion order). */
const DEFAULT_MAX_KEYS = 50_000;
/** Failure times kept per key: more than any rule's cap (login-throttle.ts), so counts stay exact. */
const MAX_TIMES_PER_KEY = 64;

export class MemoryLoginFailureStore implements LoginFailureStore {
  /** key -> failure times, oldest first. */
  private readonly failures = new Map<string, number[]>();
  private readonly slots = new Map<string, number>();
  private readonly maxKeys: number;

  constructor(maxKeys = DEFAULT_MAX_KEYS) {
    this.maxKeys = maxKeys;
  }

  summarize(queries: readonly FailureQuery[]): Promise<FailureSummary[]> {
    return Promise.resolve(
      queries.map((query) => {
        const recent = (this.failures.get(query.key) ?? []).filter((at) => at > query.sinceMs);
        return {
          count: Math.min(recent.length, query.countCap),
          nthNewestMs: recent[recent.length - query.nth] ?? null,
          reservedMs: this.slots.get(query.key) ?? null,
        };
      }),
    );
  }

  takeSlot(request: SlotRequest): Promise<number> {
    const slot = Math.max(request.earliestMs, this.slots.get(request.key) ?? request.earliestMs);
    this.slots.set(request.key, slot + request.delayMs);
    return Promise.resolve(slot);
  }

  record(keys: readonly string[], atMs: number, forgetBeforeMs: number): Promise<void> {
    for (const key of keys) {
      const times = (this.failures.get(key) ?? []).filter((at) => at > forgetBeforeMs);
      times.push(atMs);
      if (times.length > MAX_TIMES_PER_KEY) times.splice(0, times.length - MAX_TIMES_PER_KEY);
      this.failures.delete(key);
      this.failures.set(key, times);
    }
    for (const [key, nextMs] of this.slots) if (nextMs <= forgetBeforeMs) this.slots.delete(key);
    this.evict(forgetBeforeMs);
    return Promise.resolve();
  }

  clear(key: string): Promise<void> {
    this.failures.delete(key);
    return Promise.resolve();
  }

  /** Keys with failures in memory (for tests of the bound). */
  get size(): number {
    return this.failures.size;
  }

  private evict(forgetBeforeMs: number): void {
    if (this.failures.size <= this.maxKeys) return;
    for (const [key, times] of this.failures) if (times[times.length - 1]! <= forgetBeforeMs) this.failures.delete(key);
    for (const key of this.failures.keys()) {
      if (this.failures.size <= this.maxKeys) return;
      this.failures.delete(key);
    }
  }
}
