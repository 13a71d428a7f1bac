// Pure parts of the staff console backend: byte ranges, cookies, the login
// rate limiter's sliding windows, password hashes, call filters and cursors,
// token comparison, the live call feed, and the new configuration settings.
import { describe, expect, it } from 'vitest';
import type { CallRecord } from '../../../src/calls/call-record.js';
import { loadConfig } from '../../../src/config.js';
import { contentRange, decideRange } from '../../../src/staff/byte-range.js';
import { decodeCursor, encodeCursor, likePattern, parseCallFilter } from '../../../src/staff/call-filters.js';
import { parseCookies, serializeCookie } from '../../../src/staff/cookies.js';
import { csrfTokenValid, requiresCsrf } from '../../../src/staff/csrf.js';
import { LiveCallFeed, type LiveEvent } from '../../../src/staff/live-feed.js';
import { LoginRateLimiter, SlidingWindowCounter } from '../../../src/staff/login-rate-limiter.js';
import { hashPassword, verifyPassword } from '../../../src/staff/password-hash.js';
import { newToken, tokenDigest, tokensEqual } from '../../../src/staff/tokens.js';

describe('decideRange', () => {
  const size = 1000;
  it.each([
    ['bytes=0-99', { kind: 'partial', start: 0, end: 99 }],
    ['bytes=500-', { kind: 'partial', start: 500, end: 999 }],
    ['bytes=-1', { kind: 'partial', start: 999, end: 999 }],
    ['bytes=-2000', { kind: 'partial', start: 0, end: 999 }],
    ['bytes=998-5000', { kind: 'partial', start: 998, end: 999 }],
    ['BYTES = 1 - 2', { kind: 'partial', start: 1, end: 2 }],
    ['bytes=999-999', { kind: 'partial', start: 999, end: 999 }],
    ['bytes=1000-', { kind: 'unsatisfiable' }],
    ['bytes=1000-1001', { kind: 'unsatisfiable' }],
    ['bytes=-0', { kind: 'unsatisfiable' }],
    ['bytes=9-1', { kind: 'full' }],
    ['bytes=0-1,4-5', { kind: 'full' }],
    ['pages=1-2', { kind: 'full' }],
    ['bytes=-', { kind: 'full' }],
    ['bytes=1.5-2', { kind: 'full' }],
    ['bytes=99999999999999999999-', { kind: 'full' }],
  ] as const)('%s', (header, expected) => {
    expect(decideRange(header, size)).toEqual(expected);
  });

  it('serves everything without a header, and nothing of an empty file', () => {
    expect(decideRange(undefined, size)).toEqual({ kind: 'full' });
    expect(decideRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
    expect(decideRange('bytes=-5', 0)).toEqual({ kind: 'unsatisfiable' });
  });

  it('writes Content-Range', () => {
    expect(contentRange({ kind: 'partial', start: 5, end: 9 }, 10)).toBe('bytes 5-9/10');
    expect(contentRange({ kind: 'unsatisfiable' }, 10)).toBe('bytes */10');
    expect(contentRange({ kind: 'full' }, 10)).toBeNull();
  });
});

describe('cookies', () => {
  it('parses pairs, keeps the first of a name, unquotes, and skips junk', () => {
    const cookies = parseCookies('theme=dark; sid=abc_DEF-1;sid=second; quoted="q v"; junk; =nameless; empty=');
    expect([...cookies]).toEqual([
      ['theme', 'dark'],
      ['sid', 'abc_DEF-1'],
      ['quoted', 'q v'],
      ['empty', ''],
    ]);
    expect(parseCookies(undefined).size).toBe(0);
  });

  it('serializes with attributes and refuses values that would inject attributes', () => {
    expect(serializeCookie('sid', 'tok', { httpOnly: true, secure: true, sameSite: 'Strict', maxAgeSeconds: 60 })).toBe(
      'sid=tok; Path=/; Max-Age=60; HttpOnly; Secure; SameSite=Strict',
    );
    expect(serializeCookie('sid', '', { maxAgeSeconds: 0 })).toBe('sid=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT');
    expect(() => serializeCookie('sid', 'a; Domain=evil.example')).toThrow(/invalid cookie value/);
    expect(() => serializeCookie('s id', 'a')).toThrow(/invalid cookie name/);
  });
});

describe('login rate limiter', () => {
  it('counts failures in a sliding window and says when to retry', () => {
    let now = 1_000_000;
    const counter = new SlidingWindowCounter({ maxFailures: 3, windowMs: 10_000 }, () => now);
    counter.recordFailure('k');
    now += 2_000;
    counter.recordFailure('k');
    now += 2_000;
    expect(counter.retryAfterMs('k')).toBe(0);
    counter.recordFailure('k');
    expect(counter.retryAfterMs('k')).toBe(6_000);
    now += 6_000;
    // The first failure left the window: one more attempt is allowed.
    expect(counter.retryAfterMs('k')).toBe(0);
    counter.recordFailure('k');
    expect(counter.retryAfterMs('k')).toBe(2_000);
    counter.reset('k');
    expect(counter.retryAfterMs('k')).toBe(0);
    expect(counter.size).toBe(0);
  });

  it('stays bounded in memory: expired keys go first, then the oldest', () => {
    let now = 0;
    const counter = new SlidingWindowCounter({ maxFailures: 1, windowMs: 1_000 }, () => now, 3);
    for (const key of ['a', 'b', 'c']) counter.recordFailure(key);
    now = 5_000;
    counter.recordFailure('d');
    expect(counter.size).toBe(1);
    for (const key of ['e', 'f', 'g']) counter.recordFailure(key);
    expect(counter.size).toBe(3);
    expect(counter.retryAfterMs('d')).toBe(0);
    expect(counter.retryAfterMs('g')).toBe(1_000);
  });

  it('limits per email and per address, and a success clears the email only', () => {
    let now = 0;
    const limiter = new LoginRateLimiter(() => now, {
      perEmail: { maxFailures: 2, windowMs: 60_000 },
      perIp: { maxFailures: 3, windowMs: 60_000 },
    });
    limiter.recordFailure('a@x', '1.1.1.1');
    limiter.recordFailure('a@x', '1.1.1.1');
    expect(limiter.retryAfterMs('a@x', '2.2.2.2')).toBe(60_000);
    expect(limiter.retryAfterMs('b@x', '1.1.1.1')).toBe(0);
    limiter.recordFailure('b@x', '1.1.1.1');
    now = 1_000;
    expect(limiter.retryAfterMs('c@x', '1.1.1.1')).toBe(59_000);
    limiter.recordSuccess('a@x');
    expect(limiter.retryAfterMs('a@x', '2.2.2.2')).toBe(0);
    expect(limiter.retryAfterMs('a@x', '1.1.1.1')).toBe(59_000);
  });
});

describe('password hashes', () => {
  it('stores scrypt parameters, salt and hash, and verifies with the stored parameters', async () => {
    const hash = await hashPassword('hunter2-hunter2');
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(await verifyPassword('hunter2-hunter2', hash)).toBe(true);
    expect(await verifyPassword('hunter2-hunter3', hash)).toBe(false);
    expect(await hashPassword('hunter2-hunter2')).not.toBe(hash);

    const cheap = await hashPassword('pw-0123456789', { N: 1024, r: 8, p: 1 });
    expect(cheap.startsWith('scrypt$1024$8$1$')).toBe(true);
    expect(await verifyPassword('pw-0123456789', cheap)).toBe(true);
  });

  it('treats the same text in another Unicode normalization as the same password', async () => {
    const hash = await hashPassword('caf\u00e9-password', { N: 1024, r: 8, p: 1 });
    expect(await verifyPassword('cafe\u0301-password', hash)).toBe(true);
  });

  it('answers false, never throws, for malformed or dangerous stored hashes', async () => {
    for (const stored of ['', 'plain', 'bcrypt$10$x$y$z$w', 'scrypt$1000$8$1$c2FsdA$aGFzaA', 'scrypt$2097152$8$1$c2FsdA$aGFzaA', 'scrypt$1024$64$1$c2FsdA$aGFzaA', 'scrypt$1024$8$1$$aGFzaA']) {
      expect(await verifyPassword('x', stored), stored).toBe(false);
    }
  });
});

describe('tokens and CSRF', () => {
  it('makes 256-bit base64url tokens and stores their SHA-256', () => {
    const token = newToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newToken()).not.toBe(token);
    expect(tokenDigest('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('compares tokens whatever their lengths', () => {
    expect(tokensEqual('same', 'same')).toBe(true);
    expect(tokensEqual('same', 'Same')).toBe(false);
    expect(tokensEqual('short', 'a-much-longer-token')).toBe(false);
    expect(csrfTokenValid('tok', 'tok')).toBe(true);
    expect(csrfTokenValid(undefined, 'tok')).toBe(false);
    expect(csrfTokenValid('', '')).toBe(false);
    expect(csrfTokenValid(['tok', 'tok'], 'tok')).toBe(false);
  });

  it('requires the token for every method that can change something', () => {
    expect(['GET', 'HEAD', 'OPTIONS', 'get'].map(requiresCsrf)).toEqual([false, false, false, false]);
    expect(['POST', 'PUT', 'PATCH', 'DELETE'].map(requiresCsrf)).toEqual([true, true, true, true]);
  });
});

describe('call filters', () => {
  it('defaults to the first 25 calls with no filter', () => {
    expect(parseCallFilter({})).toEqual({
      from: null,
      to: null,
      statuses: [],
      direction: null,
      callerDigits: null,
      text: null,
      limit: 25,
      cursor: null,
    });
  });

  it('reads dates as whole UTC days and instants as given', () => {
    const filter = parseCallFilter({ from: '2026-11-01', to: '2026-11-01' });
    expect(filter.from?.toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(filter.to?.toISOString()).toBe('2026-11-02T00:00:00.000Z');
    expect(parseCallFilter({ from: '2026-11-01T10:00:00+02:00' }).from?.toISOString()).toBe('2026-11-01T08:00:00.000Z');
  });

  it('merges repeated and comma-separated statuses and keeps the digits of the caller', () => {
    const filter = parseCallFilter({ status: ['completed,failed', 'completed'], caller: '+1 (555) 123', q: '  cleaning ' });
    expect(filter.statuses).toEqual(['completed', 'failed']);
    expect(filter.callerDigits).toBe('1555123');
    expect(filter.text).toBe('cleaning');
  });

  it('round-trips cursors and refuses forged ones', () => {
    const cursor = { createdAt: new Date('2026-11-01T10:00:00.123Z'), id: '0b3c6c5e-8f0e-4c47-9a77-3f5b3a1d2e10' };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
    for (const forged of ['', 'x', Buffer.from('{"a":1}').toString('base64url'), Buffer.from('["yesterday","0b3c6c5e-8f0e-4c47-9a77-3f5b3a1d2e10"]').toString('base64url')]) {
      expect(() => decodeCursor(forged)).toThrow(/cursor is not a cursor this API returned/);
    }
  });

  it('escapes LIKE wildcards and the escape character', () => {
    expect(likePattern('100%_off\\')).toBe('%100\\%\\_off\\\\%');
  });
});

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

describe('configuration', () => {
  const REQUIRED = { ASTERISK_ARI_USERNAME: 'asterisk', ASTERISK_ARI_PASSWORD: 'Secret-ari-1', MEDIA_GATEWAY_TOKEN: 'token-0123456789abcdef' };

  it('makes cookies Secure in production unless told otherwise, and reads the staff settings', () => {
    expect(loadConfig(REQUIRED).staff.cookieSecure).toBe(false);
    expect(loadConfig({ ...REQUIRED, NODE_ENV: 'production' }).staff.cookieSecure).toBe(true);
    expect(loadConfig({ ...REQUIRED, NODE_ENV: 'production', COOKIE_SECURE: 'false' }).staff.cookieSecure).toBe(false);
    expect(loadConfig({ ...REQUIRED, COOKIE_SECURE: 'true' }).staff.cookieSecure).toBe(true);
    const config = loadConfig({ ...REQUIRED, RECORDINGS_DIR: 'recs' });
    expect(config.staff).toMatchObject({ sessionTtlMs: 43_200_000, liveHeartbeatMs: 15_000, trustProxy: false });
    expect(config.staff.recordingsDir).toMatch(/^\/.*\/recs$/);
    expect(config.admin.operatorToken).toBeUndefined();
  });

  it('wants a long operator token and never echoes it', () => {
    let message = '';
    try {
      loadConfig({ ...REQUIRED, OPERATOR_TOKEN: 'short-op' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('OPERATOR_TOKEN: must be at least 16 characters');
    expect(message).not.toContain('short-op');
    expect(loadConfig({ ...REQUIRED, OPERATOR_TOKEN: 'operator-token-0123456789' }).admin.operatorToken).toBe('operator-token-0123456789');
  });
});
