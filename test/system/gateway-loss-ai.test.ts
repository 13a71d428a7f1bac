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
import { resumeLine } from '../../media/conversation/clip-texts.js';
import { createBusiness, finalCallRow } from '../kit/calls.js';
import { startCluster, type Cluster } from '../kit/cluster.js';
import { connectedRow, placeCalls } from '../kit/failover.js';
import type { FakeProviders } from '../kit/fake-providers.js';
import { callerUtterancesUlaw } from '../kit/reference-media.js';
import { waitFor, waitUntil } from '../kit/wait.js';
import { createTestDatabase } from '../support/db.js';

const DIALED = '+19863334951';
const GREETING = 'Thanks for calling Acme Dental. How can I help?';
const FIRST_QUESTION = 'I would like to book a cleaning.';
// Long enough that the kill lands while it plays (about 6 s of speech at 25 ms a character).
const FIRST_ANSWER =
  'Of course. We have openings for a cleaning on Tuesday morning at nine, on Wednesday afternoon at three, ' +
  'and on Friday at eleven. Each visit takes about an hour. Which of those would suit you best?';
const SECOND_QUESTION = 'Friday at eleven, please.';
const SECOND_ANSWER = 'Done: you are booked for a cleaning on Friday at eleven. Anything else?';
const UTTERANCES = callerUtterancesUlaw();
/** Agent speech, well above the silence and comfort noise a gateway sends between turns. */
const VOICED_RMS = 300;
/** A few hundred ms of voiced audio: speech heard, not a click. */
const VOICED_PACKETS = 15;
const LONG_MS = 60_000;

let cluster: Cluster;
let providers: FakeProviders;

beforeAll(async () => {
  const database = await createTestDatabase();
  cluster = await startCluster({
    database: { url: database.url, description: `test database ${database.name}`, close: () => database.drop() },
    nodes: ['a'],
    gateways: 2,
    backends: 1,
    agent: 'ai',
    // Short synthetic speech keeps the call brief; the agent's audio is still real-time RTP.
    providerOptions: { deepgram: { listen: { resultLatencyMs: 0 }, speak: { firstAudioLatencyMs: 0, msPerCharacter: 25 } } },
  });
  providers = cluster.providers!;
  await createBusiness(cluster.db.prisma, 'Acme Dental', [DIALED], { greeting: GREETING });
  await cluster.waitOwned(undefined, { timeoutMs: LONG_MS });
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
}, 60_000);

function turnsOf(channelId: string) {
  return cluster.db.prisma.callTurn.findMany({ where: { call: { channelId } }, orderBy: { seq: 'asc' } });
}

function turnWhere(channelId: string, match: (turn: Awaited<ReturnType<typeof turnsOf>>[number]) => boolean, what: string) {
  return waitFor(async () => (await turnsOf(channelId)).find(match) ?? null, { timeoutMs: LONG_MS, what });
}

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
    openai.respond((request) => ({ text: request.lastUserText?.includes('Friday') ? SECOND_ANSWER : FIRST_ANSWER }));

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
    await fake.waitFor(() => fake.rtpHeard(mediaId).slice(answerHeardFrom).filter((p) => p.rms > VOICED_RMS).length >= VOICED_PACKETS, {
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
    const moved = await waitFor(
      async () => {
        const row = await cluster.db.prisma.callLog.findUnique({ where: { channelId } });
        return row && row.mediaGatewayUrl !== before.mediaGatewayUrl && row.mediaChannelId !== before.mediaChannelId ? row : null;
      },
      { timeoutMs: LONG_MS, what: 'the row to name the other gateway' },
    );
    expect(moved.status).toBe('answered');
    expect(moved.hangupCause).toBeNull();
    const survivor = cluster.gateway(moved.mediaGatewayUrl);
    expect(survivor).not.toBe(lost);
    const newMedia = moved.mediaChannelId!;
    expect(fake.channel(channelId)?.state).toBe('Up');
    const bridge = fake.bridges().find((b) => b.id === before.bridgeId);
    expect(new Set(bridge?.channels)).toEqual(new Set([channelId, newMedia]));

    // B picks the conversation up: it says so, and the caller hears it from B's RTP source.
    const expectedResume = resumeLine({ turns: [{ role: 'caller', text: FIRST_QUESTION }], nextSeq: 2 });
    const resumed = await turnWhere(channelId, (t) => t.role === 'agent' && t.text === expectedResume, 'the resume line played on gateway B');
    expect(resumed.seq).toBe(2);
    await fake.waitFor(() => fake.rtpHeard(newMedia).filter((p) => p.atMs > killedAtMs && p.rms > VOICED_RMS).length >= VOICED_PACKETS, {
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
    expect(turns.map((t) => [t.seq, t.role, t.text])).toEqual([
      [0, 'agent', GREETING],
      [1, 'caller', FIRST_QUESTION],
      [2, 'agent', expectedResume],
      [3, 'caller', SECOND_QUESTION],
      [4, 'agent', SECOND_ANSWER],
    ]);
    await waitUntil(async () => (await openSessions(survivor.url)) === 0, { timeoutMs: LONG_MS, what: 'gateway B to close the call\'s session' });
    expect(fake.violations).toEqual([]);
    expect(deepgram.violations).toEqual([]);
    expect(openai.violations).toEqual([]);
  }, 180_000);
});
