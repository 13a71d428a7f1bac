// Barge-in decided on the caller's packets as they arrive (MediaSession's
// onCallerPacket into the agent's BargeInControl), before any tick takes them
// out of the jitter buffer: packets out of order, late or twice count once.
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { CallAgent } from '../../../media/agents/agent.js';
import { BargeInControl } from '../../../media/agents/ai-agent-barge-in.js';
import type { BargeInOutcome } from '../../../media/conversation/turn-metrics.js';
import { encodeUlaw } from '../../../media/codec/g711.js';
import { PacingHistogram } from '../../../media/rtp/pacing-histogram.js';
import { writeRtpHeader } from '../../../media/rtp/rtp-writer.js';
import { MediaClock, type Tickable } from '../../../media/sessions/media-clock.js';
import { MediaSession } from '../../../media/sessions/media-session.js';
import { sessionRequest } from '../../support/media-rtp-peer.js';

const REMOTE = { host: '127.0.0.1', port: 10_584 };

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

/** The AI agent's barge-in part alone, with the agent talking and no turn to pause (pauses are declined). */
class BargeInProbe implements CallAgent {
  nowMs = 1_000;
  ticks = 0;
  readonly bargeIns: number[] = [];
  readonly outcomes: BargeInOutcome[] = [];
  readonly control = new BargeInControl({
    settings: { minSpeechMs: 200, sttEvidence: 'off', sttMinSpeechMs: 60, pauseMinSpeechMs: 80, resumeAfterMs: 700, sttEndpointingMs: 300 },
    currentTurn: () => null,
    audible: () => true,
    heard: () => '',
    bargeIn: (event) => this.bargeIns.push(event.onsetMs),
    count: (outcome) => this.outcomes.push(outcome),
  });
  onCallerFrame(): void {
    this.ticks += 1;
  }
  onCallerPacket(ulaw: Uint8Array): void {
    this.control.onArrival(ulaw, this.nowMs);
  }
  async close(): Promise<void> {}
}

const sessions: MediaSession[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((session) => session.close()));
});

function setup(): { session: MediaSession; probe: BargeInProbe } {
  const probe = new BargeInProbe();
  const session = new MediaSession({
    sessionId: 'session-1',
    request: { ...sessionRequest(), awaitAnswer: false },
    local: { host: '127.0.0.1', port: 30_000 },
    sender: { send: () => {} },
    engine: {
      clock: new ManualClock(),
      now: () => probe.nowMs,
      agentFactory: () => probe,
      recordings: { dir: '', enabled: false },
      jitter: { minFrames: 1, targetFrames: 3, maxFrames: 10 },
      pacing: new PacingHistogram(),
    },
    logger: pino({ level: 'silent' }),
    createdAt: new Date('2026-03-03T10:00:00Z'),
  });
  sessions.push(session);
  return { session, probe };
}

function tone(amplitude: number, hz: number): Int16Array {
  return Int16Array.from({ length: 160 }, (_, i) => Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / 8000)));
}

/** 20 ms of a loud voice-like tone (about -15 dBFS). */
function speechPacket(seq: number): Buffer {
  const ulaw = new Uint8Array(160);
  encodeUlaw(tone(8000, 300), ulaw);
  const datagram = Buffer.alloc(172);
  writeRtpHeader(datagram, { marker: false, payloadType: 0, sequenceNumber: seq, timestamp: seq * 160, ssrc: 0x4321 });
  datagram.set(ulaw, 12);
  return datagram;
}

describe('MediaSession: barge-in on arrival', () => {
  it('decides on packets as they arrive, before any tick; a reordered, late or repeated packet counts once', () => {
    const { session, probe } = setup();
    session.useRemote(REMOTE);
    // The agent is talking (a quiet tone went out on the last tick).
    probe.control.onAgentFrameSent(tone(1000, 440));
    probe.control.onTick(new Int16Array(160), probe.nowMs);
    const deliver = (seq: number): void => {
      probe.nowMs += 20;
      session.receiveDatagram(speechPacket(seq), probe.nowMs);
    };
    // Nine packets of speech, three of them twice and one after its successor (left out: the
    // arrival path filled its place with silence): 160 ms counted, short of the 200 ms a
    // barge-in needs; counting the repeats would make it 220 ms.
    for (const seq of [1, 3, 2, 4, 4, 5, 6, 6, 7, 8, 8, 9]) deliver(seq);
    expect(probe.ticks).toBe(0);
    expect(probe.bargeIns).toEqual([]);
    // The pause came (after 80 ms) and was declined: no turn was playing.
    expect(probe.outcomes).toEqual([]);
    deliver(10);
    deliver(11);
    deliver(12);
    expect(probe.ticks).toBe(0);
    expect(probe.bargeIns).toHaveLength(1);
    expect(probe.outcomes).toEqual(['confirmed']);
    expect(session.stats()).toMatchObject({ duplicates: 3, reordered: 1 });
  });
});
