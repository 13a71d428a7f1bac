// MediaSession's caller audio on arrival (CallAgent.onCallerPacket): handed
// over as each packet arrives, before the jitter buffer's delay, in sequence
// order with gaps filled by silence; and the answer that starts a session
// created while the caller rings.
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentContext, CallAgent } from '../../../media/agents/agent.js';
import { encodeUlaw } from '../../../media/codec/g711.js';
import { PacingHistogram } from '../../../media/rtp/pacing-histogram.js';
import { writeRtpHeader } from '../../../media/rtp/rtp-writer.js';
import { MediaClock, type Tickable } from '../../../media/sessions/media-clock.js';
import { MediaSession } from '../../../media/sessions/media-session.js';
import { sessionRequest } from '../../support/media-rtp-peer.js';

const REMOTE = { host: '127.0.0.1', port: 10_582 };

class ManualClock extends MediaClock {
  readonly members = new Set<Tickable>();
  constructor() {
    super({ frameMs: 20, phases: 1, maxLagMs: 1_000, now: () => 0, logger: pino({ level: 'silent' }) });
  }
  override add(member: Tickable): () => void {
    this.members.add(member);
    return () => this.members.delete(member);
  }
}

class ArrivalAgent implements CallAgent {
  context!: AgentContext;
  readonly arrivals: number[] = [];
  readonly answeredAt: number[] = [];
  ticks = 0;
  onCallerFrame(): void {
    this.ticks += 1;
  }
  onCallerPacket(ulaw: Uint8Array): void {
    // The level byte of the tone tells packets apart; silence is 0xff throughout.
    this.arrivals.push(ulaw.every((byte) => byte === 0xff) ? -1 : ulaw[5]!);
  }
  onAnswered(atMs: number): void {
    this.answeredAt.push(atMs);
  }
  async close(): Promise<void> {}
}

const sessions: MediaSession[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((session) => session.close()));
});

function setup(awaitAnswer = false) {
  const clock = new ManualClock();
  const agent = new ArrivalAgent();
  const session = new MediaSession({
    sessionId: 'session-1',
    request: { ...sessionRequest(), awaitAnswer },
    local: { host: '127.0.0.1', port: 30_000 },
    sender: { send: () => {} },
    engine: {
      clock,
      now: () => 5_000,
      agentFactory: (context) => {
        agent.context = context;
        return agent;
      },
      recordings: { dir: '', enabled: false },
      jitter: { minFrames: 1, targetFrames: 3, maxFrames: 10 },
      pacing: new PacingHistogram(),
    },
    logger: pino({ level: 'silent' }),
    createdAt: new Date('2026-03-03T10:00:00Z'),
  });
  sessions.push(session);
  return { session, clock, agent };
}

/** Packet `seq` carries a tone whose sixth mu-law byte is distinct per packet. */
const levels = new Map<number, number>();
function packet(seq: number): Buffer {
  const samples = Int16Array.from({ length: 160 }, (_, i) => Math.round((500 + seq * 700) * Math.sin((2 * Math.PI * i) / 20)));
  const ulaw = new Uint8Array(160);
  encodeUlaw(samples, ulaw);
  levels.set(seq, ulaw[5]!);
  const datagram = Buffer.alloc(172);
  writeRtpHeader(datagram, { marker: false, payloadType: 0, sequenceNumber: seq, timestamp: seq * 160, ssrc: 0x1234 });
  datagram.set(ulaw, 12);
  return datagram;
}

describe('MediaSession: caller audio on arrival', () => {
  it('hands each packet over as it arrives, before any tick, in order; a gap becomes silence, a late packet is left out', () => {
    const { session, agent } = setup();
    session.useRemote(REMOTE);
    for (const [seq, atMs] of [[1, 0], [2, 20], [4, 60], [3, 65], [5, 80]] as const) session.receiveDatagram(packet(seq), atMs);
    expect(agent.ticks).toBe(0);
    expect(agent.arrivals).toEqual([levels.get(1), levels.get(2), -1, levels.get(4), levels.get(5)]);
    // The late packet is still in the jitter buffer for the ticks.
    expect(session.stats()).toMatchObject({ packetsIn: 5, reordered: 1, late: 0 });
  });

  it('a session created while the caller rings starts at the answer: the agent is told at once, and ticks begin', () => {
    const { session, clock, agent } = setup(true);
    session.useRemote(REMOTE);
    expect(clock.members.size).toBe(0);
    expect(agent.answeredAt).toEqual([]);
    session.answered();
    session.answered();
    expect(agent.answeredAt).toEqual([5_000]);
    expect(clock.members.has(session)).toBe(true);
  });

  it('the caller’s first packet is the answer when the backend’s word has not come', () => {
    const { session, clock, agent } = setup(true);
    session.useRemote(REMOTE);
    session.receiveDatagram(packet(1), 0);
    expect(agent.answeredAt).toEqual([5_000]);
    expect(clock.members.has(session)).toBe(true);
    expect(agent.arrivals).toHaveLength(1);
  });
});
