// An agent on the main thread and the session on the media thread, joined by
// their two rings: RingAgentContext (what the agent plays into) and RingAgent
// (what the session drives), here in one thread with a recording playout in
// place of the session's queue. The messages between the threads become
// direct calls.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { AgentContext, CallAgent } from '../../../media/agents/agent.js';
import { RingAgent } from '../../../media/media-thread/ring-agent.js';
import { RingAgentContext } from '../../../media/media-thread/ring-agent-context.js';
import { AGENT_RING_RECORDS, EVENT_RING_CONTROL_RESERVE } from '../../../media/media-thread/media-thread-protocol.js';
import { sessionRequest } from '../../support/media-rtp-peer.js';

/** The session's side: a playout queue of `capacity` frames that notes what it was given. */
class PlayoutDouble implements AgentContext {
  readonly request = sessionRequest();
  readonly logger = pino({ level: 'silent' });
  readonly sampleRate = 8000 as const;
  readonly queued: number[] = [];
  readonly log: string[] = [];
  readonly #capacity: number;
  constructor(capacity: number) {
    this.#capacity = capacity;
  }
  play(frame: Int16Array): boolean {
    if (this.freeFrames === 0) return false;
    this.queued.push(frame[0]!);
    return true;
  }
  playUlaw(payload: Uint8Array): boolean {
    if (this.freeFrames === 0) return false;
    this.queued.push(-payload[0]!);
    return true;
  }
  get freeFrames(): number {
    return this.#capacity - this.queued.length;
  }
  endOfSpeech(): void {
    this.log.push(`end after ${this.queued.length}`);
  }
  clear(): void {
    this.queued.length = 0;
    this.log.push('clear');
  }
  space(): Promise<boolean> {
    return Promise.resolve(this.freeFrames > 0);
  }
}

class CallerLog implements CallAgent {
  readonly events: string[] = [];
  onCallerFrame(frame: Int16Array, tick: number, ulaw: Uint8Array | null): void {
    this.events.push(`frame ${tick} ${frame[0]} ${ulaw === null ? '-' : ulaw[0]}`);
  }
  onCallerPacket(ulaw: Uint8Array): void {
    this.events.push(`packet ${ulaw[0]}`);
  }
  onAgentFrameSent(frame: Int16Array, atMs: number): void {
    this.events.push(`sent ${frame[0]} ${Math.round(atMs)}`);
  }
  onAnswered(atMs: number): void {
    this.events.push(`answered ${Math.round(atMs)}`);
  }
  async close(): Promise<void> {}
}

function joined(playoutFrames: number) {
  const messages: string[] = [];
  const main = new RingAgentContext({
    request: sessionRequest(),
    logger: pino({ level: 'silent' }),
    audio: () => messages.push('audio'),
    clear: () => messages.push('clear'),
  });
  const callerLog = new CallerLog();
  main.attach(callerLog);
  const playout = new PlayoutDouble(playoutFrames);
  const media = new RingAgent({
    context: playout,
    events: main.events,
    agent: main.agentRing,
    ring: () => undefined,
    space: () => main.onSpace(),
    dropped: () => messages.push('dropped'),
  });
  return { main, media, playout, callerLog, messages };
}

const frameOf = (value: number): Int16Array => new Int16Array(160).fill(value);

describe('agent rings', () => {
  it('carries agent audio in order to the playout queue, rings once per spurt start, and ends the spurt after its frames', () => {
    const { main, media, playout, messages } = joined(50);
    expect(main.play(frameOf(1))).toBe(true);
    expect(main.playUlaw(new Uint8Array(160).fill(7))).toBe(true);
    main.endOfSpeech();
    main.endOfSpeech();
    expect(messages).toEqual(['audio']);
    media.pump();
    expect(playout.queued).toEqual([1, -7]);
    expect(playout.log).toEqual(['end after 2']);
  });

  it('applies back-pressure: play() refuses when the ring is full and space() resolves once the media thread takes frames', async () => {
    const { main, media, playout } = joined(2);
    let accepted = 0;
    while (main.play(frameOf(accepted + 1))) accepted += 1;
    expect(accepted).toBe(AGENT_RING_RECORDS - 1);
    expect(main.freeFrames).toBe(0);
    const room = main.space(new AbortController().signal);
    media.pump();
    await expect(room).resolves.toBe(true);
    expect(playout.queued).toEqual([1, 2]);
    expect(main.freeFrames).toBe(2);
  });

  it('space() answers false on abort and on close', async () => {
    const { main } = joined(1);
    while (main.play(frameOf(1)));
    const aborter = new AbortController();
    const aborted = main.space(aborter.signal);
    aborter.abort();
    await expect(aborted).resolves.toBe(false);
    const closing = main.space(new AbortController().signal);
    main.close();
    await expect(closing).resolves.toBe(false);
    expect(main.play(frameOf(1))).toBe(false);
  });

  it('barge-in: a clear drops what was queued on both sides at the next pump, and audio played after it still plays', () => {
    const { main, media, playout, messages } = joined(3);
    for (let value = 1; value <= 6; value += 1) main.play(frameOf(value));
    media.pump();
    expect(playout.queued).toEqual([1, 2, 3]);
    main.clear();
    main.play(frameOf(9));
    expect(messages).toContain('clear');
    media.pump();
    expect(playout.log).toEqual(['clear']);
    expect(playout.queued).toEqual([9]);
  });

  it('hands the caller audio, the frames sent and the answer to the agent on the main thread, in order', () => {
    const { main, media, callerLog } = joined(50);
    const now = performance.now();
    media.onAnswered(now);
    media.onCallerPacket(new Uint8Array(160).fill(5));
    media.onCallerFrame(frameOf(11), 3, new Uint8Array(160).fill(6));
    media.onCallerFrame(frameOf(12), 4, null);
    media.onAgentFrameSent(frameOf(13), now + 20);
    expect(callerLog.events).toEqual([]);
    main.drainEvents();
    expect(callerLog.events).toEqual([
      `answered ${Math.round(now)}`,
      'packet 5',
      'frame 3 11 6',
      'frame 4 12 -',
      `sent 13 ${Math.round(now + 20)}`,
    ]);
  });

  it('counts the caller audio a stalled main thread could not take, keeps what fits beside the control reserve, and still takes control events', () => {
    const { main, media, callerLog, messages } = joined(50);
    const kept = main.events.capacity - EVENT_RING_CONTROL_RESERVE;
    for (let tick = 0; tick < 300; tick += 1) media.onCallerFrame(frameOf(tick), tick, null);
    expect(messages.filter((message) => message === 'dropped').length).toBe(300 - kept);
    const now = performance.now();
    media.onAgentFrameSent(frameOf(13), now);
    main.drainEvents();
    expect(callerLog.events).toHaveLength(kept + 1);
    expect(callerLog.events[0]).toBe('frame 0 0 -');
    expect(callerLog.events.at(-1)).toBe(`sent 13 ${Math.round(now)}`);
  });
});
