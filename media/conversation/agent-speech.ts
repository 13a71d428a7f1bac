// The agent's text-to-speech side for one call: turns' text goes to the TTS
// session, its audio comes back tagged with the turn it belongs to.
//
// - The first chunk of a turn goes at once (lowest latency); while it is being
//   synthesized, later chunks are batched and sent together when it is done.
//   Synthesis is faster than playback, so the caller hears no gap, and a turn
//   costs a few TTS flushes at most.
// - A vendor that limits sentences per session and minute (Deepgram: 20
//   flushes) gets a fresh session, opened in the background between turns
//   while nothing is being synthesized, well before the limit is reached.
import type { Logger } from 'pino';
import type { TtsFrame, TtsProvider, TtsSession } from '../providers/types.js';

export interface AgentSpeechListener {
  /** A turn's first audio came back from TTS. */
  firstAudio(turn: number, atMs: number): void;
  /** A new text segment of the turn starts (the frames that follow belong to it). */
  segment(turn: number, text: string): void;
  frame(turn: number, frame: TtsFrame): void;
  /** Everything of the turn was synthesized (after finish()). */
  done(turn: number): void;
  /** The TTS session failed (not after close or a session change). */
  failed(error: unknown): void;
}

interface TurnSpeech {
  /** TTS sentence indexes not fully received yet. */
  pending: Set<number>;
  /** Text waiting for the pending sentence to finish (sent as one chunk). */
  batched: string;
  /** The LLM is done with this turn. */
  finished: boolean;
  firstAudio: boolean;
}

const MINUTE_MS = 60_000;

export class AgentSpeech {
  readonly #tts: TtsProvider;
  readonly #voice: string;
  readonly #signal: AbortSignal;
  readonly #now: () => number;
  readonly #log: Logger;
  readonly #listener: AgentSpeechListener;
  /** TTS sentence index (of the current session) -> its turn. */
  readonly #sentenceTurn = new Map<number, number>();
  readonly #turns = new Map<number, TurnSpeech>();
  /** When each sentence went to the current session (for vendors' per-minute limits). */
  #sent: number[] = [];
  #session: TtsSession | null = null;
  #rotating = false;
  #closed = false;

  constructor(options: {
    tts: TtsProvider;
    voice: string;
    signal: AbortSignal;
    now: () => number;
    logger: Logger;
    listener: AgentSpeechListener;
  }) {
    this.#tts = options.tts;
    this.#voice = options.voice;
    this.#signal = options.signal;
    this.#now = options.now;
    this.#log = options.logger;
    this.#listener = options.listener;
  }

  /** Starts using `session` (the first one, opened by the agent with its other providers). */
  attach(session: TtsSession): void {
    this.#session = session;
    void this.#pump(session);
  }

  speak(turn: number, text: string): void {
    const speech = this.#speech(turn);
    if (speech.pending.size > 0) {
      speech.batched = speech.batched === '' ? text : `${speech.batched} ${text}`;
      return;
    }
    this.#send(turn, text);
  }

  /** The turn's text is complete: it is done once its last sentence is synthesized. */
  finish(turn: number): void {
    this.#speech(turn).finished = true;
    this.#maybeDone(turn);
  }

  /** Barge-in: nothing more of `turn` is synthesized or delivered. */
  cancel(turn: number): void {
    this.#turns.delete(turn);
    for (const [sentence, owner] of this.#sentenceTurn) if (owner === turn) this.#sentenceTurn.delete(sentence);
    this.#session?.clear();
    // Interrupted turns count against the vendor's limit as well, and never drain.
    this.maybeRotate(this.#now());
  }

  /** Between turns: moves to a fresh session when the vendor's per-minute limit comes near. */
  maybeRotate(atMs: number): void {
    const limit = this.#tts.sentencesPerMinuteLimit;
    if (!limit || this.#rotating || this.#sentenceTurn.size > 0 || this.#closed) return;
    while (this.#sent.length > 0 && atMs - this.#sent[0]! >= MINUTE_MS) this.#sent.shift();
    if (this.#sent.length < limit / 2) return;
    this.#rotating = true;
    this.#tts.open({ voice: this.#voice, signal: this.#signal }).then(
      (session) => {
        this.#rotating = false;
        if (this.#closed) {
          void session.close();
          return;
        }
        const previous = this.#session;
        this.#sent = [];
        this.attach(session);
        void previous?.close();
      },
      (error: unknown) => {
        this.#rotating = false;
        this.#log.warn({ err: error }, 'a fresh text-to-speech session could not be opened; keeping the current one');
      },
    );
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#session?.close();
  }

  #send(turn: number, text: string): void {
    const session = this.#session;
    if (!session) return;
    const sentence = session.speak(text);
    this.#sent.push(this.#now());
    this.#sentenceTurn.set(sentence, turn);
    this.#speech(turn).pending.add(sentence);
    this.#listener.segment(turn, text);
  }

  #speech(turn: number): TurnSpeech {
    let speech = this.#turns.get(turn);
    if (!speech) {
      speech = { pending: new Set(), batched: '', finished: false, firstAudio: false };
      this.#turns.set(turn, speech);
    }
    return speech;
  }

  #maybeDone(turn: number): void {
    const speech = this.#turns.get(turn);
    if (!speech || speech.pending.size > 0) return;
    if (speech.batched !== '') {
      const text = speech.batched;
      speech.batched = '';
      this.#send(turn, text);
      return;
    }
    if (speech.finished) {
      this.#turns.delete(turn);
      this.#listener.done(turn);
      this.maybeRotate(this.#now());
    }
  }

  async #pump(session: TtsSession): Promise<void> {
    try {
      for await (const output of session.output) {
        // A session replaced while idle delivers nothing that matters any more.
        if (session !== this.#session) return;
        const turn = this.#sentenceTurn.get(output.sentence);
        const speech = turn === undefined ? undefined : this.#turns.get(turn);
        if (turn === undefined || !speech) continue;
        if (output.type === 'frame') {
          if (!speech.firstAudio) {
            speech.firstAudio = true;
            this.#listener.firstAudio(turn, output.atMs);
          }
          this.#listener.frame(turn, output.frame);
        } else {
          this.#sentenceTurn.delete(output.sentence);
          speech.pending.delete(output.sentence);
          this.#maybeDone(turn);
        }
      }
    } catch (error) {
      if (session === this.#session && !this.#closed) this.#listener.failed(error);
    }
  }
}
