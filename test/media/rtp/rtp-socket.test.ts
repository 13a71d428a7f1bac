// The RTP path over real UDP on 127.0.0.1: fake Asterisk channels are plain
// UDP sockets sending RTP to the gateway's one RTP port and receiving what it
// sends back.
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CloseSessionResponse, CreateSessionResponse, SessionStats, bearer, sessionPaths, type MediaFormat } from '../../../media/contract/sessions.js';
import { loadMediaConfig } from '../../../media/config.js';
import { isRtpParseError, parseRtpPacket, type RtpPacketView } from '../../../media/rtp/rtp-packet.js';
import { createMediaLogger } from '../../../media/logger.js';
import { startMediaGateway, type MediaGateway } from '../../../media/media-gateway.js';
import {
  FakeAsteriskChannel,
  SLIN_FRAME_BYTES,
  ULAW_FRAME_BYTES,
  pollFor,
  rtpPacket,
  sessionRequest,
  ulawStream,
} from '../../support/media-rtp-peer.js';

const TOKEN = 'rtp-test-gateway-token-0123';
const AUTH = { authorization: bearer(TOKEN) };

/** What the gateway accepts from a ulaw session's remote: RTP that parses, PT 0, exactly one 20 ms frame. */
function isValidUlawFrame(datagram: Buffer): boolean {
  const packet = parseRtpPacket(datagram);
  return !isRtpParseError(packet) && packet.payloadType === 0 && packet.payload.length === ULAW_FRAME_BYTES;
}

describe('RTP receive path', () => {
  let gateway: MediaGateway;
  let logLines: string[];
  const channels: FakeAsteriskChannel[] = [];

  beforeEach(async () => {
    logLines = [];
    const config = loadMediaConfig({
      MEDIA_GATEWAY_TOKEN: TOKEN,
      MEDIA_AGENT: 'silent',
      MEDIA_HTTP_HOST: '127.0.0.1',
      MEDIA_HTTP_PORT: '0',
      RTP_BIND_HOST: '127.0.0.1',
      RTP_PORT: '0',
      // Recording has its own tests (test/media/recording/recording-api.test.ts); none is written here.
      RECORDING_ENABLED: 'false',
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
      payload: sessionRequest({ format }),
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

    await asterisk.sendAll(ulawStream(10, { firstSequence: 37386, ssrc: 483792354 }));
    const stats = await pollFor(() => statsOf(sessionId), (current) => current.packetsIn === 10);
    // A clean, in-order stream: nothing lost, late, reordered, duplicated or concealed.
    expect(stats).toMatchObject({
      packetsIn: 10,
      bytesIn: 1600,
      malformed: 0,
      foreignSource: 0,
      ssrc: 483792354,
      lost: 0,
      late: 0,
      reordered: 0,
      duplicates: 0,
      ssrcChanges: 0,
      concealedFrames: 0,
      playoutUnderruns: 0,
    });
    // The gateway streams to its remote on its own, one 20 ms ulaw frame per packet.
    expect(stats.bytesOut).toBe(stats.packetsOut * ULAW_FRAME_BYTES);
    expect(stats.jitterMs).toBeGreaterThanOrEqual(0);
    expect(foreignSource()).toBe(0);
  });

  it('accepts slin with PT 10 and 11 and counts payload bytes without padding', async () => {
    const sessionId = await createSession('slin');
    const asterisk = await openChannel();
    await setRemote(sessionId, asterisk);

    const padded = rtpPacket({ payloadType: 10, payload: Buffer.concat([Buffer.alloc(320), Buffer.from([0, 0, 0, 4])]) });
    padded[0] = 0xa0;
    await asterisk.sendAll([rtpPacket({ payloadType: 10, payload: Buffer.alloc(320) }), rtpPacket({ payloadType: 11, payload: Buffer.alloc(320) }), padded]);
    const stats = await pollFor(() => statsOf(sessionId), (current) => current.packetsIn === 3);
    expect(stats).toMatchObject({ packetsIn: 3, bytesIn: 960, malformed: 0 });
    // slin goes back to Asterisk as PT 10, 320 bytes per 20 ms.
    expect(stats.bytesOut).toBe(stats.packetsOut * SLIN_FRAME_BYTES);
  });

  it('counts slin payloads that are not exactly one 20 ms frame as malformed', async () => {
    const sessionId = await createSession('slin');
    const asterisk = await openChannel();
    await setRemote(sessionId, asterisk);

    const wrongSizes = [0, 2, 160, 318, 319, 321, 322, 640];
    await asterisk.sendAll(wrongSizes.map((bytes, index) => rtpPacket({ payloadType: 10, sequenceNumber: index, payload: Buffer.alloc(bytes) })));
    const stats = await pollFor(() => statsOf(sessionId), (current) => current.malformed === wrongSizes.length);
    expect(stats).toMatchObject({ packetsIn: 0, bytesIn: 0, malformed: wrongSizes.length, ssrc: null });
  });

  it('drops datagrams from any other source and counts them gateway-wide', async () => {
    const sessionId = await createSession();
    const asterisk = await openChannel();
    const stranger = await openChannel();
    await setRemote(sessionId, asterisk);

    await stranger.sendAll(Array.from({ length: 7 }, () => rtpPacket()));
    await pollFor(foreignSource, (count) => count === 7);
    expect(await statsOf(sessionId)).toMatchObject({ packetsIn: 0, bytesIn: 0, malformed: 0, foreignSource: 0, ssrc: null });

    await asterisk.send(rtpPacket());
    await pollFor(() => statsOf(sessionId), (current) => current.packetsIn === 1);
    expect(foreignSource()).toBe(7);
  });

  it('receives nothing for a session whose remote is not set yet', async () => {
    const sessionId = await createSession();
    const asterisk = await openChannel();
    await asterisk.sendAll([rtpPacket(), rtpPacket()]);
    await pollFor(foreignSource, (count) => count === 2);
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
      // Valid RTP, but not exactly one 20 ms ulaw frame.
      rtpPacket({ payload: Buffer.alloc(0) }),
      rtpPacket({ payload: Buffer.alloc(80, 0xff) }),
      rtpPacket({ payload: Buffer.alloc(159, 0xff) }),
      rtpPacket({ payload: Buffer.alloc(161, 0xff) }),
      rtpPacket({ payload: Buffer.alloc(320, 0xff) }),
    ];
    await asterisk.sendAll(malformed);
    const stats = await pollFor(() => statsOf(sessionId), (current) => current.malformed === malformed.length);
    expect(stats).toMatchObject({
      packetsIn: 0,
      bytesIn: 0,
      malformed: malformed.length,
      ssrc: null,
      duplicates: 0,
      ssrcChanges: 0,
      jitterMs: 0,
    });

    await asterisk.send(rtpPacket());
    await pollFor(() => statsOf(sessionId), (current) => current.packetsIn === 1);
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
      firstAsterisk.sendAll(ulawStream(3, { ssrc: 1111 })),
      secondAsterisk.sendAll(ulawStream(5, { ssrc: 2222, firstSequence: 65534 })),
    ]);
    const firstStats = await pollFor(() => statsOf(first), (current) => current.packetsIn === 3);
    const secondStats = await pollFor(() => statsOf(second), (current) => current.packetsIn === 5);
    expect(firstStats).toMatchObject({ packetsIn: 3, bytesIn: 480, ssrc: 1111, malformed: 0, duplicates: 0, ssrcChanges: 0 });
    expect(secondStats).toMatchObject({ packetsIn: 5, bytesIn: 800, ssrc: 2222, malformed: 0, duplicates: 0, ssrcChanges: 0 });
    expect(foreignSource()).toBe(0);

    // Outbound too: each remote gets one stream of its own.
    await pollFor(() => Math.min(firstAsterisk.received.length, secondAsterisk.received.length), (count) => count >= 3);
    const ssrcsAt = (channel: FakeAsteriskChannel) =>
      new Set(channel.received.map(({ datagram }) => (parseRtpPacket(datagram) as RtpPacketView).ssrc));
    const [firstSsrcs, secondSsrcs] = [ssrcsAt(firstAsterisk), ssrcsAt(secondAsterisk)];
    expect(firstSsrcs.size).toBe(1);
    expect(secondSsrcs.size).toBe(1);
    expect([...firstSsrcs][0]).not.toBe([...secondSsrcs][0]);
  });

  it('routes by the new remote after a re-point and by none after delete', async () => {
    const sessionId = await createSession();
    const before = await openChannel();
    const after = await openChannel();
    await setRemote(sessionId, before);
    await setRemote(sessionId, after);

    await before.send(rtpPacket());
    await pollFor(foreignSource, (count) => count === 1);
    await after.send(rtpPacket());
    await pollFor(() => statsOf(sessionId), (current) => current.packetsIn === 1);
    await pollFor(() => after.received.length, (count) => count >= 3);

    const deleted = await gateway.app.inject({ method: 'DELETE', url: sessionPaths.one(sessionId), headers: AUTH });
    expect(deleted.statusCode).toBe(200);
    await after.send(rtpPacket());
    await pollFor(foreignSource, (count) => count === 2);

    // Every packet the session sent went to one of its two remotes, and none after the delete.
    const { packetsOut } = CloseSessionResponse.parse(deleted.json()).stats;
    const delivered = await pollFor(() => before.received.length + after.received.length, (count) => count >= packetsOut);
    expect(delivered).toBe(packetsOut);
  });

  it('sends a continuous RTP stream from the advertised port to the session remote only', async () => {
    const sessionId = await createSession();
    const asterisk = await openChannel();
    const bystander = await openChannel();
    await setRemote(sessionId, asterisk);
    await pollFor(() => asterisk.received.length, (count) => count >= 10);
    const packets = asterisk.received.slice(0, 10).map(({ datagram, fromPort }) => {
      expect(fromPort).toBe(gateway.rtp.port);
      return parseRtpPacket(datagram) as RtpPacketView;
    });
    for (const [i, packet] of packets.entries()) {
      expect(packet.payloadType).toBe(0);
      expect(packet.payload).toHaveLength(160);
      expect(packet.ssrc).toBe(packets[0]!.ssrc);
      expect(packet.sequenceNumber).toBe((packets[0]!.sequenceNumber + i) % 0x10000);
      expect(packet.timestamp).toBe((packets[0]!.timestamp + i * 160) % 2 ** 32);
      // Silence (the agent says nothing): no talk spurt, so only the stream's first packet is marked.
      expect(packet.marker).toBe(i === 0);
    }
    expect(bystander.received).toHaveLength(0);
    const stats = await statsOf(sessionId);
    expect(stats.packetsOut).toBeGreaterThanOrEqual(10);
    expect(stats.bytesOut).toBe(stats.packetsOut * ULAW_FRAME_BYTES);
    // Nothing came in, yet the stream keeps going.
    expect(stats.packetsIn).toBe(0);
    await pollFor(() => statsOf(sessionId), (current) => current.packetsOut > stats.packetsOut);
  });

  it('survives 100,000 random datagrams from the remote and counts every one', async () => {
    const sessionId = await createSession('ulaw');
    const asterisk = await openChannel();
    await setRemote(sessionId, asterisk);
    const session = gateway.sessions.get(sessionId)!;

    const TOTAL = 100_000;
    // Bounded in-flight window so the kernel receive buffer never overflows and drops datagrams.
    const WINDOW = 100;
    const randomLength = (max: number) => Math.floor(Math.random() * (max + 1));
    const frameOrRandomLength = (max: number) => (Math.random() < 0.5 ? ULAW_FRAME_BYTES : randomLength(max));
    const fuzzDatagram = (index: number): Buffer => {
      switch (index % 3) {
        case 0:
          return randomBytes(randomLength(400));
        case 1: {
          // RTP with one header bit flipped, cut short half of the time.
          const payloadType = Math.random() < 0.5 ? 0 : Math.floor(Math.random() * 128);
          const mutated = rtpPacket({ sequenceNumber: index & 0xffff, payloadType, payload: randomBytes(frameOrRandomLength(300)) });
          mutated[Math.floor(Math.random() * 12)]! ^= 1 << Math.floor(Math.random() * 8);
          return Math.random() < 0.5 ? mutated : mutated.subarray(0, randomLength(mutated.length));
        }
        default:
          // Well-formed PT 0 RTP; half of it with a payload that is not one 20 ms frame.
          return rtpPacket({ sequenceNumber: index & 0xffff, payload: randomBytes(frameOrRandomLength(400)) });
      }
    };
    const handled = () => {
      const stats = session.stats();
      return stats.packetsIn + stats.malformed;
    };

    let sent = 0;
    let valid = 0;
    while (sent < TOTAL) {
      const batch = Array.from({ length: Math.min(WINDOW, TOTAL - sent) }, (_, offset) => fuzzDatagram(sent + offset));
      valid += batch.filter(isValidUlawFrame).length;
      await asterisk.sendAll(batch);
      sent += batch.length;
      const target = sent;
      await pollFor(handled, (count) => count === target);
    }

    const stats = await statsOf(sessionId);
    expect(stats.packetsIn + stats.malformed).toBe(TOTAL);
    expect(stats.packetsIn).toBe(valid);
    expect(stats.bytesIn).toBe(valid * ULAW_FRAME_BYTES);
    expect(stats.malformed).toBe(TOTAL - valid);
    // Both paths were exercised in bulk (roughly a fifth of the datagrams are valid).
    expect(valid).toBeGreaterThan(TOTAL / 10);
    expect(stats.malformed).toBeGreaterThan(TOTAL / 2);
    expect(foreignSource()).toBe(0);
    expect(gateway.rtpSocket.handlerFailures).toBe(0);
    expect(errorLogs()).toEqual([]);
  }, 120_000);
});
