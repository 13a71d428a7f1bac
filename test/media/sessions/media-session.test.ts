// MediaSession driven tick by tick: a clock that never fires by itself (the
// test calls tick()), a sender that keeps every datagram, and an agent that
// records what the session hands it and plays what the test tells it to.
// The whole gateway over real UDP is tested in test/media/rtp/rtp-socket.test.ts.
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentContext, CallAgent } from '../../../media/agents/agent.js';
import { decodeUlaw, encodeUlaw } from '../../../media/codec/g711.js';
import type { MediaFormat } from '../../../media/contract/sessions.js';
import { PacingHistogram } from '../../../media/rtp/pacing-histogram.js';
import { isRtpParseError, parseRtpPacket, type RtpPacketView } from '../../../media/rtp/rtp-packet.js';
import { writeRtpHeader } from '../../../media/rtp/rtp-writer.js';
import { MediaClock, type Tickable } from '../../../media/sessions/media-clock.js';
import { MediaSession } from '../../../media/sessions/media-session.js';
import { sessionRequest } from '../../support/doubles/session-request.js';

const REMOTE = { host: '127.0.0.1', port: 40_000 };

/** A clock that only keeps its members: the test runs each tick itself. */
class ManualClock extends MediaClock {
  readonly members = new Set<Tickable>();
  constructor() {
    super({ frameMs: 20, phases: 1, maxLagMs: 1_000, now: () => 0, logger: pino({ level: 'silent' }) });
  }
  override add(member: Tickable): () => void {
    this.members.add(member);
    return () => this.remove(member);
  }
  override remove(member: Tickable): void {
    this.members.delete(member);
  }
}

class RecordingAgent implements CallAgent {
  context!: AgentContext;
  readonly callerFrames: { frame: Int16Array; tick: number; ulaw: Uint8Array | null }[] = [];
  readonly sentFrames: Int16Array[] = [];
  closeCalls = 0;
  onCallerFrame(frame: Int16Array, tick: number, ulaw: Uint8Array | null): void {
    this.callerFrames.push({ frame: Int16Array.from(frame), tick, ulaw: ulaw && Uint8Array.from(ulaw) });
  }
  onAgentFrameSent(frame: Int16Array): void {
    this.sentFrames.push(Int16Array.from(frame));
  }
  close(): Promise<void> {
    this.closeCalls += 1;
    return Promise.resolve();
  }
}

const sessions: MediaSession[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((session) => session.close()));
});

function mediaSession(format: MediaFormat = 'ulaw') {
  const clock = new ManualClock();
  const agent = new RecordingAgent();
  const sent: { packet: RtpPacketView; host: string; port: number }[] = [];
  let nowMs = 1_000;
  const session = new MediaSession({
    sessionId: 'session-1',
    request: { ...sessionRequest(), format },
    local: { host: '127.0.0.1', port: 30_000 },
    sender: {
      send: (datagram, host, port) => {
        const packet = parseRtpPacket(Buffer.from(datagram));
        if (isRtpParseError(packet)) throw new Error(`the session sent a datagram that is not RTP: ${packet}`);
        sent.push({ packet, host, port });
      },
    },
    engine: {
      clock,
      now: () => nowMs,
      agentFactory: (context) => {
        agent.context = context;
        return agent;
      },
      recordings: { dir: '', enabled: false },
      jitter: { targetFrames: 1, maxFrames: 10 },
      pacing: new PacingHistogram(),
    },
    logger: pino({ level: 'silent' }),
    createdAt: new Date('2026-03-03T10:00:00Z'),
  });
  sessions.push(session);
  let frame = 0;
  const tick = (): void => {
    nowMs += 20;
    session.tick(frame, nowMs);
    frame += 1;
  };
  return { session, clock, agent, sent, tick };
}

/** A caller RTP packet: PT 0 and 160 bytes of mu-law (a tone whose level tells packets apart). */
function callerPacket(sequenceNumber: number, level = 1000, payloadType = 0, payloadBytes = 160): { datagram: Buffer; ulaw: Uint8Array } {
  const samples = Int16Array.from({ length: 160 }, (_, i) => Math.round(level * Math.sin((2 * Math.PI * i) / 20)));
  const ulaw = new Uint8Array(160);
  encodeUlaw(samples, ulaw);
  const datagram = Buffer.alloc(12 + payloadBytes);
  writeRtpHeader(datagram, { marker: false, payloadType, sequenceNumber, timestamp: sequenceNumber * 160, ssrc: 0x1234 });
  datagram.set(ulaw.subarray(0, payloadBytes), 12);
  return { datagram, ulaw };
}

/** Lets promise callbacks settled by a tick run. */
const eventLoopTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const tone = (level: number) => Int16Array.from({ length: 160 }, (_, i) => Math.round(level * Math.sin((2 * Math.PI * i) / 16)));

describe('MediaSession', () => {
  it('sends nothing before the remote is set, then one packet per tick: silence until the agent speaks', () => {
    const { session, clock, sent, tick } = mediaSession();
    expect(clock.members.size).toBe(0);
    session.useRemote(REMOTE);
    expect(clock.members.has(session)).toBe(true);
    for (let i = 0; i < 3; i += 1) tick();
    expect(sent).toHaveLength(3);
    expect(sent.every(({ host, port }) => host === REMOTE.host && port === REMOTE.port)).toBe(true);
    expect(sent.map(({ packet }) => packet.payloadType)).toEqual([0, 0, 0]);
    expect(sent.every(({ packet }) => packet.payload.every((byte) => byte === 0xff))).toBe(true);
    const [a, b, c] = sent.map(({ packet }) => packet);
    expect([b!.sequenceNumber - a!.sequenceNumber, c!.sequenceNumber - b!.sequenceNumber].map((d) => (d + 0x10000) % 0x10000)).toEqual([1, 1]);
    expect(c!.timestamp - b!.timestamp).toBe(160);
    expect(session.stats().packetsOut).toBe(3);
  });

  it('sends a talk spurt’s first frame at once after play() returns; its tick then sends nothing more', async () => {
    const { session, agent, sent, tick } = mediaSession();
    session.useRemote(REMOTE);
    tick();
    expect(agent.context.play(tone(4000))).toBe(true);
    expect(agent.context.play(tone(2000))).toBe(true);
    // Never from inside play() (the agent may be mid-way through its own bookkeeping) ...
    expect(sent).toHaveLength(1);
    await Promise.resolve();
    // ... but at once after it, with the marker, and reported to the agent.
    expect(sent).toHaveLength(2);
    expect(sent[1]!.packet.marker).toBe(true);
    expect(agent.sentFrames).toHaveLength(1);
    tick(); // the slot whose packet already left
    expect(sent).toHaveLength(2);
    tick();
    expect(sent).toHaveLength(3);
    expect(sent[2]!.packet.marker).toBe(false);
    expect(agent.sentFrames).toHaveLength(2);
    // Sequence numbers and timestamps stay one step per packet.
    const steps = sent.slice(1).map(({ packet }, i) => [(packet.sequenceNumber - sent[i]!.packet.sequenceNumber + 0x10000) % 0x10000, packet.timestamp - sent[i]!.packet.timestamp]);
    expect(steps).toEqual([[1, 160], [1, 160]]);
    const decoded = new Int16Array(160);
    decodeUlaw(sent[1]!.packet.payload, decoded);
    expect(agent.sentFrames[0]).toEqual(decoded);
  });

  it('hands the agent the caller’s audio decoded and as received, and conceals a lost packet', () => {
    const { session, agent, tick } = mediaSession();
    session.useRemote(REMOTE);
    const first = callerPacket(100, 1000);
    const third = callerPacket(102, 3000);
    session.receiveDatagram(first.datagram, 0);
    session.receiveDatagram(third.datagram, 40);
    for (let i = 0; i < 3; i += 1) tick();
    const [one, two, three] = agent.callerFrames;
    expect(one!.ulaw).toEqual(first.ulaw);
    const decoded = new Int16Array(160);
    decodeUlaw(first.ulaw, decoded);
    expect(one!.frame).toEqual(decoded);
    // Packet 101 never came: concealed from the last good frame, with no mu-law to pass on.
    expect(two!.ulaw).toBeNull();
    expect(two!.frame.some((sample) => sample !== 0)).toBe(true);
    expect(three!.ulaw).toEqual(third.ulaw);
    expect(agent.callerFrames.map((entry) => entry.tick)).toEqual([0, 1, 2]);
    expect(session.stats()).toMatchObject({ packetsIn: 2, bytesIn: 320, lost: 1, concealedFrames: 1, ssrc: 0x1234 });
  });

  it('counts what is not RTP of the session’s format as malformed and gives the agent silence', () => {
    const { session, agent, tick } = mediaSession();
    session.useRemote(REMOTE);
    session.receiveDatagram(Buffer.from([1, 2, 3]), 0);
    session.receiveDatagram(callerPacket(1, 1000, 8).datagram, 0);
    session.receiveDatagram(callerPacket(2, 1000, 0, 100).datagram, 0);
    tick();
    expect(session.stats()).toMatchObject({ malformed: 3, packetsIn: 0 });
    expect(agent.callerFrames[0]!.frame.every((sample) => sample === 0)).toBe(true);
  });

  it('refuses agent audio when the playout queue is full; space() resolves once there is room', async () => {
    const { session, agent, tick } = mediaSession();
    session.useRemote(REMOTE);
    let accepted = 0;
    while (agent.context.play(tone(1000))) accepted += 1;
    await eventLoopTurn(); // the spurt's first frame leaves at once: room for one more
    while (agent.context.play(tone(1000))) accepted += 1;
    expect(accepted).toBeGreaterThanOrEqual(50);
    expect(agent.context.freeFrames).toBe(0);
    let room: boolean | null = null;
    void agent.context.space(new AbortController().signal).then((value) => (room = value));
    await eventLoopTurn();
    expect(room).toBeNull();
    while (room === null && agent.context.freeFrames === 0) {
      tick();
      await eventLoopTurn();
    }
    expect(room).toBe(true);
    expect(agent.context.play(tone(1000))).toBe(true);
    expect(agent.context.freeFrames).toBe(0);
  });

  it('space() answers false when its signal aborts, or once the session closes', async () => {
    const { session, agent } = mediaSession();
    session.useRemote(REMOTE);
    while (agent.context.play(tone(1000)));
    await eventLoopTurn();
    while (agent.context.play(tone(1000)));
    const aborted = new AbortController();
    const waiting = agent.context.space(aborted.signal);
    aborted.abort();
    await expect(waiting).resolves.toBe(false);
    const waitingAtClose = agent.context.space(new AbortController().signal);
    const closed = session.close();
    await expect(waitingAtClose).resolves.toBe(false);
    await closed;
    await expect(agent.context.space(new AbortController().signal)).resolves.toBe(false);
  });

  it('drops queued agent audio on clear(): the next tick sends silence', () => {
    const { session, agent, sent, tick } = mediaSession();
    session.useRemote(REMOTE);
    for (let i = 0; i < 5; i += 1) agent.context.play(tone(3000));
    tick();
    tick();
    expect(agent.sentFrames).toHaveLength(2);
    agent.context.clear();
    expect(agent.context.freeFrames).toBe(50);
    tick();
    expect(sent.at(-1)!.packet.payload.every((byte) => byte === 0xff)).toBe(true);
    expect(agent.sentFrames).toHaveLength(2);
  });

  it('sends mu-law agent audio as is on a ulaw session and transcodes it on slin', async () => {
    const payload = new Uint8Array(160);
    encodeUlaw(tone(5000), payload);
    const ulaw = mediaSession('ulaw');
    ulaw.session.useRemote(REMOTE);
    ulaw.agent.context.playUlaw(payload);
    await Promise.resolve();
    expect(ulaw.sent.at(-1)!.packet.payload).toEqual(Buffer.from(payload));

    const slin = mediaSession('slin');
    slin.session.useRemote(REMOTE);
    slin.agent.context.playUlaw(payload);
    await Promise.resolve();
    const packet = slin.sent.at(-1)!.packet;
    expect(packet.payloadType).toBe(10);
    const expected = new Int16Array(160);
    decodeUlaw(payload, expected);
    expect(Array.from({ length: 160 }, (_, i) => packet.payload.readInt16BE(i * 2))).toEqual(Array.from(expected));
  });

  it('closes once: leaves the clock, closes the agent, refuses audio and ignores packets after', async () => {
    const { session, clock, agent, sent, tick } = mediaSession();
    session.useRemote(REMOTE);
    tick();
    const closing = session.close();
    expect(session.close()).toBe(closing);
    const report = await closing;
    expect(report.recordingPath).toBeNull();
    expect(report.stats.packetsOut).toBe(1);
    expect(clock.members.size).toBe(0);
    expect(agent.closeCalls).toBe(1);
    expect(agent.context.play(tone(1000))).toBe(false);
    session.receiveDatagram(callerPacket(1).datagram, 0);
    tick();
    expect(sent).toHaveLength(1);
    expect(session.stats().packetsIn).toBe(0);
  });
});
