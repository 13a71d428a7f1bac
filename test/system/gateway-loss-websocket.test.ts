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
import { describe, expect, it } from 'vitest';
import { finalCallRow } from '../kit/calls.js';
import { waitUntil } from '../kit/wait.js';
import {
  askAgainOn,
  askUntilAnswerHeard,
  callOnFirstGateway,
  EXPECTED_TURNS,
  expectMovedAndResumed,
  LONG_MS,
  useGatewayLossSystem,
} from '../support/gateway-loss-call.js';

const DIALED = '+19863334952';
const suite = useGatewayLossSystem(DIALED, { ARI_MEDIA_TRANSPORT: 'websocket' });
/** slin16: 20 ms of 16 kHz 16-bit audio per binary frame. */
const SLIN16_FRAME_BYTES = 640;
const WEBSOCKET_MEDIA = { kind: 'external-media', transport: 'websocket', format: 'slin16' };

describe('a media gateway lost while the call uses the websocket media transport', () => {
  it('moves the call to a new websocket channel on the other gateway, and ends it media_lost once no gateway is left', async () => {
    const fake = suite.cluster.asterisk('a');
    const { deepgram, openai } = suite.providers;
    const call = await callOnFirstGateway(suite, DIALED);
    const { channelId, mediaId } = call;
    expect(fake.channel(mediaId)).toMatchObject(WEBSOCKET_MEDIA);

    // The caller asks; the answer starts playing from gateway A.
    await askUntilAnswerHeard(suite, call);

    await call.lost.kill();
    const killedAtMs = performance.now();
    // Asterisk hung the channel up when A's connection closed (chan_websocket does).
    await fake.waitFor(() => fake.channel(mediaId)?.live === false, { timeoutMs: LONG_MS, what: "the lost gateway's channel hung up" });

    // The call continues on the other gateway over a new websocket channel in the same bridge,
    // whose agent picks the conversation up.
    const { survivor, newMedia } = await expectMovedAndResumed(suite, call, killedAtMs);
    expect(fake.channel(newMedia)).toMatchObject(WEBSOCKET_MEDIA);
    expect(fake.mediaWebsocketConnected(newMedia)).toBe(true);

    // The caller asks again over the new websocket; B answers.
    await askAgainOn(suite, call, newMedia);
    const received = fake.websocketReceived(newMedia);
    expect(received.bytes % SLIN16_FRAME_BYTES).toBe(0);
    expect(received.dropped).toBe(0);
    expect((await suite.turnsOf(channelId)).map((t) => [t.seq, t.role, t.text])).toEqual(EXPECTED_TURNS);

    // The last gateway goes too: nothing can take the call, which ends media_lost.
    await survivor.kill();
    const final = await finalCallRow(suite.cluster.db.prisma, channelId, { timeoutMs: LONG_MS });
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
