// A new agent taking over an RTP session (PUT /sessions/:id/agent, e.g. the
// caller back from a warm transfer nobody took). The session's media runs on
// the media thread and its agent on the main thread: the new agent is built on
// the main thread over the same rings, with the new settings, the old one is
// closed, and what it still had queued is dropped.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentFactory } from '../../../media/agents/agent.js';
import { encodeUlaw } from '../../../media/codec/g711.js';
import { loadMediaConfig } from '../../../media/config.js';
import type { CreateSessionRequest } from '../../../media/contract/sessions.js';
import { createMediaLogger } from '../../../media/logger.js';
import { openRtpSessions, type RtpSessions } from '../../../media/media-gateway.js';
import { pollFor, sessionRequest } from '../../support/media-rtp-peer.js';
import { ThreadedRtpListener } from '../../support/threaded-rtp-listener.js';

/** Each business name plays its own steady level, so the listener tells the agents apart. */
const LEVELS: Readonly<Record<string, number>> = { 'First Agent': 2_000, 'Second Agent': 12_000 };
const ulawOf = (sample: number): number => {
  const out = new Uint8Array(1);
  encodeUlaw(new Int16Array([sample]), out);
  return out[0]!;
};

interface BuiltAgent {
  readonly request: CreateSessionRequest;
  answered: boolean;
  closed: boolean;
}

let built: BuiltAgent[];
let rtp: RtpSessions;
let listener: ThreadedRtpListener;

const levelAgents: AgentFactory = (context) => {
  const record: BuiltAgent = { request: context.request, answered: false, closed: false };
  built.push(record);
  const stop = new AbortController();
  const frame = new Int16Array(160).fill(LEVELS[context.request.agent.businessName] ?? 0);
  void (async () => {
    while (await context.space(stop.signal)) context.play(frame);
  })();
  return {
    onCallerFrame() {},
    onAnswered() {
      record.answered = true;
    },
    close() {
      record.closed = true;
      stop.abort();
      return Promise.resolve();
    },
  };
};

beforeEach(async () => {
  built = [];
  const config = loadMediaConfig({
    MEDIA_GATEWAY_TOKEN: 'replace-test-token-0123456789',
    MEDIA_AGENT: 'silent',
    RTP_BIND_HOST: '127.0.0.1',
    RTP_PORT: '0',
    RECORDING_ENABLED: 'false',
  });
  rtp = await openRtpSessions(config, createMediaLogger('silent'), levelAgents);
  listener = await ThreadedRtpListener.open();
});

afterEach(async () => {
  await rtp.close();
  await listener.close();
});

describe('replacing the agent of an RTP session', () => {
  it('builds the new agent with the new settings on the same rings, closes the old one, and the caller hears the new one', async () => {
    const request = sessionRequest();
    const created = rtp.sessions.create({ ...request, agent: { ...request.agent, businessName: 'First Agent' } });
    if (created.kind !== 'created') throw new Error(`expected a new session, got ${created.kind}`);
    const session = created.session;
    expect(rtp.sessions.setRemote(session.sessionId, { host: '127.0.0.1', port: listener.port }).kind).toBe('ok');
    const first = ulawOf(LEVELS['First Agent']!);
    const second = ulawOf(LEVELS['Second Agent']!);
    await pollFor(() => listener.arrivals(), (arrivals) => arrivals.filter((a) => a.firstPayloadByte === first).length >= 10);

    session.replaceAgent({ ...request.agent, businessName: 'Second Agent' });

    expect(built).toHaveLength(2);
    expect(built[0]!.closed).toBe(true);
    expect(built[1]!.request.agent.businessName).toBe('Second Agent');
    expect(built[1]!.request.announcement).toBeNull();
    expect(session.request.agent.businessName).toBe('Second Agent');
    // The media runs already: the new agent is told of the answer at once.
    expect(built[1]!.answered).toBe(true);

    const arrivals = await pollFor(() => listener.arrivals(), (all) => all.filter((a) => a.firstPayloadByte === second).length >= 10);
    // Once the new agent is heard, the old one's queued audio is never heard again.
    const firstOfSecond = arrivals.findIndex((a) => a.firstPayloadByte === second);
    expect(arrivals.slice(firstOfSecond).some((a) => a.firstPayloadByte === first)).toBe(false);
    // One continuous stream throughout.
    for (let i = 1; i < arrivals.length; i += 1) {
      expect((arrivals[i]!.sequenceNumber - arrivals[i - 1]!.sequenceNumber) & 0xffff).toBe(1);
    }
  });
});
