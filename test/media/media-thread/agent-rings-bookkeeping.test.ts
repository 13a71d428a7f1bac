// What the caller heard, as the agent on the main thread accounts for it,
// across the two rings when they are full or a clear is on its way: an
// AgentOutput (the AI agent's) plays into RingAgentContext, a RingAgent moves
// the audio into a playout double, and the test sends the playout's frames as
// the media thread's tick would. The rings are made small so that a stalled
// main thread fills them within a few frames.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { AgentContext, CallAgent } from '../../../media/agents/agent.js';
import { AgentOutput, type PlayoutAccount } from '../../../media/conversation/agent-output.js';
import { RingAgent } from '../../../media/media-thread/ring-agent.js';
import { RingAgentContext } from '../../../media/media-thread/ring-agent-context.js';
import type { TtsFrame } from '../../../media/providers/types.js';
import { sessionRequest } from '../../support/media-rtp-peer.js';

/** The media thread's playout queue: frames are numbered by their first sample; send() takes the oldest. */
class PlayoutDouble implements AgentContext {
  readonly request = sessionRequest();
  readonly logger = pino({ level: 'silent' });
  readonly sampleRate = 8000 as const;
  readonly queued: Int16Array[] = [];
  readonly ends: number[] = [];
  readonly #capacity: number;
  constructor(capacity: number) {
    this.#capacity = capacity;
  }
  play(frame: Int16Array): boolean {
    if (this.freeFrames === 0) return false;
    this.queued.push(Int16Array.from(frame));
    return true;
  }
  playUlaw(): boolean {
    return false;
  }
  get freeFrames(): number {
    return this.#capacity - this.queued.length;
  }
  endOfSpeech(): void {
    this.ends.push(this.queued.length);
  }
  clear(): void {
    this.queued.length = 0;
  }
  space(): Promise<boolean> {
    return Promise.resolve(this.freeFrames > 0);
  }
}

/** The AI agent's accounting: its AgentOutput told of every frame sent. */
class OutputAgent implements CallAgent {
  readonly output: AgentOutput;
  constructor(context: AgentContext) {
    this.output = new AgentOutput(context);
  }
  onCallerFrame(): void {}
  onAgentFrameSent(_frame: Int16Array, atMs: number, cleared = false): void {
    this.output.onSent(atMs, cleared);
  }
  onAgentFramesUnseen(count: number, atMs: number, cleared: boolean): void {
    this.output.onSent(atMs, cleared, count);
  }
  async close(): Promise<void> {}
}

function account(): PlayoutAccount & { sentAt: number[] } {
  const sentAt: number[] = [];
  return { sentAt, onSent: (atMs) => sentAt.push(atMs) };
}

const frame = (id: number): TtsFrame => ({ kind: 'pcm', samples: new Int16Array(160).fill(id) });

function joined(rings: { eventRecords: number; agentRecords: number }, playoutFrames: number) {
  const main = new RingAgentContext({ request: sessionRequest(), logger: pino({ level: 'silent' }), audio: () => {}, clear: () => {}, ...rings });
  const agent = new OutputAgent(main);
  main.attach(agent);
  const playout = new PlayoutDouble(playoutFrames);
  let dropped = 0;
  const media = new RingAgent({
    context: playout,
    events: main.events,
    agent: main.agentRing,
    ring: () => {},
    space: () => main.onSpace(),
    dropped: () => (dropped += 1),
  });
  /** One tick of the media thread: the caller's frame (which moves agent audio first), then the agent's packet if one is queued. */
  const tick = (atMs: number): number | null => {
    media.onCallerFrame(new Int16Array(160), atMs, null);
    const sent = playout.queued.shift();
    if (sent === undefined) return null;
    media.onAgentFrameSent(sent, atMs);
    return sent[0]!;
  };
  return { main, agent, playout, media, tick, dropped: () => dropped };
}

describe('agent rings: the account of what the caller heard', () => {
  it('a stalled main thread loses caller audio, never the frames sent: the answer is whole and the output falls silent', async () => {
    const { main, agent, tick, dropped } = joined({ eventRecords: 16, agentRecords: 8 }, 50);
    const answer = account();
    const played = agent.output.play([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(frame), answer, new AbortController().signal);
    // The main thread does not read the events ring while its frames leave, and long after.
    const sent: number[] = [];
    const sentAt: number[] = [];
    for (let at = 0; sent.length < 10; at += 20) {
      const id = tick(at);
      if (id !== null) {
        sent.push(id);
        sentAt.push(at);
      }
      // The agent's producer runs between ticks (its space() waits are answered from pump()).
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    for (let at = 1000; at < 1400; at += 20) tick(at);
    await played;
    expect(sent).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(dropped()).toBeGreaterThan(0);
    expect(agent.output.audible).toBe(true);
    main.drainEvents();
    expect(answer.sentAt).toHaveLength(10);
    // The first packet's time is kept (it is the answer's latency); those past the ring carry the last one's.
    expect(answer.sentAt[0]).toBe(sentAt[0]);
    expect(answer.sentAt.at(-1)).toBe(sentAt.at(-1));
    expect(agent.output.audible).toBe(false);
  });

  it('the answer and the frames sent that found the ring full are written, in order, once the main thread frees a record', () => {
    const { main, media, tick } = joined({ eventRecords: 16, agentRecords: 16 }, 50);
    const seen: string[] = [];
    main.attach({
      onCallerFrame: () => seen.push('frame'),
      onAnswered: (atMs) => seen.push(`answered ${Math.round(atMs)}`),
      onAgentFrameSent: () => seen.push('sent'),
      onAgentFramesUnseen: (count, atMs) => seen.push(`unseen ${count} ${Math.round(atMs)}`),
      close: async () => {},
    });
    const now = Math.round(performance.now());
    main.play(new Int16Array(160).fill(1));
    // Caller frames fill the ring up to its control reserve (8 of 16), beside the first frame sent.
    for (let at = 0; at < 40; at += 1) tick(now);
    for (let i = 0; i < 9; i += 1) expect(main.play(new Int16Array(160).fill(2 + i))).toBe(true);
    // Eight frames sent take the reserve; the ninth finds the ring full, and so does the answer.
    for (let at = 1; at <= 9; at += 1) tick(now + at);
    media.onAnswered(now + 10);
    tick(now + 11);
    main.drainEvents();
    expect(seen).toEqual(['frame', 'sent', ...Array<string>(6).fill('frame'), ...Array<string>(8).fill('sent')]);
    seen.length = 0;
    tick(now + 12);
    main.drainEvents();
    expect(seen).toEqual([`answered ${now + 10}`, `unseen 1 ${now + 9}`, 'frame']);
  });

  it('frames sent between a clear and the media thread applying it are not credited to the answer queued after it', async () => {
    const { main, agent, playout, media, tick } = joined({ eventRecords: 64, agentRecords: 8 }, 50);
    const interrupted = account();
    const aborter = new AbortController();
    const first = agent.output.play([1, 2, 3, 4].map(frame), interrupted, aborter.signal);
    await first;
    media.pump();
    tick(0);
    main.drainEvents();
    expect(interrupted.sentAt).toEqual([0]);
    // Barge-in: the main thread clears; the media thread sends one more of the old frames before it sees the clear.
    agent.output.clear();
    const stale = playout.queued.shift()!;
    media.onAgentFrameSent(stale, 20);
    const next = account();
    await agent.output.play([7, 8].map(frame), next, new AbortController().signal);
    expect(tick(40)).toBe(7);
    expect(tick(60)).toBe(8);
    main.drainEvents();
    expect(next.sentAt).toEqual([40, 60]);
    expect(interrupted.sentAt).toEqual([0]);
    expect(agent.output.audible).toBe(false);
  });

  it('an end of speech always reaches the media thread, even when the agent ring is full, and after a clear of a full ring', async () => {
    const { main, playout, media } = joined({ eventRecords: 64, agentRecords: 4 }, 50);
    let accepted = 0;
    while (main.play(new Int16Array(160).fill(accepted + 1))) accepted += 1;
    expect(accepted).toBe(3);
    main.endOfSpeech();
    media.pump();
    expect(playout.ends).toEqual([3]);
    playout.queued.length = 0;
    while (main.play(new Int16Array(160).fill(9)));
    main.endOfSpeech();
    main.clear();
    expect(main.play(new Int16Array(160).fill(10))).toBe(false);
    const room = main.space(new AbortController().signal);
    media.pump();
    await expect(room).resolves.toBe(true);
    expect(main.play(new Int16Array(160).fill(10))).toBe(true);
    main.endOfSpeech();
    media.pump();
    expect(playout.queued.map((sent) => sent[0])).toEqual([10]);
    expect(playout.ends).toEqual([3, 1]);
  });
});
