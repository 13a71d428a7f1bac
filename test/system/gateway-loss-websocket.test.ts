// Losing a media gateway while the call's media travels over the websocket
// transport (chan_websocket): one Asterisk node (ARI fake speaking the media
// websocket), two gateways running the AI agent on the Deepgram and OpenAI
// fakes, and one backend, each program in its own process. Unlike RTP,
// Asterisk notices the loss itself: the gateway's TCP connection closes and
// chan_websocket hangs the externalMedia channel up at once, long before the
// backend's polls give up on the gateway. The call must not end there: a new
// websocket externalMedia channel on the other gateway joins the same bridge
// and its agent continues the conversation. Only with no gateway left does the
// row end media_lost, with the caller hung up and nothing left open.
// Every wait is on a condition; how fast the move is belongs to the bench.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  FIRST_QUESTION,
  LONG_MS,
  movedRow,
  SECOND_ANSWER,
  SECOND_QUESTION,
  startGatewayLossSystem,
  VOICED_FRAMES,
  VOICED_RMS,
} from '../support/gateway-loss-call.js';

const DIALED = '+19863334952';
const UTTERANCES = callerUtterancesUlaw();
/** slin16: 20 ms of 16 kHz 16-bit audio per binary frame. */
const SLIN16_FRAME_BYTES = 640;

let cluster: Cluster;
let providers: FakeProviders;
let turnsOf: CallTurns['turnsOf'];
let turnWhere: CallTurns['turnWhere'];

beforeAll(async () => {
  ({ cluster, providers } = await startGatewayLossSystem(DIALED, { ARI_MEDIA_TRANSPORT: 'websocket' }));
  ({ turnsOf, turnWhere } = callTurns(cluster));
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
}, 60_000);

describe('a media gateway lost while the call uses the websocket media transport', () => {
  it('moves the call to a new websocket channel on the other gateway, and ends it media_lost once no gateway is left', async () => {
    const fake = cluster.asterisk('a');
    const { deepgram, openai } = providers;

    const [call] = await placeCalls(cluster, 'a', DIALED, 1, 1);
    const { channelId, mediaId } = call!;
    expect(fake.channel(mediaId)).toMatchObject({ kind: 'external-media', transport: 'websocket', format: 'slin16' });
    const before = await connectedRow(cluster, channelId);
    const lost = cluster.gateway(before.mediaGatewayUrl);
    await turnWhere(channelId, (t) => t.seq === 0 && t.role === 'agent', 'the greeting on gateway A');

    // The caller asks; the answer starts playing from gateway A.
    deepgram.queueTranscripts([FIRST_QUESTION]);
    fake.startCallerAudio(mediaId, { payload: UTTERANCES.first });
    await turnWhere(channelId, (t) => t.role === 'caller' && t.text === FIRST_QUESTION, 'the question stored');
    const answerHeardFrom = fake.rtpHeard(mediaId).length;
    await fake.waitFor(() => fake.rtpHeard(mediaId).slice(answerHeardFrom).filter((p) => p.rms > VOICED_RMS).length >= VOICED_FRAMES, {
      timeoutMs: LONG_MS,
      what: 'the answer being heard from gateway A',
    });

    await lost.kill();
    const killedAtMs = performance.now();
    // Asterisk hung the channel up when A's connection closed (chan_websocket does).
    await fake.waitFor(() => fake.channel(mediaId)?.live === false, { timeoutMs: LONG_MS, what: "the lost gateway's channel hung up" });

    // The call continues on the other gateway over a new websocket channel in the same bridge.
    const moved = await movedRow(cluster, channelId, before);
    expect(moved).toMatchObject({ status: 'answered', hangupCause: null });
    const survivor = cluster.gateway(moved.mediaGatewayUrl);
    expect(survivor).not.toBe(lost);
    const newMedia = moved.mediaChannelId!;
    expect(fake.channel(newMedia)).toMatchObject({ kind: 'external-media', transport: 'websocket', format: 'slin16' });
    expect(fake.mediaWebsocketConnected(newMedia)).toBe(true);
    expect(fake.channel(channelId)?.state).toBe('Up');
    const bridge = fake.bridges().find((b) => b.id === before.bridgeId);
    expect(new Set(bridge?.channels)).toEqual(new Set([channelId, newMedia]));

    // B's agent picks the conversation up, and the caller hears it on the new channel.
    const expectedResume = EXPECTED_RESUME;
    const resumed = await turnWhere(channelId, (t) => t.role === 'agent' && t.text === expectedResume, 'the resume line played on gateway B');
    expect(resumed.seq).toBe(2);
    await fake.waitFor(() => fake.rtpHeard(newMedia).filter((p) => p.atMs > killedAtMs && p.rms > VOICED_RMS).length >= VOICED_FRAMES, {
      timeoutMs: LONG_MS,
      what: 'the caller to hear the agent from gateway B',
    });

    // The caller asks again over the new websocket; B answers.
    deepgram.queueTranscripts([SECOND_QUESTION]);
    fake.startCallerAudio(newMedia, { payload: UTTERANCES.second });
    const answer = await turnWhere(channelId, (t) => t.role === 'agent' && t.text === SECOND_ANSWER, 'the next answer from gateway B');
    expect(answer.interrupted).toBe(false);
    const received = fake.websocketReceived(newMedia);
    expect(received.bytes % SLIN16_FRAME_BYTES).toBe(0);
    expect(received.dropped).toBe(0);
    expect((await turnsOf(channelId)).map((t) => [t.seq, t.role, t.text])).toEqual(EXPECTED_TURNS);

    // The last gateway goes too: nothing can take the call, which ends media_lost.
    await survivor.kill();
    const final = await finalCallRow(cluster.db.prisma, channelId, { timeoutMs: LONG_MS });
    expect(final).toMatchObject({ status: 'failed', hangupCause: 'media_lost', mediaGatewayUrl: survivor.url });
    expect(final.error).toContain('media gateway lost');
    await fake.waitFor(() => fake.channel(channelId)?.live === false, { timeoutMs: LONG_MS, what: 'the caller hung up' });
    expect(fake.channel(channelId)).toMatchObject({ hungUpBy: 'app' });
    await waitUntil(() => fake.bridges().length === 0 && fake.channels().every((channel) => !channel.live), {
      timeoutMs: LONG_MS,
      what: 'every channel and bridge of the call released',
    });
    expect(fake.violations).toEqual([]);
    expect(deepgram.violations).toEqual([]);
    expect(openai.violations).toEqual([]);
  }, 240_000);
});
