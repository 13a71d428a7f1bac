// The main thread's side of the media thread: starts it, opens sessions on it
// (as the registry's SessionHost), routes its messages (closed sessions, room
// for agent audio, the doorbell of the events rings, log lines) and stops it.
import type { Logger } from 'pino';
import type { Worker } from 'node:worker_threads';
import type { AgentFactory } from '../agents/agent.js';
import type { ClosedSessionReport, SessionHost, SessionOpenInit } from '../sessions/session-handle.js';
import {
  CONTROL_DOORBELL,
  CONTROL_WORDS,
  Figures,
  FIGURES_WORDS,
  type HostTotals,
  type MediaThreadData,
  type ToMainMessage,
  type ToMediaMessage,
} from './media-thread-protocol.js';
import { MEDIA_THREAD_NAME } from './os-thread.js';
import { spawnMediaThread } from './spawn-media-thread.js';
import { ThreadSession } from './thread-session.js';
import { relogLine } from './thread-logger.js';

export type MediaThreadOptions = Omit<MediaThreadData, 'control' | 'figures'> & {
  readonly logger: Logger;
  /** The factory of agents that run on the main thread; null: the media thread runs `agent` itself. */
  readonly agentFactory: AgentFactory | null;
};

/** The media thread could not take its RTP address (the error's code, e.g. EADDRINUSE, is kept). */
export class MediaThreadStartError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code: string | undefined) {
    super(message);
    this.name = 'MediaThreadStartError';
    this.code = code;
  }
}

export class MediaThread implements SessionHost {
  readonly port: number;
  readonly supportsIpv6: boolean;
  /**
   * The media thread's OS thread id (Linux; null elsewhere), named MEDIA_THREAD_NAME:
   * what `chrt -p` or `taskset -p` take to give the 20 ms clock its own priority or core.
   */
  readonly threadId: number | null;
  readonly #worker: Worker;
  readonly #options: MediaThreadOptions;
  readonly #control: Int32Array;
  readonly #figures: Float64Array;
  readonly #sessions = new Map<string, ThreadSession>();
  readonly #closedWaiters = new Map<string, (report: ClosedSessionReport) => void>();
  #stopping: Promise<void> | null = null;
  readonly #totalsWaiters = new Map<number, (totals: HostTotals) => void>();
  #nextTotalsId = 0;
  /** The totals the media thread left when it stopped. */
  #finalTotals: HostTotals | null = null;

  static async start(options: MediaThreadOptions): Promise<MediaThread> {
    const control = new SharedArrayBuffer(CONTROL_WORDS * 4);
    const figures = new SharedArrayBuffer(FIGURES_WORDS * 8);
    const { logger: _logger, agentFactory: _factory, ...rest } = options;
    const worker = spawnMediaThread({ ...rest, control, figures });
    const ready = await new Promise<Extract<ToMainMessage, { type: 'ready' }>>((resolve, reject) => {
      const onMessage = (message: ToMainMessage): void => {
        if (message.type === 'log') relogLine(options.logger, message.line);
        else if (message.type === 'ready') done(() => resolve(message));
        else if (message.type === 'failed') done(() => reject(new MediaThreadStartError(message.message, message.code)));
      };
      const onError = (error: Error): void => done(() => reject(error));
      const onExit = (code: number): void => done(() => reject(new Error(`the media thread exited with code ${code} before it started`)));
      const done = (settle: () => void): void => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        settle();
      };
      worker.on('message', onMessage);
      worker.once('error', onError);
      worker.once('exit', onExit);
    }).catch(async (error: unknown) => {
      await worker.terminate();
      throw error;
    });
    return new MediaThread(worker, options, control, figures, ready);
  }

  private constructor(worker: Worker, options: MediaThreadOptions, control: SharedArrayBuffer, figures: SharedArrayBuffer, ready: { port: number; supportsIpv6: boolean; threadId: number | null }) {
    this.#worker = worker;
    this.#options = options;
    this.#control = new Int32Array(control);
    this.#figures = new Float64Array(figures);
    this.port = ready.port;
    this.supportsIpv6 = ready.supportsIpv6;
    this.threadId = ready.threadId;
    options.logger.info({ threadId: ready.threadId, threadName: MEDIA_THREAD_NAME, rtpPort: ready.port }, 'media thread started');
    worker.on('message', (message: ToMainMessage) => this.#onMessage(message));
    worker.on('error', (error) => options.logger.error({ err: error }, 'media thread failed'));
    worker.on('exit', (code) => {
      if (this.#stopping !== null) return;
      // Nothing of a call's media runs without it: the process is to end (and be started again).
      options.logger.fatal({ code }, 'media thread stopped unexpectedly');
      throw new Error(`the media thread stopped unexpectedly (exit code ${code})`);
    });
  }

  open(init: SessionOpenInit): ThreadSession {
    const session = new ThreadSession({
      ...init,
      post: (message) => this.#post(message),
      agentFactory: this.#options.agentFactory,
      closedReport: () =>
        new Promise<ClosedSessionReport>((resolve) => {
          this.#closedWaiters.set(init.sessionId, resolve);
        }),
    });
    this.#sessions.set(init.sessionId, session);
    return session;
  }

  get foreignSource(): number {
    return this.#figures[Figures.foreignSource]!;
  }

  get lateTicks(): number {
    return this.#figures[Figures.lateTicks]!;
  }

  get handlerFailures(): number {
    return this.#figures[Figures.handlerFailures]!;
  }

  /** Caller audio not delivered because the main thread fell behind (the events ring held only its control reserve). */
  get eventsDropped(): number {
    return this.#figures[Figures.eventsDropped]!;
  }

  /** The media thread's event loop delay over its last second (p99 and max, ms). */
  get loopLagMs(): { readonly p99: number; readonly max: number } {
    return { p99: this.#figures[Figures.loopLagP99Ms]!, max: this.#figures[Figures.loopLagMaxMs]! };
  }

  totals(): Promise<HostTotals> {
    if (this.#finalTotals !== null) return Promise.resolve(this.#finalTotals);
    const id = (this.#nextTotalsId += 1);
    return new Promise<HostTotals>((resolve) => {
      this.#totalsWaiters.set(id, resolve);
      this.#worker.postMessage({ type: 'totals', id } satisfies ToMediaMessage);
    });
  }

  /** Test hook: blocks the media thread's event loop for `ms`. */
  block(ms: number): void {
    this.#post({ type: 'block', ms });
  }

  /** Closes every session on the media thread, then its socket, and ends the thread. Idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      const stopped = new Promise<void>((resolve) => {
        const onMessage = (message: ToMainMessage): void => {
          if (message.type !== 'stopped') return;
          this.#worker.off('message', onMessage);
          this.#finalTotals = message.totals;
          for (const answer of this.#totalsWaiters.values()) answer(message.totals);
          this.#totalsWaiters.clear();
          resolve();
        };
        this.#worker.on('message', onMessage);
      });
      this.#worker.postMessage({ type: 'stop' } satisfies ToMediaMessage);
      await stopped;
      await this.#worker.terminate();
    })();
    return this.#stopping;
  }

  #post(message: ToMediaMessage): void {
    if (this.#stopping !== null && message.type !== 'close' && message.type !== 'totals') return;
    this.#worker.postMessage(message);
  }

  #onMessage(message: ToMainMessage): void {
    switch (message.type) {
      case 'events':
        Atomics.store(this.#control, CONTROL_DOORBELL, 0);
        for (const session of this.#sessions.values()) session.context?.drainEvents();
        return;
      case 'space':
        this.#sessions.get(message.sessionId)?.context?.onSpace();
        return;
      case 'closed': {
        const session = this.#sessions.get(message.sessionId);
        session?.context?.drainEvents();
        this.#sessions.delete(message.sessionId);
        const waiter = this.#closedWaiters.get(message.sessionId);
        this.#closedWaiters.delete(message.sessionId);
        waiter?.({ stats: message.stats, recordingPath: message.recordingPath });
        return;
      }
      case 'totals':
        this.#totalsWaiters.get(message.id)?.(message.totals);
        this.#totalsWaiters.delete(message.id);
        return;
      case 'log':
        relogLine(this.#options.logger, message.line);
        return;
      default:
        return;
    }
  }
}
