// A whole AI call over the WebSocket media transport (chan_websocket): the
// backend creates the externalMedia channel with transport=websocket,
// encapsulation=none, format=slin16; the gateway connects to the fake's
// /media/<connection id>; caller audio and the agent's audio travel as 16 kHz
// little-endian frames on that one TCP connection; the conversation, the
// pacing and the recording work as over RTP.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseWavHeader } from '../../media/recording/wav.js';
import { DIALED, FIRST_UTTERANCE, GREETING, startAiSystem, turnWhere, turnsOf, type AiSystem } from '../support/test-system.js';
import { finalCallRow, placeBridgedCall } from '../kit/calls.js';
import { waitFor } from '../kit/wait.js';

const VOICED_RMS = 300;
/** slin16: 20 ms of 16 kHz 16-bit audio (MEDIA_WEBSOCKET_OPTIMAL_FRAME_SIZE). */
const SLIN16_FRAME_BYTES = 640;

/** A slow machine may take long to set a call up: the bound is generous, the wait ends when it is bridged. */
const CALL = { from: '+15551230000', to: DIALED };

let ai: AiSystem | null = null;
afterEach(async () => {
  await ai?.stop();
  ai = null;
});

describe('an AI call over the websocket media transport', () => {
  it('greets, answers the caller and records the call in 16 kHz, with no RTP at all', async () => {
    ai = await startAiSystem({ system: { backendEnv: { ARI_MEDIA_TRANSPORT: 'websocket' } } });
    const { fake } = ai.system;
    ai.openai.respond(() => ({ text: 'Sure, I can help with that. What day works for you?' }));
    const { channelId, mediaId } = await placeBridgedCall(ai.system.fake, CALL, { timeoutMs: 30_000 });

    expect(fake.channel(mediaId)).toMatchObject({ kind: 'external-media', transport: 'websocket', format: 'slin16' });
    expect(fake.mediaWebsocketConnected(mediaId)).toBe(true);

    const greeting = await turnWhere(ai, channelId, (t) => t.seq === 0, 'the greeting turn');
    expect(greeting).toMatchObject({ role: 'agent', text: GREETING, interrupted: false });
    expect(fake.rtpHeard(mediaId).filter((p) => p.rms > VOICED_RMS).length).toBeGreaterThan(20);

    ai.deepgram.queueTranscripts(['I would like to book a cleaning.']);
    fake.startCallerAudio(mediaId, { payload: FIRST_UTTERANCE });
    const answer = await turnWhere(ai, channelId, (t) => t.role === 'agent' && t.seq > 1, 'the answer');
    expect(answer.text).toBe('Sure, I can help with that. What day works for you?');
    expect(answer.voiceToVoiceMs).not.toBeNull();
    expect((await turnsOf(ai, channelId)).map((t) => t.role)).toEqual(['agent', 'caller', 'agent']);

    // Whole slin16 frames only, in order (no partial frame is ever dropped by Asterisk).
    const received = fake.websocketReceived(mediaId);
    expect(received.bytes % SLIN16_FRAME_BYTES).toBe(0);
    expect(received.frames).toBeGreaterThan(50);
    // Paced at 20 ms: Asterisk's queue never fills and nothing is dropped.
    expect(received.dropped).toBe(0);
    expect(received.queueHighWater).toBeLessThan(10);
    expect(fake.rtpReceived(mediaId).packets).toBe(0);

    fake.hangupCaller(channelId);
    const row = await finalCallRow(ai.system.prisma, channelId);
    expect(row).toMatchObject({ status: 'completed', hangupCause: 'caller_hangup' });
    const wav = await readFile(join(ai.system.gateway.recordingsDir, row.recordingPath!));
    expect(parseWavHeader(wav)).toMatchObject({ channels: 2, sampleRate: 16000 });
    expect(ai.deepgram.violations).toEqual([]);
    expect(ai.openai.violations).toEqual([]);
    expect(fake.violations).toEqual([]);
  });
});

describe('the websocket media transport when Asterisk cannot be reached for media', () => {
  it('fails the call with a clear error, hangs the caller up and leaves nothing behind', async () => {
    // Nothing listens on port 9: the gateway cannot connect the call's media websocket.
    ai = await startAiSystem({ system: { backendEnv: { ARI_MEDIA_TRANSPORT: 'websocket', ARI_MEDIA_WEBSOCKET_URL: 'ws://127.0.0.1:9/media' } } });
    const { fake } = ai.system;
    const placed = fake.placeCall(CALL);
    if (placed.outcome !== 'in-stasis') throw new Error('the call did not reach the Stasis application');
    const row = await finalCallRow(ai.system.prisma, placed.channelId, { timeoutMs: 30_000 });
    expect(row).toMatchObject({ status: 'failed', hangupCause: 'setup_failed' });
    expect(row.error).toMatch(/websocket/i);
    expect(fake.channel(placed.channelId)).toMatchObject({ live: false, hungUpBy: 'app' });
    expect(fake.bridges()).toEqual([]);
    expect(fake.channels().filter((channel) => channel.live)).toEqual([]);
    await waitFor(() => (ai!.system.gateway.sessions.size === 0 ? true : null), { what: 'the gateway session closed' });
  });
});
