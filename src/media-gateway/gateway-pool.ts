// The backend's view of every media gateway's load, and where a new call goes.
//
// Each gateway is asked for GET /load every POLL_INTERVAL_MS. A new call goes to
// the healthy gateway with the most capacity left relative to its size (so that
// gateways of different sizes fill in proportion to their capacity). Calls
// placed since a gateway's last answer count against it, so that a burst of
// calls between two polls does not all land on one gateway.
//
// - Draining (SIGTERM): none; it finishes its own calls.
// - Full (capacityLeft 0): tried only after every gateway with room.
// - Overloaded (event-loop lag p99 above OVERLOAD_LAG_MS): after the others.
// - Down (last poll failed, or no answer for STALE_AFTER_MS): tried last, and
//   only when no gateway is healthy. A poll that fails as soon as the process
//   is gone (connection refused) marks it down at once; a hung one is down once
//   STALE_AFTER_MS passes, so a gateway that stops answering gets no new calls
//   within that bound.
// - Lost: `onDown` tells the backend, which moves the gateway's calls. Moving a
//   call is felt by the caller, so it takes more than a slow answer: the
//   connection refused (the process is gone), or no answer for LOST_AFTER_MS
//   (hung). A gateway merely slow under load stays out of placement only.
// - Not yet heard from (start-up): after the healthy ones.
import { bearer, GatewayLoad, sessionPaths } from '../../media/contract/sessions.js';

export const POLL_INTERVAL_MS = 500;
/** Per-request timeout of a poll: a gateway slower than this to say its load is in trouble. */
export const POLL_TIMEOUT_MS = 1_000;
/** No answer for this long: down. Kept under 2 s: the longest a silent gateway may still get calls. */
export const STALE_AFTER_MS = 1_500;
/** No answer for this long (and not refused): lost, its calls move. */
export const LOST_AFTER_MS = 4_000;
/** A gateway whose event loop lags this much cannot keep 20 ms pacing; others come first. */
export const OVERLOAD_LAG_MS = 20;

export type GatewayHealth = 'unknown' | 'up' | 'draining' | 'down';

/** `refused`: nothing listens (the process is gone, its sessions with it); `silent`: no answer (hung). */
export type GatewayLoss = 'refused' | 'silent';

export interface GatewayState {
  readonly url: string;
  readonly health: GatewayHealth;
  readonly load: GatewayLoad | null;
  /** Calls placed on it since its last answer. */
  readonly placedSinceLoad: number;
}

export interface GatewayPoolOptions {
  readonly token: string;
  /** Every gateway address to poll (names already resolved). */
  readonly gateways: () => Promise<readonly string[]>;
  readonly pollIntervalMs?: number;
  readonly pollTimeoutMs?: number;
  readonly staleAfterMs?: number;
  readonly lostAfterMs?: number;
  /** Event-loop lag p99 above which a gateway comes after the others (default OVERLOAD_LAG_MS). */
  readonly overloadLagMs?: number;
  readonly now?: () => number;
  /** A gateway that was up (or draining) is lost (see above): its calls need another gateway. */
  readonly onDown?: (url: string, how: GatewayLoss) => void;
  /** A poll failed (for the log); never thrown. */
  readonly onPollError?: (url: string, error: unknown) => void;
}

interface MutableState {
  url: string;
  load: GatewayLoad | null;
  okAtMs: number;
  failed: boolean;
  /** The last poll found nothing listening: the process is gone. */
  refused: boolean;
  inFlight: boolean;
  placedSinceLoad: number;
  wasUp: boolean;
}

export class GatewayPool {
  readonly #options: GatewayPoolOptions;
  readonly #states = new Map<string, MutableState>();
  readonly #now: () => number;
  readonly #stop = new AbortController();
  #timer: NodeJS.Timeout | null = null;

  constructor(options: GatewayPoolOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Polls now and then every poll interval until close(). */
  start(): void {
    if (this.#timer !== null || this.#stop.signal.aborted) return;
    void this.pollOnce();
    this.#timer = setInterval(() => void this.pollOnce(), this.#options.pollIntervalMs ?? POLL_INTERVAL_MS);
    this.#timer.unref();
  }

  close(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    this.#stop.abort();
  }

  /** One round of polls (each gateway on its own: a hung one delays no other); resolves when all answered or failed. */
  async pollOnce(): Promise<void> {
    const urls = await this.#options.gateways();
    await Promise.all(urls.map((url) => this.#poll(this.#state(url))));
    this.#noticeDown();
  }

  /** The gateways new calls go to, best first; draining ones are left out. */
  order(urls: readonly string[]): string[] {
    this.#noticeDown();
    const ranked = urls.map((url) => ({ url, rank: this.#rank(this.#state(url)) })).filter((entry) => entry.rank !== null);
    ranked.sort((a, b) => a.rank!.tier - b.rank!.tier || b.rank!.share - a.rank!.share || b.rank!.left - a.rank!.left);
    return ranked.map((entry) => entry.url);
  }

  /** A call was placed on `url`: it counts against its capacity until the next answer. */
  placed(url: string): void {
    this.#state(url).placedSinceLoad += 1;
  }

  states(): GatewayState[] {
    return [...this.#states.values()].map((state) => ({
      url: state.url,
      health: this.#health(state),
      load: state.load,
      placedSinceLoad: state.placedSinceLoad,
    }));
  }

  health(url: string): GatewayHealth {
    return this.#health(this.#state(url));
  }

  #state(url: string): MutableState {
    let state = this.#states.get(url);
    if (state === undefined) {
      state = { url, load: null, okAtMs: 0, failed: false, refused: false, inFlight: false, placedSinceLoad: 0, wasUp: false };
      this.#states.set(url, state);
    }
    return state;
  }

  #health(state: MutableState): GatewayHealth {
    if (state.failed) return 'down';
    if (state.load === null) return 'unknown';
    if (this.#now() - state.okAtMs > (this.#options.staleAfterMs ?? STALE_AFTER_MS)) return 'down';
    return state.load.draining ? 'draining' : 'up';
  }

  /** Lower tier first; within a tier, the larger share of capacity left. Null: never. */
  #rank(state: MutableState): { tier: number; share: number; left: number } | null {
    const health = this.#health(state);
    if (health === 'draining') return null;
    if (health === 'unknown') return { tier: 2, share: 0, left: 0 };
    if (health === 'down') return { tier: 4, share: 0, left: 0 };
    const load = state.load!;
    const left = load.capacityLeft - state.placedSinceLoad;
    if (left <= 0) return { tier: 3, share: 0, left };
    return { tier: load.eventLoopLagP99Ms > (this.#options.overloadLagMs ?? OVERLOAD_LAG_MS) ? 1 : 0, share: left / load.maxSessions, left };
  }

  async #poll(state: MutableState): Promise<void> {
    if (state.inFlight || this.#stop.signal.aborted) return;
    state.inFlight = true;
    // Calls placed from here on are not in this answer's session count.
    const placedBefore = state.placedSinceLoad;
    const timeoutMs = this.#options.pollTimeoutMs ?? POLL_TIMEOUT_MS;
    try {
      const response = await fetch(`${state.url}${sessionPaths.load}`, {
        headers: { authorization: bearer(this.#options.token) },
        signal: AbortSignal.any([this.#stop.signal, AbortSignal.timeout(timeoutMs)]),
      });
      if (!response.ok) throw new Error(`GET /load answered ${response.status}`);
      const load = GatewayLoad.parse(await response.json());
      state.load = load;
      state.okAtMs = this.#now();
      state.failed = false;
      state.refused = false;
      state.placedSinceLoad = Math.max(0, state.placedSinceLoad - placedBefore);
      state.wasUp = true;
    } catch (error) {
      if (this.#stop.signal.aborted) return;
      state.failed = true;
      state.refused = isRefused(error);
      this.#options.onPollError?.(state.url, error);
    } finally {
      state.inFlight = false;
    }
  }

  /** Fires onDown once per loss of a gateway that had answered. */
  #noticeDown(): void {
    const lostAfterMs = this.#options.lostAfterMs ?? LOST_AFTER_MS;
    for (const state of this.#states.values()) {
      if (!state.wasUp || this.#health(state) !== 'down') continue;
      if (!state.refused && this.#now() - state.okAtMs <= lostAfterMs) continue;
      state.wasUp = false;
      state.placedSinceLoad = 0;
      this.#options.onDown?.(state.url, state.refused ? 'refused' : 'silent');
    }
  }
}

/** fetch's failure when nothing listens at the address (or the connection is reset at once). */
function isRefused(error: unknown): boolean {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = (cause as { code?: unknown } | null)?.code;
  return code === 'ECONNREFUSED' || code === 'ECONNRESET';
}
