// The ARI client's observable connection status: an immutable snapshot plus change listeners.

export type AriState =
  | 'idle'
  | 'waiting_for_asterisk'
  | 'connecting'
  | 'connected'
  | 'disconnected'
  | 'replaced'
  | 'closed';

export interface AriStatus {
  readonly state: AriState;
  /** True while Asterisk confirmed (GET /applications/{app} = 200) that our socket holds the app. */
  readonly registered: boolean;
  /** The last failure seen (kept after recovery; `state` tells whether it still applies). */
  readonly lastError: string | null;
  /** Date.now() when the current connection became registered; null when not connected. */
  readonly connectedAt: number | null;
  /** Failed attempts (ping, socket or registration) since the last successful connection. */
  readonly connectAttempts: number;
  /** Event frames dropped because they were not JSON objects with a `type`. */
  readonly malformedEvents: number;
}

export type AriStatusListener = (status: AriStatus, previous: AriStatus) => void;

type ErrorReporter = (error: unknown) => void;

export class AriStatusStore {
  private current: AriStatus = Object.freeze({
    state: 'idle',
    registered: false,
    lastError: null,
    connectedAt: null,
    connectAttempts: 0,
    malformedEvents: 0,
  });
  private readonly listeners = new Set<AriStatusListener>();

  constructor(private readonly reportListenerError: ErrorReporter) {}

  get status(): AriStatus {
    return this.current;
  }

  /** Applies the change and notifies listeners when any field actually changed. */
  update(patch: Partial<AriStatus>): void {
    const previous = this.current;
    const next: AriStatus = Object.freeze({ ...previous, ...patch });
    const changed = (Object.keys(next) as (keyof AriStatus)[]).some((key) => next[key] !== previous[key]);
    if (!changed) return;
    this.current = next;
    for (const listener of [...this.listeners]) {
      try {
        listener(next, previous);
      } catch (error) {
        this.reportListenerError(error);
      }
    }
  }

  subscribe(listener: AriStatusListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Resolves once `state` is reached (at once if it already is); rejects after timeoutMs. */
  waitForState(state: AriState, timeoutMs: number): Promise<void> {
    if (this.current.state === state) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const unsubscribe = this.subscribe((status) => {
        if (status.state !== state) return;
        clearTimeout(timer);
        unsubscribe();
        resolve();
      });
      const timer = setTimeout(() => {
        unsubscribe();
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ARI state "${state}" (current: "${this.current.state}")`,
          ),
        );
      }, timeoutMs);
    });
  }
}
