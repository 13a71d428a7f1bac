import { describe, expect, it } from 'vitest';
import type { CallRecord } from '../../../src/calls/call-record.js';
import { LiveCallFeed, type LiveEvent } from '../../../src/staff/live-feed.js';

describe('live call feed', () => {
  const record = (fields: Partial<CallRecord>): CallRecord => ({
    id: 'call-1',
    channelId: 'chan-1',
    businessId: 'biz-a',
    direction: 'inbound',
    fromNumber: '+15551230000',
    toNumber: '+19863334949',
    status: 'ringing',
    createdAt: new Date('2026-11-21T10:00:00.000Z'),
    answeredAt: null,
    endedAt: null,
    durationMs: null,
    hangupCause: null,
    hangupCauseCode: null,
    bridgeId: null,
    mediaChannelId: null,
    recordingPath: null,
    error: null,
    transferTarget: null,
    routedToHuman: false,
    transferOutcome: null,
    amdResult: null,
    amdCause: null,
    ...fields,
  });
  const turn = (seq: number, text: string) => ({
    seq,
    role: 'caller' as const,
    text,
    startedAt: '2026-11-21T10:00:05.000Z',
    endedAt: null,
    interrupted: false,
    latency: null,
  });

  it('publishes start, answer, turns and end to the call’s business and to the all-business listeners only', () => {
    let now = new Date('2026-11-21T10:00:30.000Z');
    const feed = new LiveCallFeed({ now: () => now });
    const seen: Record<string, LiveEvent[]> = { a: [], b: [], all: [] };
    const unsubscribeA = feed.subscribe('biz-a', (event) => seen.a!.push(event));
    feed.subscribe('biz-b', (event) => seen.b!.push(event));
    feed.subscribe(null, (event) => seen.all!.push(event));

    feed.callStored(record({}));
    feed.callStored(record({}));
    feed.callStored(record({ status: 'answered', answeredAt: new Date('2026-11-21T10:00:02.000Z') }));
    feed.turnStored('call-1', turn(1, 'hello'));
    feed.turnStored('call-1', turn(0, 'stale, reported late'));
    feed.turnStored('unknown-call', turn(0, 'ignored'));
    expect(feed.list('biz-a')).toEqual([
      {
        id: 'call-1',
        businessId: 'biz-a',
        status: 'answered',
        from: '+15551230000',
        to: '+19863334949',
        startedAt: '2026-11-21T10:00:00.000Z',
        answeredAt: '2026-11-21T10:00:02.000Z',
        durationMs: 28_000,
        lastTurn: { seq: 1, role: 'caller', text: 'hello', interrupted: false },
      },
    ]);
    expect(feed.list('biz-b')).toEqual([]);
    now = new Date('2026-11-21T10:01:00.000Z');
    feed.callStored(record({ status: 'completed', endedAt: now, durationMs: 58_000 }));
    feed.turnStored('call-1', turn(2, 'after the end'));

    expect(seen.a!.map((event) => event.type)).toEqual(['call.started', 'call.answered', 'call.turn', 'call.ended']);
    expect(seen.a!.at(-1)).toEqual({ type: 'call.ended', callId: 'call-1', status: 'completed', endedAt: '2026-11-21T10:01:00.000Z', durationMs: 58_000 });
    expect(seen.all).toEqual(seen.a);
    expect(seen.b).toEqual([]);
    expect(feed.list(null)).toEqual([]);

    unsubscribeA();
    feed.callStored(record({ id: 'call-2' }));
    expect(seen.a).toHaveLength(4);
    expect(feed.subscriberCount).toBe(2);
  });

  it('ignores unrouted calls and forgets calls the call manager no longer has', () => {
    const feed = new LiveCallFeed({ now: () => new Date('2026-11-21T10:00:00.000Z') });
    const events: LiveEvent[] = [];
    feed.subscribe(null, (event) => events.push(event));
    feed.callStored(record({ businessId: null, status: 'unrouted' }));
    expect(events).toEqual([]);
    const live = new Set(['call-1']);
    feed.useLiveness((id) => live.has(id));
    feed.callStored(record({}));
    expect(feed.list(null).map((call) => call.id)).toEqual(['call-1']);
    live.clear();
    expect(feed.list(null)).toEqual([]);
  });
});
