// The ARI fake's originate (POST /channels) and what an originated channel's far end does,
// the fake's dialplan steps for channels sent back to the dialplan, and music on hold in a
// bridge, over real sockets.

import { describe, expect, it } from 'vitest';
import { startFakeWithEvents } from './fake-with-events.js';
import { ariRequest, EventSocket, type AriEventJson } from './raw-ari-client.js';

const startFake = startFakeWithEvents;

/** `type(detail)` of every event about `channelId`, in order (what an app can react to). */
function timeline(events: EventSocket, channelId: string): string[] {
  return events.events
    .filter((event) => JSON.stringify(event['channel'] ?? event['peer'] ?? {}).includes(`"id":"${channelId}"`))
    .map((event) => {
      if (event.type === 'Dial') return `Dial(${String(event['dialstatus'])})`;
      if (event.type === 'ChannelStateChange') return `State(${(event['channel'] as { state: string }).state})`;
      if (event.type === 'ChannelHangupRequest') return `HangupRequest(${event['cause'] === undefined ? '' : JSON.stringify(event['cause'])})`;
      if (event.type === 'ChannelDestroyed') return `Destroyed(${String(event['cause'])} ${String(event['cause_txt'])})`;
      if (event.type === 'ChannelVarset') return `Varset(${String(event['variable'])})`;
      if (event.type === 'StasisStart') return `StasisStart(${(event['args'] as string[]).join(',')})`;
      return event.type;
    });
}

const ended = (channelId: string) => (event: AriEventJson) =>
  event.type === 'ChannelDestroyed' && (event['channel'] as { id: string }).id === channelId;

describe('ARI fake: originate', () => {
  it('rings, answers and runs Stasis(app,appArgs) on the answered channel', async () => {
    const { fake, events } = await startFake();
    fake.setCallee('PJSIP/100', { kind: 'answer' });
    const created = await ariRequest(fake.url, 'POST', '/ari/channels?endpoint=PJSIP%2F100&app=prosaas_ai&appArgs=transfer%2Ccall-1&callerId=%22Caller%22%20%3C%2B15551230000%3E&timeout=5&channelId=leg-1');
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({ id: 'leg-1', state: 'Down', caller: { name: 'Caller', number: '+15551230000' }, dialplan: { app_name: 'AppDial2' } });
    expect((created.json as { name: string }).name).toMatch(/^PJSIP\/100-[0-9a-f]{8}$/);
    const start = await events.waitForEvent((event) => event.type === 'StasisStart', 'StasisStart');
    expect(start['args']).toEqual(['transfer', 'call-1']);
    expect(timeline(events, 'leg-1')).toEqual(['Dial()', 'State(Ringing)', 'Dial(RINGING)', 'State(Up)', 'Dial(ANSWER)', 'Varset(STASISSTATUS)', 'StasisStart(transfer,call-1)']);
    expect(fake.channel('leg-1')).toMatchObject({ kind: 'outbound', endpoint: 'PJSIP/100', dialStatus: 'ANSWER', inStasis: true });
    expect(fake.violations).toEqual([]);
  });

  it('names a trunk call after the endpoint and reports busy, rejected and unanswered calls as Asterisk does', async () => {
    const { fake, events } = await startFake();
    fake.setCallee(/@twilio-out$/, { kind: 'busy' });
    fake.setCallee('PJSIP/+15550000002@twilio-out', { kind: 'reject' });
    const busy = await ariRequest(fake.url, 'POST', '/ari/channels?endpoint=PJSIP%2F%2B15550000001%40twilio-out&app=prosaas_ai&channelId=busy-1');
    expect((busy.json as { name: string }).name).toMatch(/^PJSIP\/twilio-out-/);
    await events.waitForEvent(ended('busy-1'), 'busy channel destroyed');
    expect(timeline(events, 'busy-1')).toEqual(['Dial()', 'State(Ringing)', 'Dial(RINGING)', 'Dial(BUSY)', 'HangupRequest(17)', 'Destroyed(17 User busy)']);

    await ariRequest(fake.url, 'POST', '/ari/channels?endpoint=PJSIP%2F%2B15550000002%40twilio-out&app=prosaas_ai&channelId=reject-1');
    await events.waitForEvent(ended('reject-1'), 'rejected channel destroyed');
    expect(timeline(events, 'reject-1').slice(3)).toEqual(['HangupRequest(21)', 'Dial(NOANSWER)', 'Destroyed(21 Call Rejected)']);

    fake.setCallee('PJSIP/101', { kind: 'ring' });
    await ariRequest(fake.url, 'POST', '/ari/channels?endpoint=PJSIP%2F101&app=prosaas_ai&channelId=ring-1&timeout=1');
    await events.waitForEvent(ended('ring-1'), 'unanswered channel destroyed at the timeout');
    expect(timeline(events, 'ring-1')).toEqual(['Dial()', 'State(Ringing)', 'Dial(RINGING)', 'Destroyed(19 User alerting, no answer)']);
    expect(fake.violations).toEqual([]);
  });

  it('answers 500 when the endpoint cannot be dialed, and checks its parameters like Asterisk', async () => {
    const { fake, events } = await startFake();
    fake.setCallee('PJSIP/102', { kind: 'unavailable' });
    expect(await ariRequest(fake.url, 'POST', '/ari/channels?endpoint=PJSIP%2F102&app=prosaas_ai')).toMatchObject({ status: 500, json: { message: 'Allocation failed' } });
    expect(await ariRequest(fake.url, 'POST', '/ari/channels?endpoint=PJSIP&app=prosaas_ai')).toMatchObject({ status: 400, json: { message: 'Invalid endpoint specified' } });
    expect(await ariRequest(fake.url, 'POST', '/ari/channels?endpoint=PJSIP%2F100')).toMatchObject({ status: 400, json: { message: 'Application or extension must be specified' } });
    fake.setCallee('PJSIP/100', { kind: 'ring' });
    await ariRequest(fake.url, 'POST', '/ari/channels/dup-1?endpoint=PJSIP%2F100&app=prosaas_ai');
    expect(await ariRequest(fake.url, 'POST', '/ari/channels/dup-1?endpoint=PJSIP%2F100&app=prosaas_ai')).toMatchObject({ status: 409 });
    // The app cancels a ringing call.
    expect((await ariRequest(fake.url, 'DELETE', '/ari/channels/dup-1')).status).toBe(204);
    await events.waitForEvent(ended('dup-1'), 'cancelled channel destroyed');
    expect(fake.violations).toEqual([]);
  });

  it('runs the dialplan step set for a context the app continues a channel to', async () => {
    const { fake, events } = await startFake();
    fake.setCallee(/twilio-out/, { kind: 'answer' });
    fake.setDialplan('prosaas-outbound', { variables: { AMDSTATUS: 'MACHINE', AMDCAUSE: 'LONGGREETING-1600-1500' }, then: { kind: 'stasis', args: ['outbound', 'MACHINE', 'LONGGREETING-1600-1500'] } });
    await ariRequest(fake.url, 'POST', '/ari/channels?endpoint=PJSIP%2F%2B15550000003%40twilio-out&app=prosaas_ai&appArgs=dialed&channelId=out-1');
    await events.waitForEvent((event) => event.type === 'StasisStart', 'first StasisStart');
    expect((await ariRequest(fake.url, 'POST', '/ari/channels/out-1/continue?context=prosaas-outbound&extension=s&priority=1')).status).toBe(204);
    const again = await events.waitForEvent((event) => event.type === 'StasisStart' && (event['args'] as string[])[0] === 'outbound', 'StasisStart after AMD');
    expect(again['args']).toEqual(['outbound', 'MACHINE', 'LONGGREETING-1600-1500']);
    expect(again['channel']).toMatchObject({ dialplan: { context: 'prosaas-outbound', exten: 's', app_name: 'Stasis' } });
    expect(fake.channel('out-1')?.variables).toMatchObject({ AMDSTATUS: 'MACHINE' });
    // The callee hangs up: BYE, as for an inbound caller.
    fake.hangupCaller('out-1');
    await events.waitForEvent((event) => event.type === 'StasisEnd' && (event['channel'] as { id: string }).id === 'out-1', 'StasisEnd');
    expect(fake.channel('out-1')).toMatchObject({ live: false, hungUpBy: 'caller' });
  });

  it('plays music on hold in a bridge until told to stop', async () => {
    const { fake } = await startFake();
    const bridge = (await ariRequest(fake.url, 'POST', '/ari/bridges?type=mixing')).json as { id: string };
    expect((await ariRequest(fake.url, 'DELETE', `/ari/bridges/${bridge.id}/moh`)).status).toBe(409);
    expect((await ariRequest(fake.url, 'POST', `/ari/bridges/${bridge.id}/moh?mohClass=default`)).status).toBe(204);
    expect(fake.bridges()[0]?.moh).toBe('default');
    expect((await ariRequest(fake.url, 'DELETE', `/ari/bridges/${bridge.id}/moh`)).status).toBe(204);
    expect(fake.bridges()[0]?.moh).toBeNull();
    expect((await ariRequest(fake.url, 'POST', '/ari/bridges/nope/moh')).status).toBe(404);
  });
});
