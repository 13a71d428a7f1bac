// The ARI fake against the recorded Asterisk 22.10.1 traffic, over real sockets with plain
// fetch and ws: bad requests, a whole call, validation, registration. Faults and RTP are in
// fake-asterisk-media.test.ts.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ariRequest, EventSocket, refusedUpgrade, type AriEventJson } from './raw-ari-client.js';
import { normalizedText, readTrace } from './recorded-traces.js';
import { authFor, bridgedCall, isEvent, openEvents, startFake } from './fake-test-kit.js';
import { sharedPath } from '../../support/shared-reference.js';

const RECORDED_WS_BASE = 'ws://127.0.0.1:8088';

describe('ARI fake: recorded bad requests', () => {
  it('answers every recorded bad request and upgrade with the recorded status, reason and body', async () => {
    const fake = await startFake();
    const trace = readTrace('bad-requests');
    const recordedToActualId = new Map<string, string>();
    let checked = 0;
    for (const [index, line] of trace.entries()) {
      if (line.kind === 'rest') {
        let path = line['path'] as string;
        for (const [recordedId, actualId] of recordedToActualId) path = path.replace(recordedId, actualId);
        const query = new URLSearchParams(line['query'] as Record<string, string>).toString();
        const response = await ariRequest(fake.url, line['method'] as string, `${path}${query ? `?${query}` : ''}`, { auth: authFor(line) });
        const label = String(line['label']);
        expect(response.status, label).toBe(line['status']);
        expect(response.statusText, label).toBe(line['statusMessage']);
        const headers = line['responseHeaders'] as Record<string, string | null>;
        expect(response.headers.get('content-type'), label).toBe(headers['content-type']);
        if (headers['www-authenticate']) expect(response.headers.get('www-authenticate'), label).toBe(headers['www-authenticate']);
        // Channel ids count every channel since Asterisk started; the recording had made 18 before.
        const withoutId = (body: unknown): unknown => (body && typeof body === 'object' && 'id' in body ? { ...body, id: '<id>' } : body);
        if (line['status'] === 200) expect(normalizedText(withoutId(response.json)), label).toBe(normalizedText(withoutId(line['body'])));
        else expect(response.json, label).toEqual(line['body']);
        const recordedBody = line['body'] as { id?: string } | null;
        if (recordedBody?.id) recordedToActualId.set(recordedBody.id, (response.json as { id: string }).id);
        checked += 1;
      } else if (line.kind === 'ws-connect') {
        const url = (line['url'] as string).replace(RECORDED_WS_BASE, fake.url.replace('http', 'ws'));
        const outcome = trace[index + 1]!;
        if (outcome.kind === 'ws-unexpected-response') {
          const refused = await refusedUpgrade(url);
          const headers = outcome['headers'] as Record<string, string>;
          expect(refused.status).toBe(outcome['status']);
          expect(refused.body).toBe(outcome['body']);
          expect(refused.contentType).toBe(headers['content-type']);
          expect(refused.wwwAuthenticate).toBe(headers['www-authenticate']);
        } else {
          expect(outcome['status']).toBe(101);
          (await EventSocket.open(url)).close();
        }
        checked += 1;
      }
    }
    expect(checked).toBe(32);
    const flagged = fake.violations.join('\n');
    for (const expected of ["missing required query parameter 'app'", "missing required query parameter 'format'", "'encapsulation' value 'bogus'", 'GET /ari/no-such-resource', 'PUT /ari/channels', "missing required query parameter 'channel'"]) {
      expect(flagged).toContain(expected);
    }
  });
});

describe('ARI fake: a whole call as recorded (inbound-externalmedia-ulaw)', () => {
  it('raises the recorded events in the recorded order with the recorded payloads and answers with the recorded bodies', async () => {
    const fake = await startFake();
    const trace = readTrace('inbound-externalmedia-ulaw');
    const recordedRest = trace.filter((line) => line.kind === 'rest');
    const recordedEvents = trace.filter((line) => line.kind === 'ws').map((line) => JSON.parse(line['raw'] as string) as AriEventJson);
    const events = await openEvents(fake);

    const call = await bridgedCall(fake, events, '127.0.0.1:40000');
    const address = await ariRequest(fake.url, 'GET', `/ari/channels/${call.mediaId}/variable?variable=UNICASTRTP_LOCAL_ADDRESS`);
    const port = await ariRequest(fake.url, 'GET', `/ari/channels/${call.mediaId}/variable?variable=UNICASTRTP_LOCAL_PORT`);
    const addCaller = await ariRequest(fake.url, 'POST', `/ari/bridges/${call.bridgeId}/addChannel?channel=${call.callId}`);
    const addMedia = await ariRequest(fake.url, 'POST', `/ari/bridges/${call.bridgeId}/addChannel?channel=${call.mediaId}`);
    const bridge = await ariRequest(fake.url, 'GET', `/ari/bridges/${call.bridgeId}`);
    fake.hangupCaller(call.callId);
    await events.waitForEvent(isEvent('StasisEnd', call.callId), 'caller StasisEnd');
    const deleteMedia = await ariRequest(fake.url, 'DELETE', `/ari/channels/${call.mediaId}`);
    const deleteBridge = await ariRequest(fake.url, 'DELETE', `/ari/bridges/${call.bridgeId}`);
    await events.waitForEvent(isEvent('BridgeDestroyed'), 'BridgeDestroyed');

    // Every event, QoS variables included, with the recorded key order; volatile values normalised.
    expect(events.events.map(normalizedText)).toEqual(recordedEvents.map(normalizedText));

    const answers = [call.answer, call.bridge, call.media, address, port, addCaller, addMedia, bridge, deleteMedia, deleteBridge];
    expect(answers.map((answer) => answer.status)).toEqual(recordedRest.map((line) => line['status']));
    for (const [index, answer] of answers.entries()) {
      const recorded = recordedRest[index]!;
      const contentType = (recorded['responseHeaders'] as Record<string, string | null>)['content-type'];
      expect(answer.headers.get('content-type'), String(recorded['path'])).toBe(contentType);
      if (recorded['body'] === null) expect(answer.text).toBe('');
      else if (answer !== port) expect(normalizedText(answer.json)).toBe(normalizedText(recorded['body']));
    }
    expect(port.json).toEqual({ value: call.channelvars['UNICASTRTP_LOCAL_PORT'] });
    expect(Number(call.channelvars['UNICASTRTP_LOCAL_PORT']) % 2).toBe(0);
    expect(fake.channel(call.callId)).toMatchObject({ hungUpBy: 'caller', live: false });
    expect(fake.channel(call.mediaId)).toMatchObject({ hungUpBy: 'app', hangupReason: 'normal', live: false });
    expect(fake.violations).toEqual([]);
  });

  it('declines a call when no app is registered, without any event', async () => {
    const fake = await startFake();
    const call = fake.placeCall({ to: '+15557654321' });
    expect(call.outcome).toBe('declined');
    expect((await ariRequest(fake.url, 'GET', '/ari/channels')).json).toEqual([]);
  });
});

describe('ARI fake: validation against the api-docs', () => {
  it('records an unknown parameter, a bad enum value and a wrong type as violations and does not execute them', async () => {
    const fake = await startFake();
    const events = await openEvents(fake);
    const call = fake.placeCall({ to: '+15557654321' });
    await events.waitForEvent(isEvent('StasisStart', call.channelId), 'StasisStart');

    const unknownParam = await ariRequest(fake.url, 'POST', '/ari/bridges?type=mixing&colour=blue');
    expect(unknownParam.status).toBe(400);
    expect(fake.bridges()).toEqual([]);

    const badReason = await ariRequest(fake.url, 'DELETE', `/ari/channels/${call.channelId}?reason=because`);
    expect(badReason.status).toBe(400);
    expect(badReason.json).toEqual({ message: 'Invalid reason for hangup reason provided' });
    expect(fake.channel(call.channelId)?.live).toBe(true);

    const wrongType = await ariRequest(fake.url, 'POST', `/ari/channels/${call.channelId}/continue?priority=next`);
    expect(wrongType.status).toBe(400);
    expect(fake.channel(call.channelId)?.inStasis).toBe(true);

    expect(fake.violations).toHaveLength(3);
    expect(fake.violations[0]).toContain("unknown query parameter 'colour'");
    expect(fake.violations[1]).toContain("'reason' value 'because' is not one of");
    expect(fake.violations[2]).toContain("parameter 'priority' expects int, got 'next'");
  });

  it('maps the hangup reason to the Q.850 cause of ChannelDestroyed', async () => {
    const fake = await startFake();
    const events = await openEvents(fake);
    const call = fake.placeCall({ to: '+15557654321' });
    await events.waitForEvent(isEvent('StasisStart', call.channelId), 'StasisStart');
    expect((await ariRequest(fake.url, 'DELETE', `/ari/channels/${call.channelId}?reason=busy`)).status).toBe(204);
    const destroyed = await events.waitForEvent(isEvent('ChannelDestroyed', call.channelId), 'ChannelDestroyed');
    const hangupRequest = events.events.find(isEvent('ChannelHangupRequest', call.channelId));
    expect(hangupRequest).toMatchObject({ cause: 32, soft: true });
    expect(destroyed).toMatchObject({ cause: 17, cause_txt: 'User busy' });
    expect(fake.channel(call.channelId)).toMatchObject({ hungUpBy: 'app', hangupReason: 'busy' });
    expect((await ariRequest(fake.url, 'DELETE', `/ari/channels/${call.channelId}`)).json).toEqual({ message: 'Channel not found' });
  });

  it('serves the api-docs with basePath pointing at itself', async () => {
    const fake = await startFake();
    const recorded = readTrace('api-docs-and-info').find((line) => line['path'] === '/ari/api-docs/resources.json')!;
    const served = await ariRequest(fake.url, 'GET', '/ari/api-docs/resources.json');
    expect(served.json).toEqual({ ...(recorded['body'] as object), basePath: `${fake.url}/ari` });
    const ping = await ariRequest(fake.url, 'GET', '/ari/asterisk/ping');
    expect(Object.keys(ping.json as object)).toEqual(['ping', 'timestamp', 'asterisk_id']);
  });
});

describe('ARI fake: leaving Stasis', () => {
  it('continue ends Stasis with StasisEnd; the channel then answers 409 to control requests', async () => {
    const fake = await startFake();
    const events = await openEvents(fake);
    const call = fake.placeCall({ to: '+15557654321' });
    await events.waitForEvent(isEvent('StasisStart', call.channelId), 'StasisStart');
    expect((await ariRequest(fake.url, 'POST', `/ari/channels/${call.channelId}/continue`)).status).toBe(204);
    await events.waitForEvent(isEvent('StasisEnd', call.channelId), 'StasisEnd');
    expect(fake.channel(call.channelId)).toMatchObject({ inStasis: false, continuedToDialplan: true, live: true });
    const answer = await ariRequest(fake.url, 'POST', `/ari/channels/${call.channelId}/answer`);
    expect(answer.status).toBe(409);
    expect(answer.json).toEqual({ message: 'Channel not in Stasis application' });

    fake.sendRawEvent('{"type":"NotAnAriEvent"}');
    await events.waitForEvent(isEvent('NotAnAriEvent'), 'the raw frame');
  });
});

describe('ARI fake: keys the caller presses', () => {
  it('sends ChannelDtmfReceived as Asterisk does, and nothing once the channel left Stasis', async () => {
    const fake = await startFake();
    const events = await openEvents(fake);
    const call = fake.placeCall({ to: '+15557654321' });
    await events.waitForEvent(isEvent('StasisStart', call.channelId), 'StasisStart');
    fake.pressKey(call.channelId, '5', { durationMs: 120 });
    const event = await events.waitForEvent(isEvent('ChannelDtmfReceived', call.channelId), 'the key');
    // The model in Asterisk 22.10.1's events.json: every property it lists, of its type, and no other.
    const docs = JSON.parse(readFileSync(sharedPath('ari', 'api-docs', 'events.json'), 'utf8')) as {
      models: Record<string, { properties: Record<string, { required?: boolean; type: string }> }>;
    };
    const model = docs.models['ChannelDtmfReceived']!;
    const base = docs.models['Event']!;
    const allowed = new Set([...Object.keys(model.properties), ...Object.keys(base.properties), ...Object.keys(docs.models['Message']!.properties)]);
    for (const [name, property] of Object.entries(model.properties)) {
      if (property.required) expect(event, name).toHaveProperty(name);
    }
    expect(Object.keys(event).filter((key) => !allowed.has(key))).toEqual([]);
    // dtmf_end_to_json's order, then what every delivered event gets.
    expect(Object.keys(event)).toEqual(['type', 'timestamp', 'digit', 'duration_ms', 'channel', 'asterisk_id', 'application']);
    expect(event).toMatchObject({ digit: '5', duration_ms: 120, application: 'prosaas_ai', channel: { id: call.channelId, state: 'Ring' } });
    expect(() => fake.pressKey(call.channelId, 'x')).toThrow(/not a DTMF digit/);

    expect((await ariRequest(fake.url, 'POST', `/ari/channels/${call.channelId}/continue`)).status).toBe(204);
    await events.waitForEvent(isEvent('StasisEnd', call.channelId), 'StasisEnd');
    fake.pressKey(call.channelId, '6');
    fake.sendRawEvent('{"type":"Marker"}');
    await events.waitForEvent(isEvent('Marker'), 'the marker after the key');
    expect(events.events.filter(isEvent('ChannelDtmfReceived'))).toHaveLength(1);
  });
});

describe('ARI fake: externalMedia StasisStart race', () => {
  it('answers 422 to addChannel before the externalMedia StasisStart, 204 after it', async () => {
    const fake = await startFake({ externalMediaStasisDelayMs: 300 });
    const events = await openEvents(fake);
    const call = fake.placeCall({ to: '+15557654321' });
    await events.waitForEvent(isEvent('StasisStart', call.channelId), 'caller StasisStart');
    await ariRequest(fake.url, 'POST', `/ari/channels/${call.channelId}/answer`);
    const bridgeId = ((await ariRequest(fake.url, 'POST', '/ari/bridges?type=mixing')).json as { id: string }).id;
    const media = await ariRequest(fake.url, 'POST', '/ari/channels/externalMedia?app=prosaas_ai&external_host=127.0.0.1:40000&format=ulaw');
    const mediaId = (media.json as { id: string }).id;

    const early = await ariRequest(fake.url, 'POST', `/ari/bridges/${bridgeId}/addChannel?channel=${mediaId}`);
    expect(early.status).toBe(422);
    expect(early.json).toEqual({ message: 'Channel not in Stasis application' });

    await events.waitForEvent(isEvent('StasisStart', mediaId), 'externalMedia StasisStart');
    expect((await ariRequest(fake.url, 'POST', `/ari/bridges/${bridgeId}/addChannel?channel=${mediaId}`)).status).toBe(204);
    expect(fake.violations).toEqual([]);
  });
});

describe('ARI fake: application registration', () => {
  it('registers an app per socket, replaces it for a second socket and unregisters it when the holder closes', async () => {
    const fake = await startFake();
    const listing = readTrace('applications-listing');
    const connectedBody = listing.find((line) => line['label'] === 'connected' && line['path'] === '/ari/applications/prosaas_ai')!['body'];
    const replacedRaw = listing.find((line) => line.kind === 'ws')!['raw'] as string;

    expect((await ariRequest(fake.url, 'GET', '/ari/applications')).json).toEqual([]);
    const first = await openEvents(fake);
    await fake.waitFor(() => fake.isRegistered(), { what: 'prosaas_ai registered' });
    expect((await ariRequest(fake.url, 'GET', '/ari/applications/prosaas_ai')).json).toEqual(connectedBody);

    const second = await openEvents(fake);
    const replaced = await first.waitForEvent(isEvent('ApplicationReplaced'), 'ApplicationReplaced');
    expect(Object.keys(replaced)).toEqual(Object.keys(JSON.parse(replacedRaw) as object));
    expect(replaced['application']).toBe('prosaas_ai');

    const call = fake.placeCall({ to: '+15557654321' });
    await second.waitForEvent(isEvent('StasisStart', call.channelId), 'StasisStart on the second socket');
    await first.pingRoundTrip();
    expect(first.events.map((event) => event.type)).toEqual(['ApplicationReplaced']);

    second.close();
    await fake.waitFor(() => !fake.isRegistered(), { what: 'prosaas_ai unregistered' });
    expect(fake.openSocketCount()).toBe(1);
    expect((await ariRequest(fake.url, 'GET', '/ari/applications/prosaas_ai')).json).toEqual({ message: 'Application not found' });

    // The call stays in Stasis: a socket that registers again sees it.
    await openEvents(fake);
    const again = await ariRequest(fake.url, 'GET', '/ari/applications/prosaas_ai');
    expect((again.json as { channel_ids: string[] }).channel_ids).toEqual([call.channelId]);
  });
});
