// The media clock runs on its own thread: a main thread blocked for 200 ms
// (here by the test itself, in the thread the gateway's control API and
// agents run on) delays no packet. The caller's side listens on a thread of its
// own, so it receives and times packets while the main thread is blocked.
// The agent runs on the main thread and plays without pause: its audio keeps
// flowing from what the rings and the playout queue hold.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentFactory } from '../../../media/agents/agent.js';
import { loadMediaConfig } from '../../../media/config.js';
import { createMediaLogger } from '../../../media/logger.js';
import { openRtpSessions, type RtpSessions } from '../../../media/media-gateway.js';
import { pollFor, sessionRequest } from '../../support/media-rtp-peer.js';
import { ThreadedRtpListener, type RtpArrival } from '../../support/threaded-rtp-listener.js';

const BLOCK_MS = 200;
const ULAW_SILENCE = 0xff;

/** Plays a steady (non-silent) signal for as long as the call lasts, paced by the playout queue's room. */
const steadyAgent: AgentFactory = (context) => {
  const stop = new AbortController();
  const frame = new Int16Array(160).fill(3_000);
  void (async () => {
    while (await context.space(stop.signal)) context.play(frame);
  })();
  return {
    onCallerFrame() {},
    close() {
      stop.abort();
      return Promise.resolve();
    },
  };
};

const epochNow = (): number => performance.timeOrigin + performance.now();

function busyFor(ms: number): { startMs: number; endMs: number } {
  const startMs = epochNow();
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // Blocking on purpose: the stall under test.
  }
  return { startMs, endMs: epochNow() };
}

function largestGapMs(arrivals: readonly RtpArrival[]): number {
  let largest = 0;
  for (let i = 1; i < arrivals.length; i += 1) largest = Math.max(largest, arrivals[i]!.atMs - arrivals[i - 1]!.atMs);
  return largest;
}

let rtp: RtpSessions;
let listener: ThreadedRtpListener;

beforeEach(async () => {
  const config = loadMediaConfig({
    MEDIA_GATEWAY_TOKEN: 'stall-test-token-0123456789',
    MEDIA_AGENT: 'silent',
    RTP_BIND_HOST: '127.0.0.1',
    RTP_PORT: '0',
    RECORDING_ENABLED: 'false',
  });
  rtp = await openRtpSessions(config, createMediaLogger('silent'), steadyAgent);
  listener = await ThreadedRtpListener.open();
});

afterEach(async () => {
  await rtp.close();
  await listener.close();
});

async function streamingCall(): Promise<void> {
  const created = rtp.sessions.create(sessionRequest());
  if (created.kind !== 'created') throw new Error(`expected a new session, got ${created.kind}`);
  expect(rtp.sessions.setRemote(created.session.sessionId, { host: '127.0.0.1', port: listener.port }).kind).toBe('ok');
  await pollFor(() => listener.arrivals(), (arrivals) => arrivals.length >= 25);
}

describe('the media thread', () => {
  it('keeps sending every 20 ms, agent audio included, while the main thread is blocked for 200 ms', async () => {
    await streamingCall();
    const block = busyFor(BLOCK_MS);
    const arrivals = await pollFor(() => listener.arrivals(), (all) => all.filter((a) => a.atMs > block.endMs).length >= 10);

    const during = arrivals.filter((a) => a.atMs >= block.startMs && a.atMs <= block.endMs);
    // ~10 packets are due in 200 ms; a stalled sender would deliver none inside the block.
    expect(during.length).toBeGreaterThanOrEqual(7);
    // The agent (on the blocked thread) had queued ahead: what left during the block is its audio, not silence.
    expect(during.every((a) => a.firstPayloadByte !== ULAW_SILENCE)).toBe(true);
    // Nothing lost or reordered: consecutive sequence numbers throughout.
    for (let i = 1; i < arrivals.length; i += 1) {
      expect((arrivals[i]!.sequenceNumber - arrivals[i - 1]!.sequenceNumber) & 0xffff).toBe(1);
    }
    const around = arrivals.filter((a) => a.atMs >= block.startMs - 100 && a.atMs <= block.endMs + 100);
    expect(largestGapMs(around)).toBeLessThan(BLOCK_MS / 2);
  });

  it('the same probe sees the gap when the media thread itself is blocked', async () => {
    await streamingCall();
    const before = (await listener.arrivals()).length;
    rtp.socket.block(BLOCK_MS);
    const arrivals = await pollFor(() => listener.arrivals(), (all) => all.length >= before + 20);
    expect(largestGapMs(arrivals.slice(before - 1))).toBeGreaterThanOrEqual(BLOCK_MS * 0.75);
  });
});
