import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { AgentSpeech } from '../../../media/conversation/agent-speech.js';
import type { TtsOutput, TtsProvider, TtsSession } from '../../../media/providers/types.js';

/** A TTS vendor on a leash: each session yields what the test pushes, sentence by sentence. */
class ScriptedTts implements TtsProvider {
  readonly sessions: ScriptedSession[] = [];
  constructor(readonly sentencesPerMinuteLimit?: number) {}
  open(): Promise<TtsSession> {
    const session = new ScriptedSession();
    this.sessions.push(session);
    return Promise.resolve(session);
  }
  async probe(): Promise<void> {}
}

class ScriptedSession implements TtsSession {
  readonly spoken: string[] = [];
  cleared = 0;
  closed = false;
  #waiters: ((value: IteratorResult<TtsOutput>) => void)[] = [];
  #queue: TtsOutput[] = [];
  speak(text: string): number {
    this.spoken.push(text);
    return this.spoken.length - 1;
  }
  clear(): void {
    this.cleared += 1;
  }
  /** Synthesizes sentence `index`: one frame, then done. */
  finish(index: number): void {
    this.#emit({ type: 'frame', sentence: index, frame: { kind: 'ulaw', payload: new Uint8Array(160) }, atMs: 0 });
    this.#emit({ type: 'sentence_done', sentence: index, atMs: 0 });
  }
  #emit(output: TtsOutput): void {
    const waiter = this.#waiters.shift();
    if (waiter) waiter({ value: output, done: false });
    else this.#queue.push(output);
  }
  readonly output: AsyncIterable<TtsOutput> = {
    [Symbol.asyncIterator]: () => ({
      next: () => {
        const queued = this.#queue.shift();
        if (queued) return Promise.resolve({ value: queued, done: false });
        if (this.closed) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => this.#waiters.push(resolve));
      },
    }),
  };
  close(): Promise<void> {
    this.closed = true;
    for (const waiter of this.#waiters.splice(0)) waiter({ value: undefined, done: true });
    return Promise.resolve();
  }
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

function speechWith(tts: ScriptedTts) {
  const events: string[] = [];
  let now = 0;
  const speech = new AgentSpeech({
    tts,
    voice: 'v',
    signal: new AbortController().signal,
    now: () => now,
    logger: pino({ level: 'silent' }),
    listener: {
      firstAudio: (turn) => events.push(`first:${turn}`),
      segment: (turn, text) => events.push(`segment:${turn}:${text}`),
      frame: (turn) => events.push(`frame:${turn}`),
      done: (turn) => events.push(`done:${turn}`),
      failed: () => events.push('failed'),
    },
  });
  return { speech, events, setNow: (ms: number) => (now = ms) };
}

describe('AgentSpeech', () => {
  it('sends the first chunk at once and batches the rest until it is synthesized', async () => {
    const tts = new ScriptedTts();
    const { speech, events } = speechWith(tts);
    speech.attach(await tts.open());
    const session = tts.sessions[0]!;
    speech.speak(1, 'Sure.');
    speech.speak(1, 'We open at nine.');
    speech.speak(1, 'And close at five.');
    speech.finish(1);
    expect(session.spoken).toEqual(['Sure.']);
    session.finish(0);
    await flush();
    expect(session.spoken).toEqual(['Sure.', 'We open at nine. And close at five.']);
    session.finish(1);
    await flush();
    expect(events).toEqual([
      'segment:1:Sure.',
      'first:1',
      'frame:1',
      'segment:1:We open at nine. And close at five.',
      'frame:1',
      'done:1',
    ]);
  });

  it('moves to a fresh session between turns before the vendor per-minute limit', async () => {
    const tts = new ScriptedTts(4);
    const { speech } = speechWith(tts);
    speech.attach(await tts.open());
    for (let turn = 0; turn < 2; turn += 1) {
      speech.speak(turn, `Answer ${turn}.`);
      speech.finish(turn);
      tts.sessions[0]!.finish(turn);
      await flush();
    }
    // Two sentences of a limit of four: the next turn goes to a new session.
    await flush();
    expect(tts.sessions).toHaveLength(2);
    expect(tts.sessions[0]!.closed).toBe(true);
    speech.speak(2, 'Answer 2.');
    expect(tts.sessions[1]!.spoken).toEqual(['Answer 2.']);
  });

  it('does not rotate a vendor without a limit, and cancels a turn on barge-in', async () => {
    const tts = new ScriptedTts();
    const { speech, events } = speechWith(tts);
    speech.attach(await tts.open());
    for (let turn = 0; turn < 30; turn += 1) {
      speech.speak(turn, 'x.');
      speech.cancel(turn);
    }
    await flush();
    expect(tts.sessions).toHaveLength(1);
    expect(tts.sessions[0]!.cleared).toBe(30);
    tts.sessions[0]!.finish(0);
    await flush();
    expect(events.filter((e) => e.startsWith('frame'))).toEqual([]);
  });
});
