// The ARI fake's chan_websocket (externalMedia transport=websocket, connection_type=server)
// against the recorded Asterisk 22.10.1 websocket call, over real sockets.

import { WebSocket } from 'ws';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startFakeWithEvents } from './fake-with-events.js';
import { ariRequest, refusedUpgrade, type AriEventJson } from './raw-ari-client.js';
import { normalizedText, readTrace } from './recorded-traces.js';
import { ULAW_TO_LINEAR } from '../shared/g711.js';
import { callerSpeechUlaw } from '../../kit/reference-media.js';
import { waitUntil } from '../../kit/wait.js';

const TRACE = 'inbound-externalmedia-websocket-slin16';
const WEBSOCKET_QUERY = 'app=prosaas_ai&transport=websocket&encapsulation=none&connection_type=server&format=slin16';

const startFake = startFakeWithEvents;

/** The app side of the media websocket: every text and binary message it got. */
class MediaClient {
  readonly texts: string[] = [];
  readonly frames: Buffer[] = [];
  closeCode: number | null = null;
  readonly socket: WebSocket;
  constructor(socket: WebSocket) {
    this.socket = socket;
    socket.on('message', (data: Buffer, isBinary: boolean) => (isBinary ? this.frames.push(data) : this.texts.push(data.toString('utf8'))));
    socket.on('close', (code) => {
      this.closeCode = code;
    });
    socket.on('error', () => undefined);
  }

  static async connect(url: string, protocol: string | null = 'media'): Promise<MediaClient> {
    const socket = protocol === null ? new WebSocket(url) : new WebSocket(url, [protocol]);
    const client = new MediaClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('unexpected-response', (_request, response) => reject(new Error(`refused ${response.statusCode}`)));
    });
    onTestFinished(() => socket.terminate());
    return client;
  }
}

/** Normalised ARI JSON without the channel counter (the recording's call was not the first). */
const shape = (value: unknown): string => normalizedText(value).replace(/<epoch>\.\d+/g, '<epoch>.N');

const isEvent =
  (type: string, channelId?: string) =>
  (event: AriEventJson): boolean =>
    event.type === type && (channelId === undefined || (event['channel'] as { id?: string } | undefined)?.id === channelId || (event['peer'] as { id?: string } | undefined)?.id === channelId);

/** The recorded events about the WebSocket channel, from its creation to its StasisStart. */
function recordedSetupEvents(): unknown[] {
  const trace = readTrace(TRACE);
  const mediaId = ((trace.find((line) => line.kind === 'rest' && line['path'] === '/ari/channels/externalMedia')!['body']) as { id: string }).id;
  return trace
    .filter((line) => line.kind === 'ws')
    .map((line) => line['event'] as AriEventJson)
    .filter((event) => JSON.stringify(event).includes(mediaId))
    .slice(0, 5)
    .filter((event) => event.type !== 'ChannelEnteredBridge');
}

describe('ARI fake: externalMedia over a media websocket (chan_websocket)', () => {
  it('creates the channel, announces it on connection and puts it into Stasis as recorded', async () => {
    const { fake, events } = await startFake();
    const call = fake.placeCall({ to: '+15557654321', args: ['inbound'] });
    await events.waitForEvent(isEvent('StasisStart', call.channelId), 'caller StasisStart');
    await ariRequest(fake.url, 'POST', `/ari/channels/${call.channelId}/answer`);
    const created = await ariRequest(fake.url, 'POST', `/ari/channels/externalMedia?${WEBSOCKET_QUERY}`);
    expect(created.status).toBe(200);
    const body = created.json as { id: string; name: string; state: string; channelvars: Record<string, string> };
    const recorded = readTrace(TRACE).find((line) => line['path'] === '/ari/channels/externalMedia')!['body'];
    expect(shape(body)).toBe(shape(recorded));
    expect(body.channelvars['MEDIA_WEBSOCKET_OPTIMAL_FRAME_SIZE']).toBe('640');

    // Not in Stasis before the app connects: bridging it is refused, as a real Asterisk does.
    const bridge = (await ariRequest(fake.url, 'POST', '/ari/bridges?type=mixing')).json as { id: string };
    expect((await ariRequest(fake.url, 'POST', `/ari/bridges/${bridge.id}/addChannel?channel=${body.id}`)).status).toBe(422);

    const connectionId = body.channelvars['MEDIA_WEBSOCKET_CONNECTION_ID']!;
    const media = await MediaClient.connect(`${fake.url.replace('http', 'ws')}/media/${connectionId}`);
    await events.waitForEvent(isEvent('StasisStart', body.id), 'WebSocket channel StasisStart');
    await waitUntil(() => media.texts.length > 0, { what: 'MEDIA_START' });
    expect(media.texts[0]).toBe(
      `MEDIA_START connection_id:${connectionId} channel:${body.name} channel_id:${body.id} format:slin16 optimal_frame_size:640 ptime:20`,
    );
    const ours = events.events.filter((event) => JSON.stringify(event).includes(body.id)).slice(0, 5);
    expect(ours.map(shape)).toEqual(recordedSetupEvents().map(shape));
    expect(fake.mediaWebsocketConnected(body.id)).toBe(true);
    expect(fake.violations).toEqual([]);
  });

  it('carries 640-byte little-endian slin16 frames both ways once bridged with the caller', async () => {
    const { fake, events } = await startFake();
    const call = fake.placeCall({ to: '+15557654321', args: ['inbound'] });
    await events.waitForEvent(isEvent('StasisStart', call.channelId), 'caller StasisStart');
    await ariRequest(fake.url, 'POST', `/ari/channels/${call.channelId}/answer`);
    const body = (await ariRequest(fake.url, 'POST', `/ari/channels/externalMedia?${WEBSOCKET_QUERY}`)).json as { id: string; channelvars: Record<string, string> };
    const media = await MediaClient.connect(`${fake.url.replace('http', 'ws')}/media/${body.channelvars['MEDIA_WEBSOCKET_CONNECTION_ID']}`);
    await events.waitForEvent(isEvent('StasisStart', body.id), 'WebSocket channel StasisStart');
    const bridge = (await ariRequest(fake.url, 'POST', '/ari/bridges?type=mixing')).json as { id: string };
    expect((await ariRequest(fake.url, 'POST', `/ari/bridges/${bridge.id}/addChannel?channel=${call.channelId},${body.id}`)).status).toBe(204);

    const speech = callerSpeechUlaw();
    fake.startCallerAudio(body.id, { payload: speech.subarray(0, 1600) });
    await waitUntil(() => media.frames.length >= 10, { what: 'ten caller frames' });
    expect(media.frames.every((frame) => frame.length === 640)).toBe(true);
    // Every other sample is the caller's mu-law sample, in host (little-endian) order.
    const first = media.frames[0]!;
    for (let index = 0; index < 160; index += 1) expect(first.readInt16LE(index * 4)).toBe(ULAW_TO_LINEAR[speech[index]!]);

    const tone = Buffer.alloc(640 * 3);
    for (let index = 0; index < tone.length / 2; index += 1) tone.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 1000 * index) / 16000)), index * 2);
    media.socket.send(tone, { binary: true });
    // A trailing partial frame is dropped, not queued.
    media.socket.send(Buffer.alloc(100), { binary: true });
    await waitUntil(() => fake.websocketReceived(body.id).frames === 3, { what: 'three frames from the app' });
    const heard = fake.rtpHeard(body.id);
    expect(heard.map((frame) => Math.round(frame.rms / 100))).toEqual([57, 57, 57]);
    expect(fake.websocketReceived(body.id)).toMatchObject({ frames: 3, bytes: 1920, dropped: 0 });
  });

  it('refuses an unknown connection id (404), a second connection (409) and another subprotocol (400)', async () => {
    const { fake } = await startFake();
    const wsBase = fake.url.replace('http', 'ws');
    expect((await refusedUpgrade(`${wsBase}/media/no-such-connection`)).status).toBe(404);
    const body = (await ariRequest(fake.url, 'POST', `/ari/channels/externalMedia?${WEBSOCKET_QUERY}`)).json as { channelvars: Record<string, string> };
    const url = `${wsBase}/media/${body.channelvars['MEDIA_WEBSOCKET_CONNECTION_ID']}`;
    const wrongProtocol = await new Promise<number>((resolve) => {
      const socket = new WebSocket(url, ['chat']);
      socket.once('error', () => undefined);
      socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
    });
    expect(wrongProtocol).toBe(400);
    // A client that names no subprotocol is accepted: chan_websocket registers only `media`.
    await MediaClient.connect(url, null);
    expect((await refusedUpgrade(url)).status).toBe(409);
  });

  it('closes the websocket with 1000 when the app hangs the channel up, and hangs up when the app closes it', async () => {
    const { fake, events } = await startFake();
    const connect = async () => {
      const body = (await ariRequest(fake.url, 'POST', `/ari/channels/externalMedia?${WEBSOCKET_QUERY}`)).json as { id: string; channelvars: Record<string, string> };
      const media = await MediaClient.connect(`${fake.url.replace('http', 'ws')}/media/${body.channelvars['MEDIA_WEBSOCKET_CONNECTION_ID']}`);
      await events.waitForEvent(isEvent('StasisStart', body.id), 'WebSocket channel StasisStart');
      return { id: body.id, media };
    };
    const deleted = await connect();
    expect((await ariRequest(fake.url, 'DELETE', `/ari/channels/${deleted.id}`)).status).toBe(204);
    await waitUntil(() => deleted.media.closeCode !== null, { what: 'the media websocket to close' });
    expect(deleted.media.closeCode).toBe(1000);
    const destroyed = await events.waitForEvent(isEvent('ChannelDestroyed', deleted.id), 'ChannelDestroyed');
    expect(destroyed['cause']).toBe(16);

    const closed = await connect();
    closed.media.socket.close();
    const request = await events.waitForEvent(isEvent('ChannelHangupRequest', closed.id), 'ChannelHangupRequest');
    expect(request['cause']).toBe(16);
    await events.waitForEvent(isEvent('StasisEnd', closed.id), 'StasisEnd');
    await events.waitForEvent(isEvent('ChannelDestroyed', closed.id), 'ChannelDestroyed');
    expect(fake.channel(closed.id)?.live).toBe(false);
  });

  it('answers the checks of ast_ari_channels_external_media for the websocket transport', async () => {
    const { fake } = await startFake();
    const bad = await ariRequest(fake.url, 'POST', '/ari/channels/externalMedia?app=prosaas_ai&transport=websocket&encapsulation=rtp&connection_type=server&format=slin16');
    expect(bad).toMatchObject({ status: 400, json: { message: "encapsulation must be 'none' for websocket transport" } });
    const server = await ariRequest(fake.url, 'POST', '/ari/channels/externalMedia?app=prosaas_ai&external_host=127.0.0.1:4000&connection_type=server&format=ulaw');
    expect(server).toMatchObject({ status: 400, json: { message: "'server' connection_type can only be used with the websocket transport" } });
    const ulaw = await ariRequest(fake.url, 'POST', '/ari/channels/externalMedia?app=prosaas_ai&transport=websocket&encapsulation=none&connection_type=server&format=ulaw');
    expect((ulaw.json as { channelvars: Record<string, string> }).channelvars['MEDIA_WEBSOCKET_OPTIMAL_FRAME_SIZE']).toBe('160');
    expect(fake.violations).toEqual([]);
  });
});
