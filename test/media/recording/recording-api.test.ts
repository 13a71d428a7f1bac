// Call recordings as the control API reports them: DELETE /sessions/:id
// answers the recording's path relative to RECORDINGS_DIR (a temporary folder
// here), and the file there is the call as a stereo WAV (caller left, agent right).
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CloseSessionResponse,
  CreateSessionResponse,
  SessionInfo,
  SessionStats,
  bearer,
  sessionPaths,
  type CreateSessionRequest,
} from '../../../media/contract/sessions.js';
import { ulawToLinear } from '../../../media/codec/g711.js';
import { loadMediaConfig } from '../../../media/config.js';
import { buildMediaApp } from '../../../media/http/build-media-app.js';
import { createMediaLogger } from '../../../media/logger.js';
import { openRtpSessions, type RtpSessions } from '../../../media/media-gateway.js';
import { parseWavHeader } from '../../../media/recording/wav.js';
import { FakeAsteriskChannel, ULAW_FRAME_BYTES, pollFor, sessionRequest, ulawStream } from '../../support/media-rtp-peer.js';

const TOKEN = 'recording-test-gateway-token-01';
const AUTH = { authorization: bearer(TOKEN) };
/** 20 ms of 8 kHz 16-bit stereo. */
const STEREO_FRAME_BYTES = 160 * 2 * 2;
/** The recorder writes to disk in blocks of 25 frames (500 ms). */
const RECORDER_BLOCK_TIMEOUT_MS = 5_000;
/** A ulaw code that decodes far from silence. */
const CALLER_CODE = 0x0f;

interface Gateway {
  rtp: RtpSessions;
  app: FastifyInstance;
  close(): Promise<void>;
}

async function startGateway(env: NodeJS.ProcessEnv): Promise<Gateway> {
  const config = loadMediaConfig({ MEDIA_GATEWAY_TOKEN: TOKEN, MEDIA_AGENT: 'silent', RTP_BIND_HOST: '127.0.0.1', RTP_PORT: '0', ...env });
  const logger = createMediaLogger('silent');
  const rtp = await openRtpSessions(config, logger);
  const app = buildMediaApp({ config, logger, sessions: rtp.sessions });
  return {
    rtp,
    app,
    close: async () => {
      await app.close();
      await rtp.close();
    },
  };
}

/** Every file under `folder`, relative to it. */
async function filesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name).slice(folder.length + 1));
}

/** Samples of one channel of interleaved 16-bit little-endian stereo. */
function channelSamples(wav: Buffer, dataOffset: number, channel: 0 | 1): Int16Array {
  const frames = (wav.length - dataOffset) / 4;
  return Int16Array.from({ length: frames }, (_, index) => wav.readInt16LE(dataOffset + index * 4 + channel * 2));
}

describe('call recordings through the control API', () => {
  let recordingsDir: string;
  let gateway: Gateway;
  const channels: FakeAsteriskChannel[] = [];

  beforeEach(async () => {
    recordingsDir = await mkdtemp(join(tmpdir(), 'media-recordings-'));
    gateway = await startGateway({ RECORDINGS_DIR: recordingsDir });
  });

  afterEach(async () => {
    await gateway.close();
    await Promise.all(channels.splice(0).map((channel) => channel.close()));
    await rm(recordingsDir, { recursive: true, force: true });
  });

  async function createSession(target: Gateway, request: CreateSessionRequest): Promise<string> {
    const response = await target.app.inject({ method: 'POST', url: sessionPaths.create, headers: AUTH, payload: request });
    expect(response.statusCode).toBe(201);
    return CreateSessionResponse.parse(response.json()).sessionId;
  }

  async function connect(target: Gateway, sessionId: string): Promise<{ asterisk: FakeAsteriskChannel; info: SessionInfo }> {
    const asterisk = await FakeAsteriskChannel.open(target.rtp.socket.port);
    channels.push(asterisk);
    const response = await target.app.inject({
      method: 'PUT',
      url: sessionPaths.remote(sessionId),
      headers: AUTH,
      payload: { host: '127.0.0.1', port: asterisk.port },
    });
    expect(response.statusCode).toBe(200);
    return { asterisk, info: SessionInfo.parse(response.json()) };
  }

  async function statsOf(target: Gateway, sessionId: string): Promise<SessionStats> {
    const response = await target.app.inject({ method: 'GET', url: sessionPaths.stats(sessionId), headers: AUTH });
    expect(response.statusCode).toBe(200);
    return SessionStats.parse(response.json());
  }

  async function deleteSession(target: Gateway, sessionId: string): Promise<CloseSessionResponse> {
    const response = await target.app.inject({ method: 'DELETE', url: sessionPaths.one(sessionId), headers: AUTH });
    expect(response.statusCode).toBe(200);
    return CloseSessionResponse.parse(response.json());
  }

  it('answers the recording path of a call where audio flowed; the file is the call as a stereo WAV', async () => {
    const request = sessionRequest();
    const sessionId = await createSession(gateway, request);
    const { asterisk, info } = await connect(gateway, sessionId);
    const createdAt = new Date(info.createdAt);
    const year = String(createdAt.getUTCFullYear());
    const month = String(createdAt.getUTCMonth() + 1).padStart(2, '0');
    const expectedPath = `${request.businessId}/${year}/${month}/${request.callId}.wav`;

    // Once the first block is on disk the recorder is running, so the caller's audio cannot arrive before it.
    const file = join(recordingsDir, expectedPath);
    await pollFor(() => stat(file).then((info) => info.size, () => 0), (size) => size > 44, RECORDER_BLOCK_TIMEOUT_MS);

    const callerFrames = 8;
    await asterisk.sendAll(ulawStream(callerFrames, { payload: Buffer.alloc(ULAW_FRAME_BYTES, CALLER_CODE) }));
    await pollFor(() => statsOf(gateway, sessionId), (stats) => stats.packetsIn === callerFrames);
    // Each tick plays one buffered caller frame: all of them are out (and recorded) a few ticks later.
    const { packetsOut } = await statsOf(gateway, sessionId);
    await pollFor(() => statsOf(gateway, sessionId), (stats) => stats.packetsOut >= packetsOut + callerFrames + 2);

    const closed = await deleteSession(gateway, sessionId);
    expect(closed.recordingPath).toBe(expectedPath);
    expect(isAbsolute(closed.recordingPath!)).toBe(false);
    expect(closed.stats).toMatchObject({ packetsIn: callerFrames, lost: 0, late: 0, concealedFrames: 0 });
    expect(await filesUnder(recordingsDir)).toEqual([expectedPath]);

    const wav = await readFile(file);
    const header = parseWavHeader(wav);
    expect(header).toMatchObject({ audioFormat: 1, channels: 2, sampleRate: 8000, bitsPerSample: 16, blockAlign: 4 });
    expect(header.dataBytes).toBe(wav.length - header.dataOffset);
    expect(header.dataBytes % STEREO_FRAME_BYTES).toBe(0);
    // One frame per tick once the file was open, never more than the ticks the call had.
    expect(header.dataBytes / STEREO_FRAME_BYTES).toBeLessThanOrEqual(closed.stats.packetsOut);

    // Left: silence, then exactly the caller's 8 frames in one piece, then silence. Right: the silent agent.
    const callerSample = ulawToLinear(CALLER_CODE);
    expect(callerSample).not.toBe(0);
    const left = channelSamples(wav, header.dataOffset, 0);
    const first = left.indexOf(callerSample);
    expect(first).toBeGreaterThan(0);
    expect(left.lastIndexOf(callerSample) - first + 1).toBe(callerFrames * 160);
    expect(left.filter((value) => value === callerSample)).toHaveLength(callerFrames * 160);
    expect(left.filter((value) => value !== callerSample && value !== 0)).toHaveLength(0);
    expect(channelSamples(wav, header.dataOffset, 1).every((value) => value === 0)).toBe(true);
  });

  it('answers a null recording path and writes nothing when no remote was ever set', async () => {
    const sessionId = await createSession(gateway, sessionRequest());
    const closed = await deleteSession(gateway, sessionId);
    expect(closed).toMatchObject({ sessionId, recordingPath: null, stats: { packetsOut: 0 } });
    expect(await readdir(recordingsDir)).toEqual([]);
  });

  it('keeps no empty WAV when the call ends before the recording got a frame', async () => {
    const sessionId = await createSession(gateway, sessionRequest());
    const asterisk = await FakeAsteriskChannel.open(gateway.rtp.socket.port);
    channels.push(asterisk);
    // Remote set and session closed in one synchronous step (what the routes call): the recording
    // file is still being opened, so no frame reaches it.
    expect(gateway.rtp.sessions.setRemote(sessionId, { host: '127.0.0.1', port: asterisk.port }).kind).toBe('ok');
    const closed = await gateway.rtp.sessions.close(sessionId);
    expect(closed?.recordingPath).toBeNull();
    expect(await filesUnder(recordingsDir)).toEqual([]);
  });

  it('records nothing with RECORDING_ENABLED=false', async () => {
    const unrecorded = await startGateway({ RECORDINGS_DIR: recordingsDir, RECORDING_ENABLED: 'false' });
    try {
      const sessionId = await createSession(unrecorded, sessionRequest());
      const { asterisk } = await connect(unrecorded, sessionId);
      await asterisk.sendAll(ulawStream(5));
      await pollFor(() => statsOf(unrecorded, sessionId), (stats) => stats.packetsIn === 5 && stats.packetsOut >= 10);
      const closed = await deleteSession(unrecorded, sessionId);
      expect(closed.recordingPath).toBeNull();
      expect(await readdir(recordingsDir)).toEqual([]);
    } finally {
      await unrecorded.close();
    }
  });
});
