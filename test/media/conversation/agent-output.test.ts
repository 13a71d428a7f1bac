// AgentOutput against an in-memory playout queue with the session's rules
// (bounded, refuses when full, space(signal) resolves once there is room, a
// talk spurt's first frame may leave from inside play()). Sources are pulled
// one frame at a time: nothing piles up in the output itself.
import { describe, expect, it } from 'vitest';
import { AgentOutput, type PlayoutAccount } from '../../../media/conversation/agent-output.js';
import type { TtsFrame } from '../../../media/providers/types.js';
import { InMemoryPlayout } from '../../support/doubles/playout.js';
import { sessionRequest } from '../../support/doubles/session-request.js';

/** A mu-law frame whose first byte identifies it. */
function ulaw(id: number): TtsFrame {
  const payload = new Uint8Array(160).fill(0x55);
  payload[0] = id;
  return { kind: 'ulaw', payload };
}

/** A PCM frame whose first sample identifies it. */
function pcm(id: number): TtsFrame {
  const samples = new Int16Array(160).fill(1000);
  samples[0] = id;
  return { kind: 'pcm', samples };
}

function idOf(frame: { kind: 'ulaw' | 'pcm'; payload: Uint8Array | null; samples: Int16Array }): number {
  return frame.kind === 'ulaw' ? frame.payload![0]! : frame.samples[0]!;
}

/** An account that records when each of its frames left. */
function account(): PlayoutAccount & { sentAt: number[] } {
  const sentAt: number[] = [];
  return { sentAt, onSent: (atMs) => sentAt.push(atMs) };
}

/** A source the test feeds frame by frame, and ends or fails by hand. */
class ManualSource implements AsyncIterable<TtsFrame> {
  readonly #frames: TtsFrame[] = [];
  #ended = false;
  #failure: Error | null = null;
  #wake: (() => void) | null = null;

  push(...frames: TtsFrame[]): void {
    this.#frames.push(...frames);
    this.#notify();
  }

  end(): void {
    this.#ended = true;
    this.#notify();
  }

  fail(error: Error): void {
    this.#failure = error;
    this.#notify();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<TtsFrame> {
    for (;;) {
      const frame = this.#frames.shift();
      if (frame) {
        yield frame;
        continue;
      }
      if (this.#failure) throw this.#failure;
      if (this.#ended) return;
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}

/** Lets pending promise callbacks (the output's pulls) run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function outputOn(options: { capacityFrames?: number; sendsSpurtStartAtOnce?: boolean } = {}) {
  let nowMs = 1_000;
  const playout = new InMemoryPlayout({ request: sessionRequest(), now: () => nowMs, ...options });
  const output = new AgentOutput(playout);
  playout.onFrameSent = (_frame, atMs) => output.onSent(atMs);
  const ticks = async (count: number): Promise<void> => {
    for (let i = 0; i < count; i += 1) {
      nowMs += 20;
      playout.tick();
      await settle();
    }
  };
  const sentIds = (): number[] => playout.sent.map(idOf);
  return { playout, output, ticks, sentIds };
}

describe('AgentOutput', () => {
  it('hands frames to the playout queue in order: mu-law as is, PCM as samples', async () => {
    const { playout, output, ticks } = outputOn();
    await output.play([ulaw(1), pcm(2), ulaw(3)], null, new AbortController().signal);
    expect(playout.queuedFrames).toBe(3);
    expect(playout.endOfSpeechCalls).toBe(1);
    await ticks(3);
    expect(playout.sent.map((frame) => [frame.kind, idOf(frame)])).toEqual([
      ['ulaw', 1],
      ['pcm', 2],
      ['ulaw', 3],
    ]);
    // The mu-law bytes reach the queue untouched (no decode and re-encode).
    expect(playout.sent[0]!.payload!.subarray(1).every((byte) => byte === 0x55)).toBe(true);
    expect(playout.sent[1]!.payload).toBeNull();
  });

  it('tells each account when its frames left, in the order they were sent', async () => {
    const { output, ticks } = outputOn();
    const first = account();
    const second = account();
    const signal = new AbortController().signal;
    await Promise.all([output.play([ulaw(1), ulaw(2)], first, signal), output.play([ulaw(3)], second, signal)]);
    await ticks(4);
    expect(first.sentAt).toEqual([1_020, 1_040]);
    expect(second.sentAt).toEqual([1_060]);
  });

  it('attributes a frame the session sends from inside play() (a talk spurt starting at once)', async () => {
    const { output, ticks, sentIds } = outputOn({ sendsSpurtStartAtOnce: true });
    const spoken = account();
    await output.play([ulaw(1), ulaw(2)], spoken, new AbortController().signal);
    expect(sentIds()).toEqual([1]);
    expect(spoken.sentAt).toEqual([1_000]);
    await ticks(2);
    expect(sentIds()).toEqual([1, 2]);
    expect(spoken.sentAt).toHaveLength(2);
  });

  it('plays sources one after another, each whole: a later source waits for the one holding the output', async () => {
    const { output, ticks, sentIds } = outputOn();
    const signal = new AbortController().signal;
    const filler = new ManualSource();
    const fillerDone = output.play(filler, null, signal);
    filler.push(ulaw(1));
    await settle();
    // The answer is ready at once, but the filler took the output with its first frame.
    const answerDone = output.play([ulaw(10), ulaw(11)], null, signal);
    await ticks(1);
    filler.push(ulaw(2), ulaw(3));
    filler.end();
    await fillerDone;
    await answerDone;
    await ticks(5);
    expect(sentIds()).toEqual([1, 2, 3, 10, 11]);
  });

  it('pulls only what the playout queue has room for, and sends every frame in order', async () => {
    const { playout, output, ticks, sentIds } = outputOn({ capacityFrames: 3 });
    const source = new ManualSource();
    for (let id = 1; id <= 8; id += 1) source.push(ulaw(id));
    source.end();
    let done = false;
    void output.play(source, null, new AbortController().signal).then(() => (done = true));
    await settle();
    expect(playout.queuedFrames).toBe(3);
    expect(playout.spaceWaiters).toBe(1);
    expect(output.audible).toBe(true);
    expect(done).toBe(false);
    await ticks(8);
    expect(done).toBe(true);
    expect(sentIds()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // Never offered a frame the queue had to refuse: it waited for room instead.
    expect(playout.refusals).toBe(0);
    expect(output.audible).toBe(false);
  });

  it('stops pulling when its signal aborts: what is queued stays until clear(), nothing more is taken', async () => {
    const { playout, output, ticks, sentIds } = outputOn({ capacityFrames: 2 });
    const controller = new AbortController();
    const source = new ManualSource();
    source.push(ulaw(1), ulaw(2), ulaw(3), ulaw(4));
    const done = output.play(source, null, controller.signal);
    await settle();
    expect(playout.queuedFrames).toBe(2);
    controller.abort();
    await done;
    expect(playout.spaceWaiters).toBe(0);
    expect(playout.endOfSpeechCalls).toBe(1);
    await ticks(1);
    expect(sentIds()).toEqual([1]);
    output.clear();
    expect(playout.queuedFrames).toBe(0);
    expect(playout.framesCleared).toBe(1);
    expect(output.audible).toBe(false);
    await ticks(2);
    expect(sentIds()).toEqual([1]);
  });

  it('after clear(), the next source plays and its frames are attributed to it, not to the cleared one', async () => {
    const { output, ticks, sentIds } = outputOn();
    const controller = new AbortController();
    const cleared = account();
    const next = account();
    await output.play([ulaw(1), ulaw(2)], cleared, controller.signal);
    controller.abort();
    output.clear();
    await output.play([ulaw(5)], next, new AbortController().signal);
    await ticks(2);
    expect(sentIds()).toEqual([5]);
    expect(cleared.sentAt).toEqual([]);
    expect(next.sentAt).toEqual([1_020]);
  });

  it('a failing source rejects after its earlier frames, and lets the next source have the output', async () => {
    const { output, ticks, sentIds } = outputOn();
    const signal = new AbortController().signal;
    const failing = new ManualSource();
    failing.push(ulaw(1));
    const failed = output.play(failing, null, signal);
    const next = output.play([ulaw(7)], null, signal);
    await settle();
    failing.fail(new Error('the speech stream dropped'));
    await expect(failed).rejects.toThrow('the speech stream dropped');
    await next;
    await ticks(3);
    expect(sentIds()).toEqual([1, 7]);
  });

  it('an empty source takes no turn and ends no talk spurt', async () => {
    const { playout, output } = outputOn();
    await output.play([], null, new AbortController().signal);
    expect(playout.endOfSpeechCalls).toBe(0);
    expect(output.audible).toBe(false);
  });
});
