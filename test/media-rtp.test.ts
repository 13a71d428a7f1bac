// The RTP receive path over real UDP on 127.0.0.1: fake Asterisk channels are
// plain UDP sockets sending RTP to the gateway's one RTP port.
import { randomBytes, randomUUID } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CreateSessionResponse,
  SessionStats,
  bearer,
  sessionPaths,
  type MediaFormat,
} from '../media/contract/sessions.js';
import { loadMediaConfig } from '../media/config.js';
import { createMediaLogger } from '../media/logger.js';
import { startMediaGateway, type MediaGateway } from '../media/media-gateway.js';

const TOKEN = 'rtp-test-gateway-token-0123';
const AUTH = { authorization: bearer(TOKEN) };
const WAIT_TIMEOUT_MS = 5_000;
const POLL_INTERVAL_MS = 2;

/** Re-checks `read()` every few ms until `done` holds; fails after a bounded time. */
async function waitFor<T>(read: () => T | Promise<T>, done: (value: T) => boolean, timeoutMs = WAIT_TIMEOUT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; last value ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

interface PacketFields {
  payloadType?: number;
  sequenceNumber?: number;
  timestamp?: number;
  ssrc?: number;
  payload?: Buffer;
}

function rtpPacket(fields: PacketFields = {}): Buffer {
  const header = Buffer.alloc(12);
  header[0] = 0x80;
  header[1] = fields.payloadType ?? 0;
  header.writeUInt16BE(fields.sequenceNumber ?? 1, 2);
  header.writeUInt32BE(fields.timestamp ?? 160, 4);
  header.writeUInt32BE(fields.ssrc ?? 0x1cd615e2, 8);
  return Buffer.concat([header, fields.payload ?? Buffer.alloc(160, 0xff)]);
}

/** Stands in for one externalMedia channel of Asterisk: one UDP socket on 127.0.0.1. */
class FakeAsteriskChannel {
  readonly received: { datagram: Buffer; fromPort: number }[] = [];

  private constructor(
    private readonly socket: Socket,
    private readonly gatewayPort: number,
  ) {
    socket.on('message', (datagram, remote) => this.received.push({ datagram, fromPort: remote.port }));
  }

  static async open(gatewayPort: number): Promise<FakeAsteriskChannel> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new FakeAsteriskChannel(socket, gatewayPort);
  }

  get port(): number {
    return this.socket.address().port;
  }

  send(datagram: Buffer): Promise<void> {
    return new Promise((resolve, reject) =>
      this.socket.send(datagram, this.gatewayPort, '127.0.0.1', (error) => (error ? reject(error) : resolve())),
    );
  }

  async sendAll(datagrams: Buffer[]): Promise<void> {
    await Promise.all(datagrams.map((datagram) => this.send(datagram)));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

describe('RTP receive path', () => {
  let gateway: MediaGateway;
  let logLines: string[];
  const channels: FakeAsteriskChannel[] = [];

  beforeEach(async () => {
    logLines = [];
    const config = loadMediaConfig({
      MEDIA_GATEWAY_TOKEN: TOKEN,
      MEDIA_HTTP_HOST: '127.0.0.1',
      MEDIA_HTTP_PORT: '0',
      RTP_BIND_HOST: '127.0.0.1',
      RTP_PORT: '0',
    });
    const logger = createMediaLogger('info', { write: (line: string) => void logLines.push(line) });
    gateway = await startMediaGateway({ config, logger });
  });

  afterEach(async () => {
    await Promise.all(channels.splice(0).map((channel) => channel.close()));
    await gateway.close();
  });

  async function openChannel(): Promise<FakeAsteriskChannel> {
    const channel = await FakeAsteriskChannel.open(gateway.rtp.port);
    channels.push(channel);
    return channel;
  }

  async function createSession(format: MediaFormat = 'ulaw'): Promise<string> {
    const response = await gateway.app.inject({
      method: 'POST',
      url: sessionPaths.create,
      headers: AUTH,
      payload: {
        callId: randomUUID(),
        businessId: randomUUID(),
        channelId: `channel-${randomUUID()}`,
        format,
        caller: { from: null, to: '+15557654321' },
        agent: {
          businessName: 'Example',
          greeting: 'Hello',
          systemPrompt: 'Be brief.',
          voice: 'alloy',
          language: 'en',
          timezone: 'UTC',
          transferTarget: null,
        },
      },
    });
    expect(response.statusCode).toBe(201);
    const created = CreateSessionResponse.parse(response.json());
    expect(created.rtp).toEqual({ host: '127.0.0.1', port: gateway.rtp.port });
    return created.sessionId;
  }

  async function setRemote(sessionId: string, channel: FakeAsteriskChannel): Promise<void> {
    const response = await gateway.app.inject({
      method: 'PUT',
      url: sessionPaths.remote(sessionId),
      headers: AUTH,
      payload: { host: '127.0.0.1', port: channel.port },
    });
    expect(response.statusCode).toBe(200);
  }

  async function statsOf(sessionId: string): Promise<SessionStats> {
    const response = await gateway.app.inject({ method: 'GET', url: sessionPaths.stats(sessionId), headers: AUTH });
    expect(response.statusCode).toBe(200);
    return SessionStats.parse(response.json());
  }

  const foreignSource = () => gateway.sessions.gatewayStats().foreignSource;
  const errorLogs = () => logLines.filter((line) => (JSON.parse(line) as { level: number }).level >= 50);

  it('counts valid RTP from the session remote: packets, payload bytes and SSRC', async () => {
    const sessionId = await createSession('ulaw');
    const asterisk = await openChannel();
    await setRemote(sessionId, asterisk);

    await asterisk.sendAll(Array.from({ length: 10 }, (_, index) => rtpPacket({ sequenceNumber: 37386 + index, ssrc: 483792354 })));
    const stats = await waitFor(() => statsOf(sessionId), (current) => current.packetsIn === 10);
    expect(stats).toEqual({ packetsIn: 10, packetsOut: 0, bytesIn: 1600, bytesOut: 0, malformed: 0, foreignSource: 0, ssrc: 483792354 });
    expect(foreignSource()).toBe(0);
  });

  it('accepts slin with PT 10 and 11 and counts payload bytes without padding', async () => {
    const sessionId = await createSession('slin');
    const asterisk = await openChannel();
    await setRemote(sessionId, asterisk);

    const padded = rtpPacket({ payloadType: 10, payload: Buffer.concat([Buffer.alloc(320), Buffer.from([0, 0, 0, 4])]) });
    padded[0] = 0xa0;
    await asterisk.sendAll([rtpPacket({ payloadType: 10, payload: Buffer.alloc(320) }), rtpPacket({ payloadType: 11, payload: Buffer.alloc(320) }), padded]);
    const stats = await waitFor(() => statsOf(sessionId), (current) => current.packetsIn === 3);
    expect(stats).toMatchObject({ packetsIn: 3, bytesIn: 960, malformed: 0 });
  });

  it('drops datagrams from any other source and counts them gateway-wide', async () => {
    const sessionId = await createSession();
    const asterisk = await openChannel();
    const stranger = await openChannel();
    await setRemote(sessionId, asterisk);

    await stranger.sendAll(Array.from({ length: 7 }, () => rtpPacket()));
    await waitFor(foreignSource, (count) => count === 7);
    expect(await statsOf(sessionId)).toMatchObject({ packetsIn: 0, bytesIn: 0, malformed: 0, foreignSource: 0, ssrc: null });

    await asterisk.send(rtpPacket());
    await waitFor(() => statsOf(sessionId), (current) => current.packetsIn === 1);
    expect(foreignSource()).toBe(7);
  });

  it('receives nothing for a session whose remote is not set yet', async () => {
    const sessionId = await createSession();
    const asterisk = await openChannel();
    await asterisk.sendAll([rtpPacket(), rtpPacket()]);
    await waitFor(foreignSource, (count) => count === 2);
    expect(await statsOf(sessionId)).toMatchObject({ packetsIn: 0, malformed: 0, ssrc: null });
  });

  it('counts malformed datagrams from the remote without throwing', async () => {
    const sessionId = await createSession('ulaw');
    const asterisk = await openChannel();
    await setRemote(sessionId, asterisk);

    const wrongVersion = rtpPacket();
    wrongVersion[0] = 0x40;
    const truncatedCsrc = rtpPacket({ payload: Buffer.alloc(4) });
    truncatedCsrc[0] = 0x8f;
    const truncatedExtension = rtpPacket({ payload: Buffer.from([0xbe, 0xde, 0x00, 0x09]) });
    truncatedExtension[0] = 0x90;
    const badPadding = rtpPacket({ payload: Buffer.from([1, 2, 3, 200]) });
    badPadding[0] = 0xa0;
    const malformed = [
      Buffer.alloc(0),
      Buffer.from([0x80, 0x00, 0x01]),
      Buffer.alloc(11, 0x80),
      wrongVersion,
      rtpPacket({ payloadType: 8 }),
      rtpPacket({ payloadType: 10, payload: Buffer.alloc(320) }),
      truncatedCsrc,
      truncatedExtension,
      badPadding,
      Buffer.concat([Buffer.from([0x3f]), randomBytes(171)]),
    ];
    await asterisk.sendAll(malformed);
    const stats = await waitFor(() => statsOf(sessionId), (current) => current.malformed === malformed.length);
    expect(stats).toMatchObject({ packetsIn: 0, bytesIn: 0, malformed: malformed.length, ssrc: null });

    await asterisk.send(rtpPacket());
    await waitFor(() => statsOf(sessionId), (current) => current.packetsIn === 1);
    expect(gateway.rtpSocket.handlerFailures).toBe(0);
    expect(errorLogs()).toEqual([]);
  });

  it('keeps two sessions apart: neither sees the other one’s packets', async () => {
    const first = await createSession('ulaw');
    const second = await createSession('ulaw');
    const firstAsterisk = await openChannel();
    const secondAsterisk = await openChannel();
    await setRemote(first, firstAsterisk);
    await setRemote(second, secondAsterisk);

    await Promise.all([
      firstAsterisk.sendAll(Array.from({ length: 3 }, () => rtpPacket({ ssrc: 1111 }))),
      secondAsterisk.sendAll(Array.from({ length: 5 }, () => rtpPacket({ ssrc: 2222, payload: Buffer.alloc(80) }))),
    ]);
    const firstStats = await waitFor(() => statsOf(first), (current) => current.packetsIn === 3);
    const secondStats = await waitFor(() => statsOf(second), (current) => current.packetsIn === 5);
    expect(firstStats).toMatchObject({ packetsIn: 3, bytesIn: 480, ssrc: 1111 });
    expect(secondStats).toMatchObject({ packetsIn: 5, bytesIn: 400, ssrc: 2222 });
    expect(foreignSource()).toBe(0);
  });

  it('routes by the new remote after a re-point and by none after delete', async () => {
    const sessionId = await createSession();
    const before = await openChannel();
    const after = await openChannel();
    await setRemote(sessionId, before);
    await setRemote(sessionId, after);

    await before.send(rtpPacket());
    await waitFor(foreignSource, (count) => count === 1);
    await after.send(rtpPacket());
    await waitFor(() => statsOf(sessionId), (current) => current.packetsIn === 1);

    const deleted = await gateway.app.inject({ method: 'DELETE', url: sessionPaths.one(sessionId), headers: AUTH });
    expect(deleted.statusCode).toBe(200);
    await after.send(rtpPacket());
    await waitFor(foreignSource, (count) => count === 2);
  });

  it('sends from the advertised RTP port to the session remote', async () => {
    const sessionId = await createSession();
    const asterisk = await openChannel();
    const session = gateway.sessions.get(sessionId)!;
    expect(session.sendRtp(rtpPacket(), 160)).toBe(false);

    await setRemote(sessionId, asterisk);
    const outbound = rtpPacket({ ssrc: 0x12345678 });
    expect(session.sendRtp(outbound, 160)).toBe(true);
    await waitFor(() => asterisk.received.length, (count) => count === 1);
    expect(asterisk.received[0]).toEqual({ datagram: outbound, fromPort: gateway.rtp.port });
    expect(await statsOf(sessionId)).toMatchObject({ packetsOut: 1, bytesOut: 160 });
  });

  it('survives 100,000 random datagrams from the remote and counts every one', async () => {
    const sessionId = await createSession('ulaw');
    const asterisk = await openChannel();
    await setRemote(sessionId, asterisk);
    const session = gateway.sessions.get(sessionId)!;

    const TOTAL = 100_000;
    // Bounded in-flight window so the kernel receive buffer never overflows and drops datagrams.
    const WINDOW = 100;
    const fuzzDatagram = (index: number): Buffer => {
      switch (index % 3) {
        case 0:
          return randomBytes(Math.floor(Math.random() * 400));
        case 1: {
          const mutated = rtpPacket({ payload: randomBytes(Math.floor(Math.random() * 300)), payloadType: Math.random() < 0.5 ? 0 : Math.floor(Math.random() * 128) });
          mutated[Math.floor(Math.random() * 12)]! ^= 1 << Math.floor(Math.random() * 8);
          return mutated.subarray(0, Math.floor(Math.random() * (mutated.length + 1)));
        }
        default:
          return rtpPacket({ payload: randomBytes(Math.floor(Math.random() * 200)) });
      }
    };
    const handled = () => {
      const stats = session.stats();
      return stats.packetsIn + stats.malformed;
    };

    let sent = 0;
    while (sent < TOTAL) {
      const batch = Array.from({ length: Math.min(WINDOW, TOTAL - sent) }, (_, offset) => fuzzDatagram(sent + offset));
      await asterisk.sendAll(batch);
      sent += batch.length;
      const target = sent;
      await waitFor(handled, (count) => count === target);
    }

    const stats = await statsOf(sessionId);
    expect(stats.packetsIn + stats.malformed).toBe(TOTAL);
    expect(stats.packetsIn).toBeGreaterThanOrEqual(Math.floor(TOTAL / 3));
    expect(stats.malformed).toBeGreaterThan(Math.floor(TOTAL / 3));
    expect(foreignSource()).toBe(0);
    expect(gateway.rtpSocket.handlerFailures).toBe(0);
    expect(errorLogs()).toEqual([]);
  }, 120_000);
});
