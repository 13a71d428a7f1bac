// Waiting for ARI events inside one call: a step of the call (a warm transfer,
// an outbound dial) awaits "the target answered or hung up" as a promise instead
// of keeping a flag per event. The call offers every event about its channels
// and bridges; a waiter resolves with the first one its matcher accepts, with
// null when its time is up, and rejects when its signal aborts (the call ends).
import type { AriEvent } from '../ari/types.js';

export interface WaitOptions {
  /** Resolve null after this long; no limit when absent. */
  timeoutMs?: number;
  /** Aborting it rejects the wait with the signal's reason. */
  signal?: AbortSignal;
}

interface Waiter {
  match: (event: AriEvent) => unknown;
  settle: (value: unknown) => void;
}

export class EventWaiters {
  readonly #waiters = new Set<Waiter>();

  /** The first offered event `match` maps to something other than undefined; null at the timeout. */
  wait<T>(match: (event: AriEvent) => T | undefined, options: WaitOptions = {}): Promise<T | null> {
    const { signal, timeoutMs } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<T | null>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = (): void => {
        finish();
        reject(signal!.reason);
      };
      const waiter: Waiter = {
        match,
        settle: (value) => {
          finish();
          resolve(value as T | null);
        },
      };
      const finish = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.#waiters.delete(waiter);
      };
      if (timeoutMs !== undefined) timer = setTimeout(() => waiter.settle(null), timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.add(waiter);
    });
  }

  offer(event: AriEvent): void {
    for (const waiter of [...this.#waiters]) {
      const value = waiter.match(event);
      if (value !== undefined) waiter.settle(value);
    }
  }

  get size(): number {
    return this.#waiters.size;
  }
}

/** The channel an event is about (its `channel`, or a Dial's `peer`), if any. */
export function eventChannelId(event: AriEvent): string | null {
  if ('channel' in event && event.channel && typeof event.channel === 'object' && 'id' in event.channel) return event.channel.id;
  if (event.type === 'Dial') return event.peer.id;
  return null;
}
