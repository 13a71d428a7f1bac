// Synthesizes businesses' fixed phrases (greeting, fillers, apology, ...) in
// the background, a few at a time: a warm-up of hundreds of businesses must
// neither flood the TTS vendor (rate limits) nor delay the calls under way,
// whose own TTS requests share the same provider.
import type { Logger } from 'pino';
import type { AgentSettings } from '../contract/sessions.js';
import type { ClipCache } from './clip-cache.js';
import { clipTexts } from './clip-texts.js';

export interface ClipWarmerOptions {
  clips: Pick<ClipCache, 'peek' | 'get'>;
  logger: Logger;
  /** Syntheses at once. */
  concurrency: number;
  /** Queued phrases beyond this are dropped (logged): a call synthesizes its own on demand. */
  maxQueued: number;
  /** Stops the work (gateway shutdown). */
  signal: AbortSignal;
}

interface Phrase {
  readonly voice: string;
  readonly text: string;
}

export class ClipWarmer {
  readonly #options: ClipWarmerOptions;
  readonly #queue: Phrase[] = [];
  /** voice + text of phrases queued or being synthesized: one synthesis each. */
  readonly #known = new Set<string>();
  #running = 0;
  #idleWaiters: (() => void)[] = [];

  constructor(options: ClipWarmerOptions) {
    this.#options = options;
  }

  /** Queues the phrases of `agents` not cached yet; returns how many were queued. */
  warm(agents: readonly AgentSettings[]): number {
    const { signal, maxQueued, logger } = this.#options;
    if (signal.aborted) return 0;
    let queued = 0;
    let dropped = 0;
    for (const agent of agents) {
      for (const text of new Set(Object.values(clipTexts(agent)))) {
        const key = `${agent.voice}\u0000${text}`;
        if (text.trim() === '' || this.#known.has(key) || this.#options.clips.peek(agent.voice, text)) continue;
        if (this.#queue.length >= maxQueued) {
          dropped += 1;
          continue;
        }
        this.#known.add(key);
        this.#queue.push({ voice: agent.voice, text });
        queued += 1;
      }
    }
    if (dropped > 0) logger.warn({ dropped, maxQueued }, 'clip warm-up queue full; the rest is synthesized at the first call');
    this.#pump();
    return queued;
  }

  /** Phrases queued or being synthesized. */
  get pending(): number {
    return this.#queue.length + this.#running;
  }

  /** Resolves once nothing is queued or running (tests, shutdown). */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #pump(): void {
    const { concurrency, signal } = this.#options;
    while (this.#running < concurrency && this.#queue.length > 0 && !signal.aborted) {
      const phrase = this.#queue.shift()!;
      this.#running += 1;
      void this.#synthesize(phrase).finally(() => {
        this.#running -= 1;
        this.#known.delete(`${phrase.voice}\u0000${phrase.text}`);
        this.#pump();
        if (this.pending === 0 || signal.aborted) for (const resolve of this.#idleWaiters.splice(0)) resolve();
      });
    }
    if (signal.aborted) this.#queue.length = 0;
  }

  async #synthesize(phrase: Phrase): Promise<void> {
    try {
      await this.#options.clips.get(phrase.voice, phrase.text);
    } catch (error) {
      this.#options.logger.warn({ err: error, voice: phrase.voice }, 'clip could not be prepared ahead of the calls');
    }
  }
}
