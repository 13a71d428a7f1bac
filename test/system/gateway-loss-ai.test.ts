// Losing a media gateway in the middle of an AI turn: one Asterisk node (ARI
// fake, real UDP), two gateways running the AI agent on the Deepgram and OpenAI
// fakes, and one backend, each program in its own process. The caller asks a
// question on gateway A; while A plays the answer, A's process is killed with
// SIGKILL. The backend moves the call to gateway B with the conversation so far
// (the turns stored in PostgreSQL): B's agent picks the conversation up ("Sorry,
// I missed that: you were asking about ..."), answers the caller's next
// question, and the row ends as a normal call with every turn stored once.
// Every wait is on a condition; how fast the move is belongs to the bench.
import { describe, expect, it } from 'vitest';
import { bearer } from '../../media/contract/sessions.js';
import { finalCallRow } from '../kit/calls.js';
import { waitUntil } from '../kit/wait.js';
import {
  askAgainOn,
  askUntilAnswerHeard,
  callOnFirstGateway,
  EXPECTED_RESUME,
  EXPECTED_TURNS,
  expectMovedAndResumed,
  FIRST_ANSWER,
  FIRST_QUESTION,
  LONG_MS,
  SECOND_QUESTION,
  useGatewayLossSystem,
} from '../support/gateway-loss-call.js';

const DIALED = '+19863334951';
const suite = useGatewayLossSystem(DIALED);

function messagesOf(body: unknown): { role: string; content: string | null }[] {
  return (body as { messages: { role: string; content: string | null }[] }).messages;
}

async function openSessions(gatewayUrl: string): Promise<number> {
  const response = await fetch(`${gatewayUrl}/sessions`, { headers: { authorization: bearer(suite.cluster.gatewayToken) } });
  return ((await response.json()) as { sessions: unknown[] }).sessions.length;
}

describe('a media gateway lost in the middle of an AI turn', () => {
  it('moves the call with the conversation so far: the agent picks it up on the other gateway and answers the next question', async () => {
    const fake = suite.cluster.asterisk('a');
    const { deepgram, openai } = suite.providers;
    const call = await callOnFirstGateway(suite, DIALED);
    const { channelId, mediaId } = call;

    // The caller asks; the answer starts playing from gateway A.
    await askUntilAnswerHeard(suite, call);
    const sourcesOfA = fake.rtpReceived(mediaId).sources;
    const chatRequestsBeforeKill = openai.chatRequests().length;

    await call.lost.kill();
    const killedAtMs = performance.now();
    // The answer was cut off: A never reported it, so nothing of it is stored.
    expect((await suite.turnsOf(channelId)).some((t) => t.role === 'agent' && t.seq > 0)).toBe(false);

    // The call continues on the other gateway (a new channel in the same bridge), whose agent
    // picks the conversation up; the caller hears it from B's RTP source.
    const { survivor, newMedia } = await expectMovedAndResumed(suite, call, killedAtMs);
    const sourcesOfB = fake.rtpReceived(newMedia).sources;
    expect(sourcesOfB.length).toBeGreaterThan(0);
    expect(sourcesOfB.filter((source) => sourcesOfA.includes(source))).toEqual([]);

    // The caller asks again; B answers, and its LLM saw the conversation so far.
    await askAgainOn(suite, call, newMedia);
    const afterKill = openai.chatRequests().slice(chatRequestsBeforeKill);
    expect(afterKill.length).toBeGreaterThan(0);
    const sent = messagesOf(afterKill[0]!.body);
    expect(sent).toContainEqual(expect.objectContaining({ role: 'user', content: expect.stringContaining(FIRST_QUESTION) }));
    expect(sent).toContainEqual(expect.objectContaining({ role: 'assistant', content: EXPECTED_RESUME }));
    expect(sent.at(-1)).toMatchObject({ role: 'user', content: expect.stringContaining(SECOND_QUESTION) });
    // The answer A was playing when it died is not presented to the LLM as said.
    expect(sent.some((message) => message.content === FIRST_ANSWER)).toBe(false);

    fake.hangupCaller(channelId);
    const final = await finalCallRow(suite.cluster.db.prisma, channelId, { timeoutMs: LONG_MS });
    expect(final.status).toBe('completed');
    expect(final.hangupCause).toBe('caller_hangup');
    expect(final.error).toBeNull();
    expect(final.mediaGatewayUrl).toBe(survivor.url);

    // Every turn stored once, in order, numbered on from the ones stored before the move.
    const turns = await suite.turnsOf(channelId);
    expect(turns.map((t) => [t.seq, t.role, t.text])).toEqual(EXPECTED_TURNS);
    await waitUntil(async () => (await openSessions(survivor.url)) === 0, { timeoutMs: LONG_MS, what: "gateway B to close the call's session" });
    expect(fake.violations).toEqual([]);
    expect(deepgram.violations).toEqual([]);
    expect(openai.violations).toEqual([]);
  }, 180_000);
});
