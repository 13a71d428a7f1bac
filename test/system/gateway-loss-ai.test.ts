// Losing a media gateway in the middle of an AI turn: one Asterisk node (ARI
// fake, real UDP), two gateways running the AI agent on the Deepgram and OpenAI
// fakes, and one backend, each program in its own process. The caller asks a
// question on gateway A; while A plays the answer, A's process is killed with
// SIGKILL. The backend moves the call to gateway B with the conversation so far
// (the turns stored in PostgreSQL): B's agent picks the conversation up ("Sorry,
// I missed that: you were asking about ..."), answers the caller's next
// question, and the row ends as a normal call with every turn stored once.
// Every wait is on a condition; how fast the move is belongs to the bench.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer } from '../../media/contract/sessions.js';
import { finalCallRow } from '../kit/calls.js';
import type { Cluster } from '../kit/cluster.js';
import { connectedRow, placeCalls } from '../kit/failover.js';
import type { FakeProviders } from '../kit/fake-providers.js';
import { callerUtterancesUlaw } from '../kit/reference-media.js';
import { waitUntil } from '../kit/wait.js';
import {
  callTurns,
  type CallTurns,
  EXPECTED_RESUME,
  EXPECTED_TURNS,
  FIRST_ANSWER,
  FIRST_QUESTION,
  LONG_MS,
  movedRow,
  SECOND_ANSWER,
  SECOND_QUESTION,
  startGatewayLossSystem,
  VOICED_FRAMES,
  VOICED_RMS,
} from '../support/gateway-loss-call.js';

const DIALED = '+19863334951';
const UTTERANCES = callerUtterancesUlaw();

let cluster: Cluster;
let providers: FakeProviders;
let turnsOf: CallTurns['turnsOf'];
let turnWhere: CallTurns['turnWhere'];

beforeAll(async () => {
  ({ cluster, providers } = await startGatewayLossSystem(DIALED));
  ({ turnsOf, turnWhere } = callTurns(cluster));
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
}, 60_000);

function messagesOf(body: unknown): { role: string; content: string | null }[] {
  return (body as { messages: { role: string; content: string | null }[] }).messages;
}

async function openSessions(gatewayUrl: string): Promise<number> {
  const response = await fetch(`${gatewayUrl}/sessions`, { headers: { authorization: bearer(cluster.gatewayToken) } });
  return ((await response.json()) as { sessions: unknown[] }).sessions.length;
}

describe('a media gateway lost in the middle of an AI turn', () => {
  it('moves the call with the conversation so far: the agent picks it up on the other gateway and answers the next question', async () => {
    const fake = cluster.asterisk('a');
    const { deepgram, openai } = providers;

    const [call] = await placeCalls(cluster, 'a', DIALED, 1, 1);
    const { channelId, mediaId } = call!;
    const before = await connectedRow(cluster, channelId);
    const lost = cluster.gateway(before.mediaGatewayUrl);
    await turnWhere(channelId, (t) => t.seq === 0 && t.role === 'agent', 'the greeting on gateway A');

    // The caller asks; the answer starts playing from gateway A.
    deepgram.queueTranscripts([FIRST_QUESTION]);
    fake.startCallerAudio(mediaId, { payload: UTTERANCES.first });
    await turnWhere(channelId, (t) => t.role === 'caller' && t.text === FIRST_QUESTION, 'the question stored');
    await waitUntil(() => deepgram.flushes().some((flush) => FIRST_ANSWER.startsWith(flush.text)), {
      timeoutMs: LONG_MS,
      what: 'the answer sent to speech synthesis on gateway A',
    });
    const answerHeardFrom = fake.rtpHeard(mediaId).length;
    await fake.waitFor(() => fake.rtpHeard(mediaId).slice(answerHeardFrom).filter((p) => p.rms > VOICED_RMS).length >= VOICED_FRAMES, {
      timeoutMs: LONG_MS,
      what: 'the answer being heard from gateway A',
    });
    const sourcesOfA = fake.rtpReceived(mediaId).sources;
    const chatRequestsBeforeKill = openai.chatRequests().length;

    await lost.kill();
    const killedAtMs = performance.now();
    // The answer was cut off: A never reported it, so nothing of it is stored.
    expect((await turnsOf(channelId)).some((t) => t.role === 'agent' && t.seq > 0)).toBe(false);

    // The call continues on the other gateway: a new channel in the same bridge, the row names it.
    const moved = await movedRow(cluster, channelId, before);
    expect(moved.status).toBe('answered');
    expect(moved.hangupCause).toBeNull();
    const survivor = cluster.gateway(moved.mediaGatewayUrl);
    expect(survivor).not.toBe(lost);
    const newMedia = moved.mediaChannelId!;
    expect(fake.channel(channelId)?.state).toBe('Up');
    const bridge = fake.bridges().find((b) => b.id === before.bridgeId);
    expect(new Set(bridge?.channels)).toEqual(new Set([channelId, newMedia]));

    // B picks the conversation up: it says so, and the caller hears it from B's RTP source.
    const expectedResume = EXPECTED_RESUME;
    const resumed = await turnWhere(channelId, (t) => t.role === 'agent' && t.text === expectedResume, 'the resume line played on gateway B');
    expect(resumed.seq).toBe(2);
    await fake.waitFor(() => fake.rtpHeard(newMedia).filter((p) => p.atMs > killedAtMs && p.rms > VOICED_RMS).length >= VOICED_FRAMES, {
      timeoutMs: LONG_MS,
      what: 'the caller to hear the agent from gateway B',
    });
    const sourcesOfB = fake.rtpReceived(newMedia).sources;
    expect(sourcesOfB.length).toBeGreaterThan(0);
    expect(sourcesOfB.filter((source) => sourcesOfA.includes(source))).toEqual([]);

    // The caller asks again; B answers, and its LLM saw the conversation so far.
    deepgram.queueTranscripts([SECOND_QUESTION]);
    fake.startCallerAudio(newMedia, { payload: UTTERANCES.second });
    const answer = await turnWhere(channelId, (t) => t.role === 'agent' && t.text === SECOND_ANSWER, 'the next answer from gateway B');
    expect(answer.interrupted).toBe(false);
    const afterKill = openai.chatRequests().slice(chatRequestsBeforeKill);
    expect(afterKill.length).toBeGreaterThan(0);
    const sent = messagesOf(afterKill[0]!.body);
    expect(sent).toContainEqual(expect.objectContaining({ role: 'user', content: expect.stringContaining(FIRST_QUESTION) }));
    expect(sent).toContainEqual(expect.objectContaining({ role: 'assistant', content: expectedResume }));
    expect(sent.at(-1)).toMatchObject({ role: 'user', content: expect.stringContaining(SECOND_QUESTION) });
    // The answer A was playing when it died is not presented to the LLM as said.
    expect(sent.some((message) => message.content === FIRST_ANSWER)).toBe(false);

    fake.hangupCaller(channelId);
    const final = await finalCallRow(cluster.db.prisma, channelId, { timeoutMs: LONG_MS });
    expect(final.status).toBe('completed');
    expect(final.hangupCause).toBe('caller_hangup');
    expect(final.error).toBeNull();
    expect(final.mediaGatewayUrl).toBe(survivor.url);

    // Every turn stored once, in order, numbered on from the ones stored before the move.
    const turns = await turnsOf(channelId);
    expect(turns.map((t) => [t.seq, t.role, t.text])).toEqual(EXPECTED_TURNS);
    await waitUntil(async () => (await openSessions(survivor.url)) === 0, { timeoutMs: LONG_MS, what: 'gateway B to close the call\'s session' });
    expect(fake.violations).toEqual([]);
    expect(deepgram.violations).toEqual([]);
    expect(openai.violations).toEqual([]);
  }, 180_000);
});
