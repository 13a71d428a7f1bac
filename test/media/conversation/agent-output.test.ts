// AgentOutput against an in-memory playout queue with the session's rules
// (bounded, refuses when full, one-shot onSpace, a talk spurt's first frame
// may leave from inside play()).
import { describe, expect, it } from 'vitest';
import { AgentOutput, NO_TURN } from '../../../media/conversation/agent-output.js';
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

function outputOn(options: { capacityFrames?: number; sendsSpurtStartAtOnce?: boolean } = {}) {
  let nowMs = 1_000;
  const playout = new InMemoryPlayout({ request: sessionRequest(), now: () => nowMs, ...options });
  const events: string[] = [];
  const output = new AgentOutput(playout, {
    firstSent: (turn, atMs) => events.push(`first:${turn}@${atMs}`),
    drained: (turn, atMs) => events.push(`drained:${turn}@${atMs}`),
  });
  playout.onFrameSent = (_frame, atMs) => output.onSent(atMs);
  const tick = (): void => {
    nowMs += 20;
    output.pump();
    playout.tick();
  };
  const ticks = (count: number): void => {
    for (let i = 0; i < count; i += 1) tick();
  };
  return { playout, output, events, tick, ticks, now: () => nowMs };
}

describe('AgentOutput', () => {
  it('hands frames to the playout queue in order: mu-law as is, PCM as samples', () => {
    const { playout, output, ticks } = outputOn();
    output.addSegment(0, 'Hello there.');
    output.enqueue(0, ulaw(1));
    output.enqueue(0, pcm(2));
    output.enqueue(0, ulaw(3));
    expect(playout.queuedFrames).toBe(3);
    ticks(3);
    expect(playout.sent.map((frame) => [frame.kind, idOf(frame)])).toEqual([
      ['ulaw', 1],
      ['pcm', 2],
      ['ulaw', 3],
    ]);
  });

  it('reports a turn’s first packet once, and the turn drained once all of it was sent', () => {
    const { playout, output, events, tick, ticks } = outputOn();
    output.addSegment(4, 'One moment.');
    for (let id = 1; id <= 3; id += 1) output.enqueue(4, ulaw(id));
    output.end(4, 0);
    expect(events).toEqual([]);
    tick();
    expect(events).toEqual(['first:4@1020']);
    ticks(2);
    expect(events).toEqual(['first:4@1020', 'drained:4@1060']);
    expect(playout.endOfSpeechCalls).toBe(1);
    ticks(3);
    expect(events).toHaveLength(2);
    expect(output.audible).toBe(false);
  });

  it('drains at once a turn that ends with nothing to send', () => {
    const { playout, output, events } = outputOn();
    output.end(2, 500);
    expect(events).toEqual(['drained:2@500']);
    expect(playout.endOfSpeechCalls).toBe(1);
  });

  it('keeps frames while the playout queue is full and sends every one of them, in order', () => {
    const { playout, output, events, ticks } = outputOn({ capacityFrames: 3 });
    output.addSegment(1, 'A longer answer than the queue holds.');
    for (let id = 1; id <= 10; id += 1) output.enqueue(1, ulaw(id));
    output.end(1, 0);
    expect(playout.queuedFrames).toBe(3);
    expect(playout.refusals).toBeGreaterThan(0);
    // One wait for space at a time, not one per refused frame.
    expect(playout.spaceListeners).toBe(1);
    expect(output.audible).toBe(true);
    ticks(10);
    expect(playout.sent.map(idOf)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(events.at(-1)).toBe('drained:1@1200');
    expect(output.audible).toBe(false);
  });

  it('attributes a frame the session sends from inside play() (a talk spurt starting at once)', () => {
    const { playout, output, events, tick } = outputOn({ sendsSpurtStartAtOnce: true });
    output.addSegment(0, 'Hi.');
    output.enqueue(0, ulaw(7));
    expect(playout.sent.map(idOf)).toEqual([7]);
    expect(events).toEqual(['first:0@1000']);
    output.enqueue(0, ulaw(8));
    output.end(0, 0);
    tick(); // this slot's packet already left
    expect(playout.sent).toHaveLength(1);
    tick();
    expect(playout.sent.map(idOf)).toEqual([7, 8]);
    expect(events).toEqual(['first:0@1000', 'drained:0@1040']);
  });

  it('plays filler frames of no turn without counting them for the turn that follows', () => {
    const { playout, output, events, ticks } = outputOn();
    output.enqueue(NO_TURN, ulaw(90));
    output.enqueue(NO_TURN, ulaw(91));
    output.addSegment(3, 'Your appointment is on Monday.');
    output.enqueue(3, ulaw(1));
    output.enqueue(3, ulaw(2));
    ticks(2);
    expect(events).toEqual([]);
    expect(output.heard(3)).toBe('');
    ticks(1);
    expect(events).toEqual(['first:3@1060']);
    output.end(3, 0);
    ticks(1);
    expect(playout.sent.map(idOf)).toEqual([90, 91, 1, 2]);
    expect(events).toEqual(['first:3@1060', 'drained:3@1080']);
  });

  it('tells what the caller heard: whole segments, then the words of the one being played', () => {
    const { output, ticks } = outputOn();
    output.addSegment(1, 'Sure.');
    output.enqueue(1, ulaw(1));
    output.enqueue(1, ulaw(2));
    output.addSegment(1, 'We open at nine and close at five.');
    for (let id = 3; id <= 12; id += 1) output.enqueue(1, ulaw(id));
    expect(output.heard(1)).toBe('');
    ticks(2);
    expect(output.heard(1)).toBe('Sure.');
    ticks(5);
    // Half of the second segment's frames: the words that end within half of its characters.
    expect(output.heard(1)).toBe('Sure. We open at nine');
    ticks(5);
    expect(output.heard(1)).toBe('Sure. We open at nine and close at five.');
    expect(output.heard(99)).toBe('');
  });

  it('cancels at once: drops what waits here and in the playout queue, and the turn never drains', () => {
    const { playout, output, events, ticks } = outputOn({ capacityFrames: 4 });
    output.addSegment(2, 'This answer will be cut off.');
    for (let id = 1; id <= 8; id += 1) output.enqueue(2, ulaw(id));
    output.end(2, 0);
    ticks(2);
    expect(output.heard(2)).toBe('This');
    output.cancel(2);
    expect(playout.clears).toBe(1);
    expect(playout.queuedFrames).toBe(0);
    expect(output.audible).toBe(false);
    output.enqueue(2, ulaw(9));
    ticks(6);
    expect(playout.sent.map(idOf)).toEqual([1, 2]);
    expect(events).toEqual(['first:2@1020']);
    // What was heard stays known until the turn is forgotten.
    expect(output.heard(2)).toBe('This');
    output.forget(2);
    expect(output.heard(2)).toBe('');
  });

  it('plays and drains the next turn normally after a cancelled one', () => {
    const { playout, output, events, tick, ticks } = outputOn();
    output.addSegment(2, 'Cut off.');
    output.enqueue(2, ulaw(1));
    output.enqueue(2, ulaw(2));
    tick();
    output.cancel(2);
    output.forget(2);
    output.addSegment(3, 'Next answer.');
    output.enqueue(3, ulaw(3));
    output.enqueue(3, ulaw(4));
    output.end(3, 0);
    ticks(2);
    expect(playout.sent.map(idOf)).toEqual([1, 3, 4]);
    expect(events).toEqual(['first:2@1020', 'first:3@1040', 'drained:3@1060']);
    expect(output.heard(3)).toBe('Next answer.');
  });
});
