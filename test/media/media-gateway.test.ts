// Start-up and shutdown of the gateway: in-process (startMediaGateway) and as
// the real program (media/main.ts in a child process).
import { createSocket } from 'node:dgram';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadMediaConfig, type MediaConfig } from '../../media/config.js';
import { createMediaLogger } from '../../media/logger.js';
import { MediaStartupError, startMediaGateway } from '../../media/media-gateway.js';
import { parseWavHeader } from '../../media/recording/wav.js';
import { canonicalIp, unmapIpv4 } from '../../media/rtp/rtp-address.js';
import { FakeAsteriskChannel, pollFor, sessionRequest } from '../support/media-rtp-peer.js';
import { type ChildRunOptions, type ChildRun, runTsx } from '../kit/child-run.js';

const TOKEN = 'gateway-test-token-0123456789';
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHILD_TIMEOUT_MS = 20_000;
/** One 20 ms frame of the 8 kHz 16-bit stereo recording. */
const STEREO_FRAME_BYTES = 160 * 2 * 2;

function config(overrides: NodeJS.ProcessEnv = {}): MediaConfig {
  return loadMediaConfig({
    MEDIA_GATEWAY_TOKEN: TOKEN,
    MEDIA_AGENT: 'silent',
    MEDIA_HTTP_HOST: '127.0.0.1',
    MEDIA_HTTP_PORT: '0',
    RTP_BIND_HOST: '127.0.0.1',
    RTP_PORT: '0',
    // Only the test about recording turns it on, with a temporary folder.
    RECORDING_ENABLED: 'false',
    ...overrides,
  });
}

const silentLogger = () => createMediaLogger('silent');

async function occupiedTcpPort(): Promise<{ port: number; release: () => Promise<void> }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    release: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function occupiedUdpPort(): Promise<{ port: number; release: () => Promise<void> }> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { port: socket.address().port, release: () => new Promise((resolve) => socket.close(() => resolve())) };
}

describe('startMediaGateway', () => {
  it('serves the API over TCP and closes idempotently, closing every session', async () => {
    const gateway = await startMediaGateway({ config: config(), logger: silentLogger() });
    const health = await fetch(`http://127.0.0.1:${gateway.http.port}/health`);
    expect(await health.json()).toEqual({ status: 'ok', sessions: 0 });

    const request = {
      callId: '0b6a4c1e-8d0f-4f4e-9a43-1c2b3d4e5f60',
      businessId: '5b7f6a2d-3c4e-4f5a-8b9c-0d1e2f3a4b5c',
      channelId: 'caller-channel',
      format: 'ulaw' as const,
      caller: { from: null, to: '100' },
      agent: { businessName: 'B', greeting: '', systemPrompt: '', voice: 'v', language: 'en', timezone: 'UTC', transferTarget: null },
    };
    const created = gateway.sessions.create(request);
    if (created.kind !== 'created') throw new Error(`expected a new session, got ${created.kind}`);

    const first = gateway.close();
    expect(gateway.close()).toBe(first);
    await first;
    expect(gateway.sessions.size).toBe(0);
    expect(created.session.closed).toBe(true);
    expect(gateway.sessions.create({ ...request, callId: '1b6a4c1e-8d0f-4f4e-9a43-1c2b3d4e5f60' }).kind).toBe('no_capacity');
    await expect(fetch(`http://127.0.0.1:${gateway.http.port}/health`)).rejects.toThrow();
  });

  it('finishes the recordings of open sessions when it closes', async () => {
    const recordingsDir = await mkdtemp(join(tmpdir(), 'media-gateway-recordings-'));
    const gateway = await startMediaGateway({
      config: config({ RECORDING_ENABLED: 'true', RECORDINGS_DIR: recordingsDir }),
      logger: silentLogger(),
    });
    const asterisk = await FakeAsteriskChannel.open(gateway.rtp.port);
    try {
      const request = sessionRequest();
      const created = gateway.sessions.create(request);
      if (created.kind !== 'created') throw new Error(`expected a new session, got ${created.kind}`);
      expect(gateway.sessions.setRemote(created.session.sessionId, { host: '127.0.0.1', port: asterisk.port }).kind).toBe('ok');
      // Over half a second of ticks, so frames reached the recorder's disk queue.
      await pollFor(() => asterisk.received.length, (count) => count >= 30);

      await gateway.close();
      expect(created.session.closed).toBe(true);
      const folder = join(recordingsDir, request.businessId);
      const [year] = await readdir(folder);
      const [month] = await readdir(join(folder, year!));
      const wav = await readFile(join(folder, year!, month!, `${request.callId}.wav`));
      const header = parseWavHeader(wav);
      expect(header).toMatchObject({ audioFormat: 1, channels: 2, sampleRate: 8000, bitsPerSample: 16 });
      // The header was rewritten at close: it declares exactly the samples that follow it.
      expect(header.dataBytes).toBe(wav.length - header.dataOffset);
      expect(header.riffBytes).toBe(wav.length - 8);
      // Whole 20 ms stereo frames (640 bytes), one per tick since the file opened.
      expect(header.dataBytes % STEREO_FRAME_BYTES).toBe(0);
      const frames = header.dataBytes / STEREO_FRAME_BYTES;
      expect(frames).toBeGreaterThan(0);
      expect(frames).toBeLessThanOrEqual(created.session.stats().packetsOut);
    } finally {
      await gateway.close();
      await asterisk.close();
      await rm(recordingsDir, { recursive: true, force: true });
    }
  });

  it('fails with one clear message when the HTTP port is taken, and releases the RTP port', async () => {
    const taken = await occupiedTcpPort();
    const rtpPort = await occupiedUdpPort();
    const freeRtpPort = rtpPort.port;
    await rtpPort.release();
    try {
      const attempt = startMediaGateway({ config: config({ MEDIA_HTTP_PORT: String(taken.port), RTP_PORT: String(freeRtpPort) }), logger: silentLogger() });
      await expect(attempt).rejects.toBeInstanceOf(MediaStartupError);
      await expect(attempt).rejects.toThrow(`cannot listen for the control API on TCP 127.0.0.1:${taken.port}: address already in use (EADDRINUSE)`);
      // The RTP socket opened before the failed listen was closed again.
      const again = await occupiedUdpPortAt(freeRtpPort);
      await again();
    } finally {
      await taken.release();
    }
  });

  it('fails with one clear message when the RTP port is taken', async () => {
    const taken = await occupiedUdpPort();
    try {
      await expect(startMediaGateway({ config: config({ RTP_PORT: String(taken.port) }), logger: silentLogger() })).rejects.toThrow(
        `cannot bind the RTP socket to UDP 127.0.0.1:${taken.port}: address already in use (EADDRINUSE)`,
      );
    } finally {
      await taken.release();
    }
  });
});

async function occupiedUdpPortAt(port: number): Promise<() => Promise<void>> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, '127.0.0.1', resolve);
  });
  return () => new Promise((resolve) => socket.close(() => resolve()));
}

describe('rtp addresses', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['::FFFF:7f00:1', '127.0.0.1'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['::', '::'],
    ['asterisk.local', null],
    ['', null],
  ])('canonicalIp(%s) = %s', (input, expected) => {
    expect(canonicalIp(input)).toBe(expected);
  });

  it('unmaps IPv4-mapped datagram sources only', () => {
    expect(unmapIpv4('::ffff:10.0.0.7')).toBe('10.0.0.7');
    expect(unmapIpv4('::1')).toBe('::1');
    expect(unmapIpv4('::ffff:zz')).toBe('::ffff:zz');
  });
});

/** Runs media/main.ts; `onStdout` may act on output (e.g. send a signal) as it arrives. */
function runMain(env: NodeJS.ProcessEnv, onStdout?: ChildRunOptions['onStdout']): Promise<ChildRun> {
  return runTsx('media/main.ts', [], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    timeoutMs: CHILD_TIMEOUT_MS,
    onStdout,
  });
}

describe('media/main.ts', () => {
  const baseEnv = {
    MEDIA_HTTP_HOST: '127.0.0.1',
    MEDIA_HTTP_PORT: '0',
    RTP_BIND_HOST: '127.0.0.1',
    RTP_PORT: '0',
    // The child runs in the repository: it must never create a recordings folder there.
    RECORDING_ENABLED: 'false',
    // Start-up and shutdown need no speech providers.
    MEDIA_AGENT: 'silent',
  };

  it('prints one line listing every config problem, without the token, and exits 1', async () => {
    const result = await runMain({ ...baseEnv, MEDIA_GATEWAY_TOKEN: 'short-secret', RTP_PORT: 'x', LOG_LEVEL: 'loud' });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^media gateway: invalid media gateway configuration: /);
    for (const variable of ['MEDIA_GATEWAY_TOKEN', 'RTP_PORT', 'LOG_LEVEL']) expect(lines[0]).toContain(variable);
    expect(result.stderr).not.toContain('short-secret');
  }, CHILD_TIMEOUT_MS + 5_000);

  it('prints one line naming both provider keys and exits 1 when MEDIA_AGENT=ai has none', async () => {
    // Set but empty: keys in a local .env (which main.ts loads) do not override them, and empty means unset.
    const result = await runMain({ ...baseEnv, MEDIA_GATEWAY_TOKEN: TOKEN, MEDIA_AGENT: 'ai', DEEPGRAM_API_KEY: '', OPENAI_API_KEY: '' });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^media gateway: invalid media gateway configuration: /);
    expect(lines[0]).toContain('DEEPGRAM_API_KEY is required');
    expect(lines[0]).toContain('OPENAI_API_KEY is required');
    expect(result.stderr).not.toContain(TOKEN);
  }, CHILD_TIMEOUT_MS + 5_000);

  it('prints one line and exits 1 when a port is in use', async () => {
    const taken = await occupiedTcpPort();
    try {
      const result = await runMain({ ...baseEnv, MEDIA_GATEWAY_TOKEN: TOKEN, MEDIA_HTTP_PORT: String(taken.port), LOG_LEVEL: 'silent' });
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        `media gateway: cannot listen for the control API on TCP 127.0.0.1:${taken.port}: address already in use (EADDRINUSE)\n`,
      );
    } finally {
      await taken.release();
    }
  }, CHILD_TIMEOUT_MS + 5_000);

  it('stops in order on SIGTERM (twice) and exits 0', async () => {
    let signalled = false;
    const result = await runMain({ ...baseEnv, MEDIA_GATEWAY_TOKEN: TOKEN, LOG_LEVEL: 'info' }, (stdout, kill) => {
      if (signalled || !stdout.includes('media gateway listening')) return;
      signalled = true;
      kill('SIGTERM');
      kill('SIGTERM');
    });
    expect(result).toMatchObject({ code: 0, signal: null, stderr: '' });
    const messages = result.stdout
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { msg: string }).msg);
    expect(messages.filter((msg) => msg.startsWith('media gateway'))).toEqual([
      'media gateway listening',
      'media gateway stopping',
      'media gateway draining: no new calls, waiting for its calls to end',
      'media gateway stopped',
    ]);
    expect(result.stdout).not.toContain(TOKEN);
  }, CHILD_TIMEOUT_MS + 5_000);
});
