// The ARI fake's faults (restart, refusals) and its RTP over real UDP sockets, against
// what Asterisk 22.10.1 does.

import type { RemoteInfo } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { FakeAsterisk } from './index.js';
import { ariRequest, refusedUpgrade } from './raw-ari-client.js';
import { bindUdp, bridgedCall, isEvent, openEvents, startFake } from './fake-test-kit.js';
import { callerSpeechUlaw } from '../../kit/reference-media.js';

const CALLER_SPEECH = callerSpeechUlaw();

describe('ARI fake: faults', () => {
  it('restart drops the socket without a close frame, refuses connections, wipes state and comes back on the same port', async () => {
    const fake = await startFake();
    const events = await openEvents(fake);
    const call = fake.placeCall({ to: '+15557654321' });
    await events.waitForEvent(isEvent('StasisStart', call.channelId), 'StasisStart');
    const port = fake.port;

    const restarted = fake.restart({ downMs: 300 });
    expect(await events.closed()).toBe(1006);
    await expect(fetch(`${fake.url}/ari/asterisk/ping`)).rejects.toThrow();
    await restarted;

    expect(fake.port).toBe(port);
    expect((await ariRequest(fake.url, 'GET', '/ari/channels')).json).toEqual([]);
    expect((await ariRequest(fake.url, 'GET', '/ari/applications')).json).toEqual([]);
    expect(fake.isRegistered()).toBe(false);
    await openEvents(fake);
    expect(fake.isRegistered()).toBe(true);
  });

  it('goSilent stops pongs and events until resume', async () => {
    const fake = await startFake();
    const events = await openEvents(fake);
    await events.pingRoundTrip();
    expect(events.pongs).toBe(1);

    fake.goSilent();
    events.socket.ping();
    const unheard = fake.placeCall({ to: '+15550000001' });
    expect((await ariRequest(fake.url, 'GET', '/ari/asterisk/ping')).status).toBe(200);
    fake.resume();

    await events.pingRoundTrip();
    expect(events.pongs).toBe(2);
    const heard = fake.placeCall({ to: '+15550000002' });
    await events.waitForEvent(isEvent('StasisStart', heard.channelId), 'StasisStart after resume');
    expect(events.events.some(isEvent('StasisStart', unheard.channelId))).toBe(false);
  });

  it('refuseCredentials answers 401 to REST and to the websocket upgrade', async () => {
    const fake = await startFake();
    fake.refuseCredentials(true);
    const rest = await ariRequest(fake.url, 'GET', '/ari/asterisk/info');
    expect(rest.status).toBe(401);
    expect(rest.json).toEqual({ message: 'Authentication required' });
    expect(rest.headers.get('www-authenticate')).toBe('Basic realm="Asterisk REST Interface"');
    const upgrade = await refusedUpgrade(`${fake.url.replace('http', 'ws')}/ari/events?app=prosaas_ai&api_key=asterisk:asterisk`);
    expect(upgrade).toMatchObject({ status: 401, body: '{"message":"Authentication required"}' });
    fake.refuseCredentials(false);
    expect((await ariRequest(fake.url, 'GET', '/ari/asterisk/info')).status).toBe(200);
  });

  it('failNext fails the next matching request once', async () => {
    const fake = await startFake();
    fake.failNext('POST', /\/bridges$/, { status: 500, message: 'Allocation failed' });
    const failed = await ariRequest(fake.url, 'POST', '/ari/bridges?type=mixing');
    expect(failed.status).toBe(500);
    expect(failed.json).toEqual({ message: 'Allocation failed' });
    expect(fake.bridges()).toEqual([]);
    expect((await ariRequest(fake.url, 'POST', '/ari/bridges?type=mixing')).status).toBe(200);
  });
});

describe('ARI fake: RTP', () => {
  it('sends ulaw RTP from UNICASTRTP_LOCAL_ADDRESS:PORT every 20 ms and counts the RTP sent back', async () => {
    const fake = await startFake({ autoCallerAudio: true });
    const app = await bindUdp();
    const appPort = app.address().port;
    const packets: Array<{ packet: Buffer; from: RemoteInfo; atMs: number }> = [];
    app.on('message', (packet, from) => packets.push({ packet, from, atMs: performance.now() }));
    const events = await openEvents(fake);
    const call = await bridgedCall(fake, events, `127.0.0.1:${appPort}`);
    await ariRequest(fake.url, 'POST', `/ari/bridges/${call.bridgeId}/addChannel?channel=${call.callId},${call.mediaId}`);

    await fake.waitFor(() => packets.length >= 30, { what: '30 RTP packets at the app', timeoutMs: 5_000 });
    const first = packets[0]!.packet;
    const ssrc = first.readUInt32BE(8);
    expect(ssrc).toBe(fake.rtpSent(call.mediaId).ssrc);
    for (const [index, { packet, from }] of packets.slice(0, 30).entries()) {
      expect(from.address).toBe(call.channelvars['UNICASTRTP_LOCAL_ADDRESS']);
      expect(from.port).toBe(Number(call.channelvars['UNICASTRTP_LOCAL_PORT']));
      expect(packet.length).toBe(172);
      expect(packet[0]).toBe(0x80);
      expect(packet[1]).toBe(0);
      expect(packet.readUInt16BE(2)).toBe((first.readUInt16BE(2) + index) & 0xffff);
      expect(packet.readUInt32BE(4)).toBe((first.readUInt32BE(4) + index * 160) >>> 0);
      expect(packet.readUInt32BE(8)).toBe(ssrc);
      expect(packet.subarray(12).equals(CALLER_SPEECH.subarray(index * 160, index * 160 + 160))).toBe(true);
    }
    const meanIntervalMs = (packets[29]!.atMs - packets[0]!.atMs) / 29;
    expect(meanIntervalMs).toBeGreaterThan(16);
    expect(meanIntervalMs).toBeLessThan(24);

    const target = { address: call.channelvars['UNICASTRTP_LOCAL_ADDRESS']!, port: Number(call.channelvars['UNICASTRTP_LOCAL_PORT']) };
    for (let index = 0; index < 5; index += 1) {
      const packet = Buffer.alloc(172, 0xff);
      packet[0] = 0x80;
      packet[1] = 0;
      packet.writeUInt16BE(index, 2);
      app.send(packet, target.port, target.address);
    }
    await fake.waitFor(() => fake.rtpReceived(call.mediaId).packets === 5, { what: '5 RTP packets received by the fake' });
    expect(fake.rtpReceived(call.mediaId)).toEqual({ packets: 5, bytes: 800, sources: [`127.0.0.1:${appPort}`], payloadTypes: [0] });

    fake.hangupCaller(call.callId);
    const sentAtHangup = fake.rtpSent(call.mediaId).packets;
    expect((await ariRequest(fake.url, 'DELETE', `/ari/channels/${call.mediaId}`)).status).toBe(204);
    expect(fake.rtpSent(call.mediaId).packets).toBe(sentAtHangup);
    expect(fake.violations).toEqual([]);
  });

  it('with rtpSendJitterMs, spreads the caller packets around their 20 ms slots as a real Asterisk did, in order', async () => {
    const fake = await startFake({ rtpSendJitterMs: 6 });
    const app = await bindUdp();
    const arrivals: { seq: number; atMs: number }[] = [];
    app.on('message', (packet) => arrivals.push({ seq: packet.readUInt16BE(2), atMs: performance.now() }));
    const events = await openEvents(fake);
    const call = await bridgedCall(fake, events, `127.0.0.1:${app.address().port}`, 'ulaw');
    fake.startCallerAudio(call.mediaId);
    await fake.waitFor(() => arrivals.length >= 40, { what: '40 ulaw packets' });
    const steps = arrivals.slice(1).map((a, i) => (a.seq - arrivals[i]!.seq) & 0xffff);
    expect(new Set(steps)).toEqual(new Set([1]));
    // Each packet is at most 6 ms behind its slot (plus timer slack): the arrival offsets from the
    // slot grid spread over several ms instead of one value.
    const offsets = arrivals.map((a, i) => a.atMs - arrivals[0]!.atMs - i * 20);
    expect(Math.max(...offsets) - Math.min(...offsets)).toBeGreaterThan(2);
    await expect(FakeAsterisk.start({ rtpSendJitterMs: 20 })).rejects.toThrow(/rtpSendJitterMs/);
  });

  it('sends slin as big-endian L16 with PT 10 and 320-byte payloads', async () => {
    const fake = await startFake();
    const app = await bindUdp();
    const packets: Buffer[] = [];
    app.on('message', (packet) => packets.push(packet));
    const events = await openEvents(fake);
    const call = await bridgedCall(fake, events, `127.0.0.1:${app.address().port}`, 'slin');
    fake.startCallerAudio(call.mediaId);
    await fake.waitFor(() => packets.length >= 3, { what: '3 slin packets' });
    const packet = packets[0]!;
    expect(packet.length).toBe(332);
    expect(packet[1]).toBe(10);
    expect(packets[1]!.readUInt32BE(4) - packet.readUInt32BE(4)).toBe(160);
    for (let sample = 0; sample < 160; sample += 1) {
      expect(packet.readInt16BE(12 + sample * 2)).toBe(decodeMuLaw(CALLER_SPEECH[sample]!));
    }
  });
});

/** G.711 mu-law expansion (reference formula, independent of the fake's table). */
function decodeMuLaw(byte: number): number {
  const value = ~byte & 0xff;
  const magnitude = ((((value & 0x0f) << 3) + 0x84) << ((value >> 4) & 0x07)) - 0x84;
  return value & 0x80 ? -magnitude : magnitude;
}
