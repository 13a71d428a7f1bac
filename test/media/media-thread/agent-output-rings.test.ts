// The agent's output (AgentOutput) over the real rings between the threads:
// RingAgentContext on the main thread's side, RingAgent on the media thread's,
// in one thread here. What crosses as a message between the threads (`audio`,
// `clear`, `space`) waits in a mailbox until the test delivers it, and the
// media thread's ticks run when the test says, so each ordering of a barge-in
// and a new source's wait for room is driven exactly. What is asserted: the
// new source's audio reaches the wire, every frame of it, in order.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { AgentContext } from '../../../media/agents/agent.js';
import { AgentOutput } from '../../../media/conversation/agent-output.js';
import { RingAgent } from '../../../media/media-thread/ring-agent.js';
import { RingAgentContext } from '../../../media/media-thread/ring-agent-context.js';
import type { TtsFrame } from '../../../media/providers/types.js';
import { sessionRequest } from '../../support/media-rtp-peer.js';

/** The session's playout queue on the media thread: bounded, one frame out per tick. */
class WirePlayout implements AgentContext {
  readonly request = sessionRequest();
  readonly logger = pino({ level: 'silent' });
  readonly sampleRate = 8000 as const;
  readonly queued: number[] = [];
  readonly wire: number[] = [];
  /** Runs after a frame is queued: what the main thread does meanwhile, in the middle of a pump. */
  whileQueueing: (() => void) | null = null;
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  play(frame: Int16Array): boolean {
    if (this.freeFrames === 0) return false;
    this.queued.push(frame[0]!);
    this.whileQueueing?.();
    return true;
  }

  playUlaw(payload: Uint8Array): boolean {
    if (this.freeFrames === 0) return false;
    this.queued.push(payload[0]!);
    this.whileQueueing?.();
    return true;
  }

  get freeFrames(): number {
    return this.#capacity - this.queued.length;
  }

  endOfSpeech(): void {}

  clear(): void {
    this.queued.length = 0;
  }

  space(): Promise<boolean> {
    return Promise.resolve(this.freeFrames > 0);
  }

  /** One 20 ms tick's packet. */
  send(): void {
    const frame = this.queued.shift();
    if (frame !== undefined) this.wire.push(frame);
  }
}

/** A mu-law frame whose first byte names its source. */
const frameOf = (source: number): TtsFrame => ({ kind: 'ulaw', payload: new Uint8Array(160).fill(source) });
const framesOf = (source: number, count: number): TtsFrame[] => Array.from({ length: count }, () => frameOf(source));

/** Lets every pending promise callback run (the output's pulls and waits). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function joined(playoutFrames: number) {
  const toMedia: string[] = [];
  const toMain: string[] = [];
  const main = new RingAgentContext({
    request: sessionRequest(),
    logger: pino({ level: 'silent' }),
    audio: () => toMedia.push('audio'),
    clear: () => toMedia.push('clear'),
  });
  const playout = new WirePlayout(playoutFrames);
  const media = new RingAgent({
    context: playout,
    events: main.events,
    agent: main.agentRing,
    ring: () => undefined,
    space: () => toMain.push('space'),
    dropped: () => undefined,
  });
  const output = new AgentOutput(main);
  /** The media thread reads its messages (`audio` and `clear` both pump the ring). */
  const mediaReads = (): void => {
    for (const _ of toMedia.splice(0)) media.pump();
  };
  /** The main thread reads its messages. */
  const mainReads = async (): Promise<void> => {
    for (const _ of toMain.splice(0)) main.onSpace();
    await settle();
  };
  /** One media tick (the ring is pumped before the packet leaves), then both threads read their messages. */
  const tick = async (): Promise<void> => {
    media.pump();
    playout.send();
    mediaReads();
    await mainReads();
  };
  /** Ticks until `done` holds; fails if it never does within `limit` ticks. */
  const ticksUntil = async (done: () => boolean, limit: number): Promise<void> => {
    for (let i = 0; i < limit && !done(); i += 1) await tick();
    expect(done()).toBe(true);
  };
  return { main, media, playout, output, toMedia, toMain, mediaReads, mainReads, tick, ticksUntil };
}

describe('agent output over the rings between the threads', () => {
  it('a barge-in on a full ring: the next answer plays when the clear reaches the media thread after the answer began to wait for room', async () => {
    const { main, playout, output, toMain, mediaReads, mainReads, ticksUntil } = joined(4);
    const cut = new AbortController();
    void output.play(framesOf(1, 200), null, cut.signal);
    await settle();
    expect(main.freeFrames).toBe(0);
    // The caller cuts in: the turn stops, the output is cleared, and the answer comes at once.
    cut.abort();
    output.clear();
    const answer = output.play(framesOf(2, 60), null, new AbortController().signal);
    await settle();
    // The answer waits for room in a ring still full of the cut turn's audio.
    expect(main.freeFrames).toBe(0);
    expect(toMain).toEqual([]);
    mediaReads();
    await mainReads();
    await ticksUntil(() => playout.wire.filter((source) => source === 2).length === 60, 200);
    await answer;
    expect(playout.wire.slice(playout.wire.indexOf(2))).toEqual(framesOf(2, 60).map(() => 2));
  });

  it('a barge-in on a full ring: the next answer plays when the clear reached the media thread before the answer asked for room', async () => {
    const { main, playout, output, mediaReads, mainReads, ticksUntil } = joined(4);
    const cut = new AbortController();
    void output.play(framesOf(1, 200), null, cut.signal);
    await settle();
    cut.abort();
    output.clear();
    mediaReads();
    // The media thread answered `space` for a producer that has gone away.
    await mainReads();
    expect(main.agentRing.size).toBe(0);
    const answer = output.play(framesOf(2, 60), null, new AbortController().signal);
    await ticksUntil(() => playout.wire.filter((source) => source === 2).length === 60, 200);
    await answer;
  });

  it('a filler holding the output hands it to the answer, whose audio all plays after it', async () => {
    const { playout, output, ticksUntil } = joined(4);
    const turn = new AbortController();
    const filler = output.play(framesOf(3, 40), null, turn.signal);
    const answer = output.play(framesOf(2, 40), null, turn.signal);
    await ticksUntil(() => playout.wire.filter((source) => source === 2).length === 40, 200);
    await Promise.all([filler, answer]);
    expect(playout.wire).toEqual([...framesOf(3, 40).map(() => 3), ...framesOf(2, 40).map(() => 2)]);
  });

  it('a clear and new audio while the media thread pumps: the new audio is not dropped with the cleared', () => {
    const { main, media, playout } = joined(50);
    const pcm = (value: number): Int16Array => new Int16Array(160).fill(value);
    for (let i = 0; i < 5; i += 1) main.play(pcm(1));
    let once = true;
    playout.whileQueueing = () => {
      if (!once) return;
      once = false;
      // The main thread, meanwhile: a barge-in, and the next answer's first frames.
      main.clear();
      for (let i = 0; i < 3; i += 1) main.play(pcm(2));
    };
    media.pump();
    media.pump();
    expect(playout.queued).toEqual([2, 2, 2]);
    expect(main.agentRing.size).toBe(0);
  });
});
