// Producers waiting for room in a bounded queue (AgentContext.space): each
// waits with its own AbortSignal, and all are answered together when room
// frees up (true) or the queue goes away (false). The queue decides when;
// this only keeps the waiters and lets go of each one's abort listener.
export class RoomWaiters {
  readonly #waiters = new Set<(room: boolean) => void>();

  get size(): number {
    return this.#waiters.size;
  }

  /** Resolves with what notify() says, or false as soon as `signal` aborts. */
  wait(signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const done = (room: boolean): void => {
        this.#waiters.delete(done);
        signal.removeEventListener('abort', onAbort);
        resolve(room);
      };
      const onAbort = (): void => done(false);
      this.#waiters.add(done);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Answers every waiter now. */
  notify(room: boolean): void {
    for (const done of [...this.#waiters]) done(room);
  }
}
