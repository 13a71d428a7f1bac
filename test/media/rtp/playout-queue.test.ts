import { describe, expect, it } from 'vitest';
import { PlayoutQueue, type PlayoutQueueOptions } from '../../../media/rtp/playout-queue.js';
import { parseRtpPacket, type RtpPacketView } from '../../../media/rtp/rtp-packet.js';
import { seqAdd, tsAdd } from '../../../media/rtp/sequence.js';

const ULAW_SILENCE = new Uint8Array(160).fill(0xff);

function ulawQueue(overrides: Partial<PlayoutQueueOptions> = {}): PlayoutQueue {
  return new PlayoutQueue({
    ssrc: 0x12345678,
    initialSequence: 1000,
    initialTimestamp: 50_000,
    payloadType: 0,
    payloadBytes: 160,
    samplesPerFrame: 160,
    capacityFrames: 50,
    silencePayload: ULAW_SILENCE,
    ...overrides,
  });
}

/** An agent frame whose bytes name it (never 0xff, so it cannot pass for silence). */
function agentFrame(id: number, bytes = 160): Uint8Array {
  return new Uint8Array(bytes).fill(id & 0x7f);
}

interface Sent {
  packet: RtpPacketView;
  /** Frame id of agent audio, or 'silence'. */
  content: number | 'silence';
}

/** One 20 ms tick of the simulated clock: the packet next() writes, parsed. */
function tick(queue: PlayoutQueue, out = Buffer.alloc(queue.packetBytes)): Sent {
  const length = queue.next(out);
  expect(length).toBe(queue.packetBytes);
  const parsed = parseRtpPacket(out.subarray(0, length));
  if (typeof parsed === 'string') throw new Error(`next() wrote an invalid packet: ${parsed}`);
  const payload = Buffer.from(parsed.payload);
  const isSilence = payload.equals(Buffer.from(ULAW_SILENCE.subarray(0, payload.length))) || payload.every((b) => b === 0);
  if (!isSilence) expect(payload.every((b) => b === payload[0])).toBe(true);
  return { packet: { ...parsed, payload }, content: isSilence ? 'silence' : payload[0]! };
}

describe('PlayoutQueue', () => {
  it('sends one packet per tick with continuous sequence and timestamp across spurts and the wrap', () => {
    const initialSequence = 65520;
    const initialTimestamp = 0xffff_ffff - 800;
    const queue = ulawQueue({ initialSequence, initialTimestamp });
    const out = Buffer.alloc(queue.packetBytes);
    const sent: Sent[] = [];
    for (let i = 0; i < 50; i += 1) {
      if (i === 5 || i === 30) {
        for (let f = 0; f < 10; f += 1) expect(queue.enqueue(agentFrame(i + f))).toBe(true);
        queue.endOfSpurt();
      }
      sent.push(tick(queue, out));
    }
    expect(sent).toHaveLength(50);
    sent.forEach(({ packet }, i) => {
      expect(packet.sequenceNumber).toBe(seqAdd(initialSequence, i));
      expect(packet.timestamp).toBe(tsAdd(initialTimestamp, i * 160));
      expect(packet.ssrc).toBe(0x12345678);
      expect(packet.payloadType).toBe(0);
      expect(packet.payload.length).toBe(160);
    });
    expect(sent.some(({ packet }) => packet.sequenceNumber === 0)).toBe(true);
    expect(sent.some(({ packet }) => packet.timestamp < 1000)).toBe(true);
    const expectedContent = Array.from({ length: 50 }, (_, i) =>
      i >= 5 && i < 15 ? i : i >= 30 && i < 40 ? i : 'silence',
    );
    expect(sent.map(({ content }) => content)).toEqual(expectedContent);
    const markers = sent.flatMap(({ packet }, i) => (packet.marker ? [i] : []));
    expect(markers).toEqual([0, 5, 30]);
    expect(queue.stats()).toEqual({ packetsOut: 50, bytesOut: 50 * 160, spurts: 2, underruns: 0, framesCleared: 0, queuedFrames: 0 });
  });

  it('marks the very first packet once when it is agent audio', () => {
    const queue = ulawQueue();
    queue.enqueue(agentFrame(1));
    queue.enqueue(agentFrame(2));
    queue.endOfSpurt();
    const sent = [tick(queue), tick(queue), tick(queue)];
    expect(sent.map(({ packet }) => packet.marker)).toEqual([true, false, false]);
    expect(sent.map(({ content }) => content)).toEqual([1, 2, 'silence']);
    expect(queue.stats().spurts).toBe(1);
  });

  it('reports playing from the first agent frame until the spurt has drained', () => {
    const queue = ulawQueue();
    expect(queue.playing).toBe(false);
    tick(queue);
    queue.enqueue(agentFrame(1));
    expect(queue.playing).toBe(false);
    tick(queue);
    expect(queue.playing).toBe(true);
    queue.enqueue(agentFrame(2));
    queue.endOfSpurt();
    tick(queue);
    expect(queue.playing).toBe(true);
    expect(tick(queue).content).toBe('silence');
    expect(queue.playing).toBe(false);
  });

  it('clears mid-spurt so the next packet is silence without marker, and the next frame starts a new spurt', () => {
    const queue = ulawQueue();
    for (let f = 0; f < 10; f += 1) queue.enqueue(agentFrame(f + 1));
    expect([tick(queue), tick(queue), tick(queue)].map(({ content }) => content)).toEqual([1, 2, 3]);
    expect(queue.clear()).toBe(7);
    expect(queue.playing).toBe(false);
    expect(queue.queuedFrames).toBe(0);
    const afterClear = tick(queue);
    expect(afterClear.content).toBe('silence');
    expect(afterClear.packet.marker).toBe(false);
    queue.enqueue(agentFrame(50));
    const restart = tick(queue);
    expect(restart.content).toBe(50);
    expect(restart.packet.marker).toBe(true);
    expect(queue.stats()).toMatchObject({ spurts: 2, framesCleared: 7, underruns: 0 });
    expect(queue.clear()).toBe(0);
  });

  it('refuses frames when full and wakes the waiting producer once space frees up', () => {
    let wakeups = 0;
    const queue = ulawQueue({ capacityFrames: 4, onSpace: () => (wakeups += 1) });
    for (let f = 0; f < 4; f += 1) expect(queue.enqueue(agentFrame(f + 1))).toBe(true);
    expect(queue.freeFrames).toBe(0);
    expect(queue.enqueue(agentFrame(5))).toBe(false);
    expect(queue.queuedFrames).toBe(4);
    expect(wakeups).toBe(0);
    expect(tick(queue).content).toBe(1);
    expect(wakeups).toBe(1);
    expect(queue.freeFrames).toBe(1);
    expect(queue.enqueue(agentFrame(5))).toBe(true);
    tick(queue);
    expect(wakeups).toBe(1);
    expect(queue.enqueue(agentFrame(6))).toBe(true);
    expect(queue.enqueue(agentFrame(7))).toBe(false);
    expect(queue.clear()).toBe(4);
    expect(wakeups).toBe(2);
  });

  it('notifyWhenSpace wakes a producer that waits without a refusal: at once when there is room, else on the next send', () => {
    let wakeups = 0;
    const queue = ulawQueue({ capacityFrames: 2, onSpace: () => (wakeups += 1) });
    queue.notifyWhenSpace();
    expect(wakeups).toBe(1);
    queue.enqueue(agentFrame(1));
    queue.enqueue(agentFrame(2));
    queue.notifyWhenSpace();
    expect(wakeups).toBe(1);
    tick(queue);
    expect(wakeups).toBe(2);
    tick(queue);
    expect(wakeups).toBe(2);
  });

  it('delivers every frame of a producer that waits on onSpace, in order', () => {
    const frames = Array.from({ length: 30 }, (_, i) => agentFrame(i + 1));
    let nextFrame = 0;
    const queue = ulawQueue({ capacityFrames: 3 });
    const produce = (): void => {
      while (nextFrame < frames.length && queue.enqueue(frames[nextFrame]!)) nextFrame += 1;
      if (nextFrame === frames.length) queue.endOfSpurt();
    };
    queue.onSpace = produce;
    produce();
    const contents = Array.from({ length: 32 }, () => tick(queue).content);
    expect(contents).toEqual([...Array.from({ length: 30 }, (_, i) => i + 1), 'silence', 'silence']);
    expect(queue.stats()).toMatchObject({ spurts: 1, underruns: 0, framesCleared: 0 });
  });

  it('counts underruns while a spurt is open and carries the spurt on without a new marker', () => {
    const queue = ulawQueue();
    queue.enqueue(agentFrame(1));
    queue.enqueue(agentFrame(2));
    const sent = Array.from({ length: 5 }, () => tick(queue));
    expect(sent.map(({ content }) => content)).toEqual([1, 2, 'silence', 'silence', 'silence']);
    expect(queue.stats().underruns).toBe(3);
    expect(queue.playing).toBe(true);
    queue.enqueue(agentFrame(3));
    queue.endOfSpurt();
    const resumed = tick(queue);
    expect(resumed.content).toBe(3);
    expect(resumed.packet.marker).toBe(false);
    expect(tick(queue).content).toBe('silence');
    expect(tick(queue).content).toBe('silence');
    expect(queue.playing).toBe(false);
    expect(queue.stats()).toMatchObject({ underruns: 3, spurts: 1 });
  });

  it('copies the frame on enqueue', () => {
    const queue = ulawQueue();
    const frame = agentFrame(9);
    queue.enqueue(frame);
    frame.fill(0x33);
    expect(tick(queue).content).toBe(9);
  });

  it('sends slin frames with the zero silence payload', () => {
    const queue = new PlayoutQueue({
      ssrc: 1,
      initialSequence: 0,
      initialTimestamp: 0,
      payloadType: 10,
      payloadBytes: 320,
      samplesPerFrame: 160,
      capacityFrames: 10,
      silencePayload: new Uint8Array(320),
    });
    expect(queue.packetBytes).toBe(332);
    const out = Buffer.alloc(332, 0x77);
    expect(queue.next(out)).toBe(332);
    const silence = parseRtpPacket(out);
    if (typeof silence === 'string') throw new Error(silence);
    expect(silence).toMatchObject({ payloadType: 10, marker: true, sequenceNumber: 0, timestamp: 0 });
    expect(silence.payload.every((b) => b === 0)).toBe(true);
    queue.enqueue(agentFrame(4, 320));
    queue.next(out);
    const audio = parseRtpPacket(out);
    if (typeof audio === 'string') throw new Error(audio);
    expect(audio).toMatchObject({ marker: true, sequenceNumber: 1, timestamp: 160 });
    expect(audio.payload.every((b) => b === 4)).toBe(true);
    expect(queue.stats().bytesOut).toBe(640);
  });

  it('rejects misuse: wrong frame size, short packet buffer, bad options', () => {
    const queue = ulawQueue();
    expect(() => queue.enqueue(new Uint8Array(159))).toThrow(RangeError);
    expect(() => queue.next(Buffer.alloc(171))).toThrow(RangeError);
    expect(() => ulawQueue({ silencePayload: new Uint8Array(10) })).toThrow(RangeError);
    expect(() => ulawQueue({ payloadType: 128 })).toThrow(RangeError);
    expect(() => ulawQueue({ capacityFrames: 0 })).toThrow(RangeError);
    expect(() => ulawQueue({ initialSequence: 65536 })).toThrow(RangeError);
  });
});
