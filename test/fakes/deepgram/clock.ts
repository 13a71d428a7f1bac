// Time and timers shared by the provider fakes.

/**
 * Wall-clock time in epoch milliseconds with sub-millisecond resolution. Epoch-based so that
 * timestamps taken in different processes on one machine (test runner, media gateway) compare.
 */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * Timers owned by one fake or one connection: every timer is unref'd (it never keeps the process
 * alive on its own) and clearAll() cancels whatever is still pending, so close() leaves nothing.
 */
export class TimerSet {
  private readonly pending = new Set<NodeJS.Timeout>();
  private closed = false;

  /** Runs fn after delayMs (0 = next macrotask); a no-op once closed. */
  after(delayMs: number, fn: () => void): NodeJS.Timeout | null {
    if (this.closed) return null;
    const timer = setTimeout(() => {
      this.pending.delete(timer);
      fn();
    }, Math.max(0, delayMs));
    timer.unref();
    this.pending.add(timer);
    return timer;
  }

  cancel(timer: NodeJS.Timeout | null): void {
    if (timer === null) return;
    clearTimeout(timer);
    this.pending.delete(timer);
  }

  clearAll(): void {
    for (const timer of this.pending) clearTimeout(timer);
    this.pending.clear();
  }

  close(): void {
    this.closed = true;
    this.clearAll();
  }
}
