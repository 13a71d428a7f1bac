// releaseCallResources against the in-memory Asterisk and media gateway.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { releaseCallResources, type CallResources } from '../../../src/calls/call-release.js';
import { fail, InMemoryAsterisk } from '../../support/doubles/in-memory-asterisk.js';
import { gatewayError, InMemoryMediaGateway } from '../../support/doubles/in-memory-media-gateway.js';
import { stasisStart } from '../../support/ari-events.js';
import { sessionRequest } from '../../support/doubles/session-request.js';

/** A connected call's resources on the doubles: caller, externalMedia channel, bridge, gateway session. */
async function connectedCall() {
  const ari = new InMemoryAsterisk();
  const media = new InMemoryMediaGateway();
  const caller = stasisStart({ id: 'caller-1' });
  ari.addCaller(caller);
  const external = await ari.externalMedia({ transport: 'rtp', app: 'prosaas_ai', externalHost: '127.0.0.1:30000', format: 'ulaw', channelId: 'media-1' });
  await ari.createBridge({ type: 'mixing', bridgeId: 'bridge-1', name: 'call-1' });
  const { sessionId } = await media.createSession(sessionRequest());
  ari.requests.length = 0;
  media.control.received.length = 0;
  const resources: CallResources = { callerChannelId: caller.channel.id, callerHangup: 'normal', mediaChannelId: external.id, bridgeId: 'bridge-1', mediaSessionId: sessionId };
  return { ari, media, resources, log: pino({ level: 'silent' }) };
}

describe('releaseCallResources', () => {
  it('hangs up the caller first, then the externalMedia channel, then the bridge, and closes the gateway session', async () => {
    const { ari, media, resources, log } = await connectedCall();
    const told: boolean[] = [];
    const result = await releaseCallResources({ ari, media, log }, resources, (released) => told.push(released));
    expect(ari.requests.map((request) => `${request.operation} ${request.path}`)).toEqual([
      'channels.hangup /channels/caller-1',
      'channels.hangup /channels/media-1',
      'bridges.destroy /bridges/bridge-1',
    ]);
    expect(ari.channel('caller-1')!.hangupReason).toBe('normal');
    expect(told).toEqual([true]);
    expect(media.openSessions).toEqual([]);
    expect(result).toEqual({ recordingPath: 'recordings/call.wav' });
    expect(ari.invalid).toEqual([]);
  });

  it('leaves alone what is not ours or was never acquired', async () => {
    const { ari, media, resources, log } = await connectedCall();
    const told: boolean[] = [];
    const result = await releaseCallResources({ ari, media, log }, { ...resources, callerHangup: null, bridgeId: null, mediaSessionId: null }, (released) => told.push(released));
    expect(ari.operations).toEqual(['channels.hangup']);
    expect(ari.channel('caller-1')!.live).toBe(true);
    expect(told).toEqual([true]);
    expect(media.control.received).toEqual([]);
    expect(result).toEqual({ recordingPath: null });
  });

  it('goes on when a step fails, and says the caller could not be released', async () => {
    const { ari, media, resources, log } = await connectedCall();
    ari.control.failNext('channels.hangup', () => fail('DELETE', '/channels/caller-1', 500, 'Internal Server Error'));
    media.control.failNext('close_session', () => gatewayError('close_session', 500, 'internal', 'disk full'));
    const told: boolean[] = [];
    const result = await releaseCallResources({ ari, media, log }, resources, (released) => told.push(released));
    expect(told).toEqual([false]);
    expect(ari.channel('media-1')!.live).toBe(false);
    expect(ari.bridge('bridge-1')!.destroyed).toBe(true);
    expect(result).toEqual({ recordingPath: null });
  });

  it('counts a caller or bridge already gone (404) as released', async () => {
    const { ari, media, resources, log } = await connectedCall();
    ari.channelGone('caller-1');
    await ari.destroyBridge('bridge-1');
    const told: boolean[] = [];
    await releaseCallResources({ ari, media, log }, resources, (released) => told.push(released));
    expect(told).toEqual([true]);
    expect(ari.channel('media-1')!.live).toBe(false);
  });
});
