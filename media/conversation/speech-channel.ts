// The call's text-to-speech channel: one vendor session at a time, shared by
// the call's turns. `say(text, signal)` returns that sentence's audio as its
// own stream; aborting `signal` (the turn was cancelled) drops it.
//
// - A session that drops (retryable failure) is opened again (reconnect.ts)
//   and the sentences not fully received are asked for again, in order. A
//   sentence cut in the middle is said again from its start, after the part
//   already received: the caller hears it restart rather than a jump, since
//   a vendor does not synthesize the same text identically twice. A service
//   that stays down fails the sentences waiting for audio and every later one,
//   and onDown tells the owner at once (the call must not wait in dead air
//   for its next sentence to find out).
// - A vendor that limits sentences per session and minute (Deepgram: 20
//   flushes) gets a fresh session, opened in the background while nothing is
//   being synthesized, well before the limit is reached; the old one finishes
//   what it has and is closed.
// - A sentence's stream buffers what the vendor sent (vendors send faster
//   than real time and a websocket cannot be paused): bounded by
//   SENTENCE_FRAME_CAPACITY, beyond which the sentence fails.
import type { Logger } from 'pino';
import { AsyncQueue } from '../providers/async-queue.js';
import { ProviderError } from '../providers/provider-error.js';
import { reopen, ReconnectBudget, type ReconnectPolicy } from '../providers/reconnect.js';
import type { TtsFrame, TtsProvider, TtsSession } from '../providers/types.js';

export interface TimedFrame {
  readonly frame: TtsFrame;
  /** When the vendor delivered it (performance.now() ms). */
  readonly atMs: number;
}

export interface SentenceAudio extends AsyncIterable<TimedFrame> {
  readonly text: string;
  /** Settles when the vendor produced all of it, or it was dropped or failed (never rejects). */
  readonly synthesized: Promise<void>;
}

export interface SpeechChannelOptions {
  readonly tts: TtsProvider;
  readonly voice: string;
  /** The call's. */
  readonly signal: AbortSignal;
  readonly now: () => number;
  readonly logger: Logger;
  readonly policy?: ReconnectPolicy | undefined;
  /** Told once per session opened again after a drop. */
  readonly onReconnect?: ((cause: unknown) => void) | undefined;
  /** Told once when a dropped session could not be opened again: the channel says nothing more. */
  readonly onDown?: ((error: unknown) => void) | undefined;
}

/** 10 minutes of 20 ms frames: more than any sentence (2,000 characters) gives. */
const SENTENCE_FRAME_CAPACITY = 30_000;
const MINUTE_MS = 60_000;

interface Sentence {
  readonly text: string;
  readonly frames: AsyncQueue<TimedFrame>;
  readonly synthesized: Promise<void>;
  /** Marks it synthesized (or given up) and lets go of its turn's signal. */
  readonly settle: () => void;
  session: SessionEntry | null;
  index: number;
  dropped: boolean;
}

interface SessionEntry {
  readonly session: TtsSession;
  /** Sentence index (in this session) -> sentence, for those not fully received. */
  readonly sentences: Map<number, Sentence>;
  /** When each sentence went to this session (for vendors' per-minute limits). */
  readonly sentAtMs: number[];
}

export class SpeechChannel {
  readonly #options: SpeechChannelOptions;
  readonly #budget: ReconnectBudget;
  #active: SessionEntry | null = null;
  /** Sentences said while no session is up (it is being opened again), in order. */
  #waiting: Sentence[] = [];
  #rotating = false;
  #closed = false;
  /** Why the channel gave up (the service stayed down): every later sentence fails with it at once. */
  #down: { error: unknown } | null = null;

  constructor(options: SpeechChannelOptions) {
    this.#options = options;
    this.#budget = new ReconnectBudget(options.policy);
  }

  /** Opens the first session; rejects as TtsProvider.open does. */
  async start(): Promise<void> {
    const session = await this.#open(this.#options.signal);
    // Closed while it was being opened: nobody else will close it.
    if (this.#closed) {
      await session.close();
      return;
    }
    this.#use(session);
  }

  say(text: string, signal: AbortSignal): SentenceAudio {
    let resolve!: () => void;
    const synthesized = new Promise<void>((done) => (resolve = done));
    // One listener per sentence on a signal that may outlive many sentences: removed once it is settled.
    const onAbort = (): void => this.#drop(sentence);
    const settle = (): void => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    };
    const sentence: Sentence = {
      text,
      frames: new AsyncQueue<TimedFrame>({
        capacity: SENTENCE_FRAME_CAPACITY,
        overflowError: () => new ProviderError({ provider: 'tts', vendor: 'deepgram', code: 'protocol', retryable: false }, 'sentence audio not consumed'),
      }),
      synthesized,
      settle,
      session: null,
      index: -1,
      dropped: false,
    };
    if (this.#closed || signal.aborted) this.#drop(sentence);
    else if (this.#down !== null) {
      // Waiting for a session that will never come would leave the caller in dead air.
      sentence.frames.fail(this.#down.error);
      sentence.settle();
    } else {
      signal.addEventListener('abort', onAbort, { once: true });
      if (this.#active) this.#send(sentence, this.#active);
      else this.#waiting.push(sentence);
    }
    return { text, synthesized, [Symbol.asyncIterator]: () => sentence.frames[Symbol.asyncIterator]() };
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const sentence of this.#waiting) this.#drop(sentence);
    this.#waiting = [];
    await this.#active?.session.close();
  }

  #open(signal: AbortSignal): Promise<TtsSession> {
    return this.#options.tts.open({ voice: this.#options.voice, signal });
  }

  #use(session: TtsSession): SessionEntry {
    const entry: SessionEntry = { session, sentences: new Map(), sentAtMs: [] };
    this.#active = entry;
    void this.#pump(entry);
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const sentence of waiting) this.#send(sentence, entry);
    return entry;
  }

  #send(sentence: Sentence, entry: SessionEntry): void {
    sentence.session = entry;
    sentence.index = entry.session.speak(sentence.text);
    entry.sentences.set(sentence.index, sentence);
    entry.sentAtMs.push(this.#options.now());
  }

  #drop(sentence: Sentence): void {
    if (sentence.dropped) return;
    sentence.dropped = true;
    sentence.frames.discard();
    sentence.settle();
    this.#waiting = this.#waiting.filter((s) => s !== sentence);
    const entry = sentence.session;
    if (entry === null || !entry.sentences.delete(sentence.index)) return;
    // Clearing drops every queued sentence of the session: only when no other one is waiting for its audio.
    if (entry.sentences.size === 0) entry.session.clear();
    this.#maybeRetire(entry);
  }

  async #pump(entry: SessionEntry): Promise<void> {
    try {
      for await (const output of entry.session.output) {
        const sentence = entry.sentences.get(output.sentence);
        if (sentence === undefined) continue;
        if (output.type === 'frame') {
          sentence.frames.push({ frame: output.frame, atMs: output.atMs });
          continue;
        }
        entry.sentences.delete(output.sentence);
        sentence.frames.end();
        sentence.settle();
        this.#maybeRetire(entry);
        this.#maybeRotate(entry);
      }
    } catch (error: unknown) {
      if (this.#closed || this.#options.signal.aborted) return;
      await this.#recover(entry, error);
    }
  }

  /** A session failed: its unfinished sentences go to a new one, or fail when the service stays down. */
  async #recover(entry: SessionEntry, cause: unknown): Promise<void> {
    const orphans = [...entry.sentences.entries()].sort((a, b) => a[0] - b[0]).map(([, sentence]) => sentence);
    entry.sentences.clear();
    void entry.session.close();
    if (entry !== this.#active) {
      // A retired session's sentences move to the current one.
      if (this.#active) for (const sentence of orphans) this.#send(sentence, this.#active);
      else this.#waiting.unshift(...orphans);
      return;
    }
    this.#active = null;
    this.#waiting.unshift(...orphans);
    this.#options.logger.warn({ err: cause }, 'text-to-speech session dropped; opening a new one');
    if (!this.#budget.take(this.#options.now())) {
      this.#giveUp(cause);
      return;
    }
    try {
      const session = await reopen((signal) => this.#open(signal), cause, {
        signal: this.#options.signal,
        ...(this.#options.policy ? { policy: this.#options.policy } : {}),
      });
      if (this.#closed) {
        void session.close();
        return;
      }
      this.#options.onReconnect?.(cause);
      this.#use(session);
    } catch (error: unknown) {
      if (!this.#options.signal.aborted) this.#giveUp(error);
    }
  }

  /** The service stays down: what waits fails now, what comes later fails at once, and the owner is told. */
  #giveUp(error: unknown): void {
    if (this.#closed) return;
    this.#down = { error };
    this.#failWaiting(error);
    this.#options.onDown?.(error);
  }

  #failWaiting(error: unknown): void {
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const sentence of waiting) {
      sentence.frames.fail(error);
      sentence.settle();
    }
  }

  /** Between sentences: moves to a fresh session when the vendor's per-minute limit comes near. */
  #maybeRotate(entry: SessionEntry): void {
    const limit = this.#options.tts.sentencesPerMinuteLimit;
    if (!limit || this.#rotating || this.#closed || entry !== this.#active || entry.sentences.size > 0) return;
    const nowMs = this.#options.now();
    while (entry.sentAtMs.length > 0 && nowMs - entry.sentAtMs[0]! >= MINUTE_MS) entry.sentAtMs.shift();
    if (entry.sentAtMs.length < limit / 2) return;
    this.#rotating = true;
    this.#open(this.#options.signal).then(
      (session) => {
        this.#rotating = false;
        if (this.#closed) {
          void session.close();
          return;
        }
        const previous = this.#active;
        this.#use(session);
        if (previous) this.#maybeRetire(previous);
      },
      (error: unknown) => {
        this.#rotating = false;
        this.#options.logger.warn({ err: error }, 'a fresh text-to-speech session could not be opened; keeping the current one');
      },
    );
  }

  /** A session replaced by a fresh one closes once it delivered what it had. */
  #maybeRetire(entry: SessionEntry): void {
    if (entry !== this.#active && entry.sentences.size === 0) void entry.session.close();
  }
}
