// What the ARI fake's own tests share: fakes and sockets closed after each
// test, the event socket of the app, and an inbound call bridged with an
// externalMedia channel as the recorded client did it.
import { createSocket, type Socket } from 'node:dgram';
import { afterEach } from 'vitest';
import { FakeAsterisk, type FakeAsteriskOptions } from './index.js';
import { ariRequest, EventSocket, type AriEventJson, type RawAuth } from './raw-ari-client.js';
import type { TraceLine } from './recorded-traces.js';

const fakes: FakeAsterisk[] = [];
const cleanups: Array<() => void> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
});

export async function startFake(options: FakeAsteriskOptions = {}): Promise<FakeAsterisk> {
  const fake = await FakeAsterisk.start(options);
  fakes.push(fake);
  return fake;
}

export async function openEvents(fake: FakeAsterisk, app = 'prosaas_ai'): Promise<EventSocket> {
  const socket = await EventSocket.open(`${fake.url.replace('http', 'ws')}/ari/events?app=${app}&api_key=asterisk:asterisk&subscribeAll=false`);
  cleanups.push(() => socket.close());
  return socket;
}

export function isEvent(type: string, channelId?: string): (event: AriEventJson) => boolean {
  return (event) => event.type === type && (channelId === undefined || (event['channel'] as { id?: string } | undefined)?.id === channelId);
}

export async function bindUdp(): Promise<Socket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  cleanups.push(() => socket.close());
  return socket;
}

/** Inbound call answered, bridged with an externalMedia channel, as the recorded client did it. */
export async function bridgedCall(fake: FakeAsterisk, events: EventSocket, externalHost: string, format = 'ulaw') {
  const call = fake.placeCall({ to: '+15557654321', args: ['inbound'] });
  await events.waitForEvent(isEvent('StasisStart', call.channelId), 'caller StasisStart');
  const answer = await ariRequest(fake.url, 'POST', `/ari/channels/${call.channelId}/answer`);
  const bridge = await ariRequest(fake.url, 'POST', `/ari/bridges?type=mixing&name=call-${call.channelId}`);
  const media = await ariRequest(fake.url, 'POST', `/ari/channels/externalMedia?app=prosaas_ai&external_host=${externalHost}&format=${format}`);
  const mediaBody = media.json as { id: string; channelvars: Record<string, string> };
  const bridgeId = (bridge.json as { id: string }).id;
  await events.waitForEvent(isEvent('StasisStart', mediaBody.id), 'externalMedia StasisStart');
  return { callId: call.channelId, answer, bridge, bridgeId, media, mediaId: mediaBody.id, channelvars: mediaBody.channelvars };
}

export function authFor(line: TraceLine): RawAuth {
  const recorded = line['auth'] as string | null;
  if (recorded === null) return 'none';
  const [user] = recorded.split(':');
  return { user: user!, password: recorded.includes('(correct)') ? 'asterisk' : 'wrong-password' };
}
