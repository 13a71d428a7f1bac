import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { EventDispatch } from '../../../src/ari/event-dispatch.js';
import type { AriEvent } from '../../../src/ari/types.js';
import { stasisStart } from '../../support/ari-events.js';
import { waitUntil } from '../../kit/wait.js';

function dispatcher() {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
  return { dispatch: new EventDispatch(logger), entries: () => lines.map((line) => JSON.parse(line) as { msg: string; type?: string }) };
}

describe('EventDispatch', () => {
  it('delivers known events to every subscriber until it unsubscribes', () => {
    const { dispatch } = dispatcher();
    const a: string[] = [];
    const b: string[] = [];
    const stopA = dispatch.subscribe((event) => void a.push(event.type));
    dispatch.subscribe((event) => void b.push(event.type));
    dispatch.dispatch(stasisStart() as unknown as Parameters<EventDispatch['dispatch']>[0]);
    stopA();
    dispatch.dispatch({ type: 'StasisEnd' });
    expect(a).toEqual(['StasisStart']);
    expect(b).toEqual(['StasisStart', 'StasisEnd']);
  });

  it('counts and drops event types it does not handle, logging them at debug level only', () => {
    const { dispatch, entries } = dispatcher();
    const seen: AriEvent[] = [];
    dispatch.subscribe((event) => void seen.push(event));
    // Both are real Asterisk events (api-docs) that no part of the call flow needs.
    dispatch.dispatch({ type: 'ChannelTalkingStarted' });
    dispatch.dispatch({ type: 'PeerStatusChange' });
    // A handled type in between is delivered and not counted.
    dispatch.dispatch({ type: 'ChannelDtmfReceived' });
    expect(seen.map((event) => event.type)).toEqual(['ChannelDtmfReceived']);
    expect(dispatch.unknownEventCount).toBe(2);
    expect(entries().map((entry) => [entry.msg, entry.type])).toEqual([
      ['ignored ARI event type', 'ChannelTalkingStarted'],
      ['ignored ARI event type', 'PeerStatusChange'],
    ]);
  });

  it('logs a handler that throws or rejects and keeps delivering to the others', async () => {
    const { dispatch, entries } = dispatcher();
    const delivered: string[] = [];
    dispatch.subscribe(() => {
      throw new Error('sync bug');
    });
    dispatch.subscribe(() => Promise.reject(new Error('async bug')));
    dispatch.subscribe((event) => void delivered.push(event.type));
    expect(() => dispatch.dispatch({ type: 'StasisEnd' })).not.toThrow();
    expect(delivered).toEqual(['StasisEnd']);
    await waitUntil(() => entries().filter((entry) => entry.msg === 'ARI event handler threw; ignored').length === 2, { what: 'both handler failures to be logged' });
  });
});
