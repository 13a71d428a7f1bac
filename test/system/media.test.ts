// The whole media path through the real backend and gateway: the fake
// Asterisk sends the recorded caller speech from the externalMedia channel's
// address; the gateway (echo agent) plays it back as paced RTP from the address
// Asterisk was given, and the call's stereo recording ends up on the CallLog.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseWavHeader } from '../../media/recording/wav.js';
import { createBusiness, startSystem, type TestSystem } from '../support/test-system.js';
import { waitFor, waitUntil } from '../kit/wait.js';

const DIALED = '+19863334949';
let system: TestSystem | null = null;
afterEach(async () => {
  await system?.stop();
  system = null;
});

/** RMS of one channel of interleaved 16-bit stereo PCM. */
function channelRms(pcm: Buffer, channel: 0 | 1): number {
  let sum = 0;
  let n = 0;
  for (let offset = channel * 2; offset + 1 < pcm.length; offset += 4) {
    const sample = pcm.readInt16LE(offset);
    sum += sample * sample;
    n += 1;
  }
  return Math.sqrt(sum / Math.max(1, n));
}

describe('the media path of a call', () => {
  it.each(['ulaw', 'slin'] as const)('echoes the caller over RTP (%s) and stores a stereo recording', async (format) => {
    const s = (system = await startSystem({ gatewayEnv: { MEDIA_AGENT: 'echo' }, backendEnv: { ARI_MEDIA_FORMAT: format } }));
    await s.waitReady();
    await createBusiness(s.prisma, 'Echo Test', [DIALED]);
    const call = s.fake.placeCall({ from: '+15551230000', to: DIALED });
    const bridge = await waitFor(() => s.fake.bridges().find((b) => b.channels.length === 2), { what: 'bridged call' });
    const mediaId = bridge.channels.find((id) => id !== call.channelId) as string;
    expect(s.fake.channel(mediaId)?.format).toBe(format);
    s.fake.startCallerAudio(mediaId);

    // One second of caller audio comes back, from the gateway's advertised address only (strict RTP).
    await waitUntil(() => s.fake.rtpReceived(mediaId).packets >= 75, { what: 'the echoed RTP at Asterisk' });
    const received = s.fake.rtpReceived(mediaId);
    expect(received.sources).toEqual([`127.0.0.1:${s.gateway.rtp.port}`]);
    expect(received.payloadTypes).toEqual([format === 'ulaw' ? 0 : 10]);
    const [session] = s.gateway.sessions.list();
    const stats = session!.stats();
    expect(stats).toMatchObject({ lost: 0, late: 0, duplicates: 0, malformed: 0 });
    expect(stats.packetsIn).toBeGreaterThanOrEqual(50);

    s.fake.hangupCaller(call.channelId);
    const row = await waitFor(async () => {
      const r = await s.prisma.callLog.findUnique({ where: { channelId: call.channelId } });
      return r?.status === 'completed' ? r : null;
    }, { what: 'the completed row' });
    expect(row.recordingPath).toMatch(new RegExp(`^${row.businessId}/\\d{4}/\\d{2}/${row.id}\\.wav$`));

    const wav = await readFile(join(s.gateway.recordingsDir, row.recordingPath!));
    const header = parseWavHeader(wav);
    expect(header).toMatchObject({ channels: 2, sampleRate: 8000, bitsPerSample: 16 });
    expect(header.dataBytes).toBe(wav.length - 44);
    expect(header.dataBytes / 32_000).toBeGreaterThan(1); // more than a second of stereo audio
    const pcm = wav.subarray(44);
    // Speech on the left (caller) and the echo on the right (agent).
    expect(channelRms(pcm, 0)).toBeGreaterThan(300);
    expect(channelRms(pcm, 1)).toBeGreaterThan(300);
  });
});
