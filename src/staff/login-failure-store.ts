// Where the sign-in throttle (login-throttle.ts) keeps failed sign-ins and the
// slots of slowed-down keys. PostgreSQL in production (postgres-login-failure-store.ts),
// so that every backend replica behind the load balancer counts the same
// failures; in memory for unit tests (memory-login-failure-store.ts). Times are
// epoch milliseconds of the throttle's clock: the store never reads a clock, so
// a test's injected clock governs the PostgreSQL store too.

export interface FailureQuery {
  readonly key: string;
  /** Failures at or before this time are outside the window. */
  readonly sinceMs: number;
  /** Failures beyond this many are not counted: the decision never needs more, and the work stays bounded. */
  readonly countCap: number;
  /** Which failure time to report: 1 = the newest, n = the n-th newest. */
  readonly nth: number;
}

export interface FailureSummary {
  /** Failures in the window, at most the query's countCap. */
  readonly count: number;
  /** The query's n-th newest failure in the window; null when there are fewer. */
  readonly nthNewestMs: number | null;
  /** When the key's next slot starts, as the last takeSlot left it; null when none was taken. */
  readonly reservedMs: number | null;
}

export interface SlotRequest {
  readonly key: string;
  /** The slot starts no earlier than this (now, or the last failure plus its delay). */
  readonly earliestMs: number;
  /** Spacing to the slot after it. */
  readonly delayMs: number;
}

export interface LoginFailureStore {
  /** The window of each key, in the order asked, read together (one round trip in PostgreSQL). */
  summarize(queries: readonly FailureQuery[]): Promise<FailureSummary[]>;
  /**
   * Atomically, even against other replicas: slot = max(earliestMs, reserved);
   * reserved becomes slot + delayMs. Returns the slot's start.
   */
  takeSlot(request: SlotRequest): Promise<number>;
  /** One failure at `atMs` against each key; failures and slots at or before `forgetBeforeMs` may go. */
  record(keys: readonly string[], atMs: number, forgetBeforeMs: number): Promise<void>;
  /** Forgets the key's failures (a pair after its right password). */
  clear(key: string): Promise<void>;
}
