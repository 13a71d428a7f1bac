// Every security finding of the console's review, run as the request that
// showed it, against the real backend over real HTTP (TRUST_PROXY=1: the test
// plays the proxy that appends the client's address), each getting the safe
// answer now:
//
//   open redirect after sign-in through dot segments       -> a local Location
//   one address's failures lock out everyone behind it      -> the right password signs in
//   a spoofed X-Forwarded-For bypasses the limit            -> the appended address counts
//   5 wrong passwords lock the real user out                -> the user elsewhere signs in
//   out-of-range dates answer 500 with a stack trace        -> 400, nothing logged as failed
//   staff see internal addresses in failure texts           -> no address
//   the anonymous /ready shows the ARI address              -> no address
//   no HSTS over HTTPS                                      -> Strict-Transport-Security
//   the JSON API lacks no-store and nosniff                 -> both
//   300 live-event streams for one session                  -> 429 after 4
//   "password12" accepted                                   -> refused
//   sessions without idle timeout, none listed or ended     -> idle timeout; listed, ended
//   a missing recording shows a dead 0:00 player            -> a sentence, no <audio>
// (The mobile live page is checked in browser-console.test.ts.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBusiness, startSystem, type TestSystem } from '../../support/test-system.js';
import { OPERATOR_TOKEN, StaffClient, createStaffAccount, insertCall, openEventStream, type EventStreamReader, type StaffAccount } from '../../support/staff-api.js';
import { waitUntil } from '../../kit/wait.js';

let system: TestSystem;
let businessId: string;
let dana: StaffAccount;
let manager: StaffAccount;
let address = 0;

function nextAddress(): string {
  address += 1;
  return `198.51.100.${address}`;
}

/** A raw request as a browser behind the proxy sends it. */
async function send(path: string, init: RequestInit & { from?: string } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (!headers.has('x-forwarded-for')) headers.set('x-forwarded-for', init.from ?? nextAddress());
  return fetch(`${system.backend.url}${path}`, { ...init, headers, redirect: 'manual' });
}

async function signIn(account: StaffAccount, from = nextAddress()): Promise<StaffClient> {
  const staff = new StaffClient(system.backend.url);
  expect((await staff.login(account.email, account.password, { 'x-forwarded-for': from })).status).toBe(200);
  return staff;
}

function formPost(path: string, fields: Record<string, string>, extra: Record<string, string> = {}): Promise<Response> {
  return send(path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: system.backend.url, ...extra },
    body: new URLSearchParams(fields).toString(),
  });
}

beforeAll(async () => {
  // The ARI fake is never started: /ready then reports the ARI connection failing.
  system = await startSystem({ deferFake: true, backendEnv: { OPERATOR_TOKEN, TRUST_PROXY: '1', LIVE_EVENTS_HEARTBEAT_MS: '200' } });
  await waitUntil(async () => (await fetch(`${system.backend.url}/login`)).status === 200, { what: 'the console to be up', timeoutMs: 20_000 });
  businessId = await createBusiness(system.prisma, 'Acme Dental', ['+19863334949']);
  dana = await createStaffAccount(system.prisma, businessId, { email: 'dana@acme.example', password: 'dana-password-1234' });
  manager = await createStaffAccount(system.prisma, businessId, { email: 'mia@acme.example', password: 'mia-password-12345', role: 'manager' });
}, 60_000);

afterAll(async () => {
  await system?.stop();
});

describe('security findings, each run as the request that showed it', () => {
  it('open redirect: GET /login?next=... (signed in) and POST /login next=... stay on this site', async () => {
    const staff = await signIn(dana);
    for (const next of ['/..//evil.test/phish', '/.%2e/%2e%2e//evil.test', '/..//evil.test']) {
      const get = await send(`/login?next=${encodeURIComponent(next)}`, { headers: { cookie: staff.cookie! } });
      expect(get.status).toBe(303);
      expect(get.headers.get('location'), next).toBe('/dashboard');
      const post = await formPost('/login', { email: dana.email, password: dana.password, next });
      expect(post.status).toBe(303);
      expect(post.headers.get('location'), next).toBe('/dashboard');
    }
  });

  it('login limit: 20 failures from one address do not lock out the next user there', async () => {
    const office = nextAddress();
    for (let i = 0; i < 20; i += 1) {
      expect((await new StaffClient(system.backend.url).login(`nobody-${i}@acme.example`, 'wrong-password', { 'x-forwarded-for': office })).status).toBe(401);
    }
    expect((await new StaffClient(system.backend.url).login(dana.email, dana.password, { 'x-forwarded-for': office })).status).toBe(200);
  });

  it('login limit: rewriting X-Forwarded-For does not buy more guesses; the real user elsewhere is not locked out', async () => {
    const victim = await createStaffAccount(system.prisma, businessId, { email: 'ivy@acme.example', password: 'ivy-password-12345' });
    const real = nextAddress();
    for (let i = 0; i < 5; i += 1) {
      const answer = await new StaffClient(system.backend.url).login(victim.email, `guess-${i}`, { 'x-forwarded-for': `203.0.113.${i}, ${real}` });
      expect(answer.status).toBe(401);
    }
    const spoofed = await new StaffClient(system.backend.url).login(victim.email, victim.password, { 'x-forwarded-for': `203.0.113.77, ${real}` });
    expect(spoofed.status).toBe(429);
    expect((await new StaffClient(system.backend.url).login(victim.email, victim.password, { 'x-forwarded-for': nextAddress() })).status).toBe(200);
  });

  it('dates out of range answer 400 (API and page), never 500', async () => {
    const staff = await signIn(dana);
    for (const query of ['from=0000-01-01', 'from=0001-01-01T00:00:00Z', 'to=10000-01-01T00:00:00Z']) {
      const api = await staff.request('GET', `/api/calls?${query}`);
      expect(api.status, query).toBe(400);
    }
    const early = await staff.request('GET', '/api/calls?from=0000-01-01');
    expect((early.body as { error: { message: string } }).error.message).toMatch(/from: must be between 1970-01-01 and 9999-12-31/);
    // The last storable day is a valid end: every call up to the end of the range.
    expect((await staff.request('GET', '/api/calls?to=9999-12-31')).status).toBe(200);
    const page = await send('/calls?to=9999-12-31', { headers: { cookie: staff.cookie!, accept: 'text/html' } });
    expect(page.status).toBe(200);
    const tooEarly = await send('/calls?from=0000-01-01', { headers: { cookie: staff.cookie!, accept: 'text/html' } });
    expect(tooEarly.status).toBe(400);
    expect(await tooEarly.text()).toContain('From must be');
    const tooEarlyDay = await send('/calls?from=1960-01-01', { headers: { cookie: staff.cookie!, accept: 'text/html' } });
    expect(tooEarlyDay.status).toBe(400);
    expect(await tooEarlyDay.text()).toContain('From must be between 1970-01-02 and 9999-12-31.');
    expect(system.logs.entries('request failed')).toEqual([]);
    expect(system.logs.entries('console page failed')).toEqual([]);
  });

  it('failure texts: staff never see the gateway’s address; the anonymous /ready never shows the ARI address', async () => {
    const callId = await insertCall(system.prisma, businessId, { createdAt: new Date(), status: 'failed' });
    await system.prisma.callLog.update({ where: { id: callId }, data: { error: 'media_session: connection refused (http://127.0.0.1:8391)' } });
    const staff = await signIn(dana);
    const api = await staff.request('GET', `/api/calls/${callId}`);
    expect(JSON.stringify(api.body)).not.toMatch(/127\.0\.0\.1|8391/);
    const page = await (await send(`/calls/${callId}`, { headers: { cookie: staff.cookie! } })).text();
    expect(page).toContain('The agent’s audio service was not available.');
    expect(page).not.toMatch(/127\.0\.0\.1|8391/);
    const list = await (await send('/calls', { headers: { cookie: staff.cookie! } })).text();
    expect(list).not.toMatch(/127\.0\.0\.1:8391/);

    const ready = await fetch(`${system.backend.url}/ready`);
    expect(ready.status).toBe(503);
    const text = await ready.text();
    expect(text).toContain('ari');
    expect(text).not.toMatch(/127\.0\.0\.1|localhost:\d+/);
  });

  it('HTTPS: Strict-Transport-Security when the proxy says the request came over HTTPS, not over HTTP', async () => {
    const overHttps = await send('/login', { headers: { 'x-forwarded-proto': 'https' } });
    expect(overHttps.headers.get('strict-transport-security')).toBe('max-age=31536000');
    const overHttp = await send('/login');
    expect(overHttp.headers.get('strict-transport-security')).toBeNull();
  });

  it('the JSON API answers no-store and nosniff (transcripts, errors too)', async () => {
    const staff = await signIn(dana);
    for (const path of ['/api/calls', '/api/session', '/api/calls/00000000-0000-4000-8000-000000000000', '/api/nothing']) {
      const answer = await staff.request('GET', path);
      expect(answer.headers.get('cache-control'), path).toBe('no-store');
      expect(answer.headers.get('x-content-type-options'), path).toBe('nosniff');
    }
    const anonymous = await send('/api/calls');
    expect(anonymous.headers.get('cache-control')).toBe('no-store');
    expect(anonymous.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('live events: a session may hold 4 streams; the next gets 429', async () => {
    const staff = await signIn(dana);
    const streams: EventStreamReader[] = [];
    try {
      for (let i = 0; i < 4; i += 1) {
        const stream = await openEventStream(`${system.backend.url}/api/live/events`, staff.cookie);
        streams.push(stream);
        expect(stream.status).toBe(200);
      }
      const refused = await staff.request('GET', '/api/live/events');
      expect(refused.status).toBe(429);
      expect(refused.body).toEqual({ error: { code: 'too_many_streams', message: 'too many live event streams for this session; close other tabs' } });
      // Another session of the same user is not affected.
      const other = await signIn(dana);
      const fifth = await openEventStream(`${system.backend.url}/api/live/events`, other.cookie);
      streams.push(fifth);
      expect(fifth.status).toBe(200);
      // A closed stream frees its place.
      streams[0]!.close();
      await waitUntil(async () => {
        const again = await openEventStream(`${system.backend.url}/api/live/events`, staff.cookie);
        streams.push(again);
        return again.status === 200;
      }, { what: 'a stream place to be freed' });
    } finally {
      for (const stream of streams) stream.close();
    }
  });

  it('passwords: "password12" and other weak ones are refused, for oneself and by a manager', async () => {
    const staff = await signIn(dana);
    for (const weak of ['password12', 'password1234', 'qwerty123456']) {
      const answer = await staff.request('POST', '/api/account/password', { body: { current: dana.password, password: weak } });
      expect(answer.status, weak).toBe(400);
    }
    const boss = await signIn(manager);
    const created = await formPost(
      '/team',
      { csrf: boss.csrfToken!, email: 'new@acme.example', name: 'New', role: 'staff', password: 'password12' },
      { cookie: boss.cookie! },
    );
    expect(created.status).toBe(400);
    expect(await created.text()).toContain('must be at least 12 characters');
    expect(await system.prisma.staffUser.count({ where: { email: 'new@acme.example' } })).toBe(0);
  });

  it('sessions: an idle session ends; a user lists their sessions and ends another one', async () => {
    const first = await signIn(dana);
    const second = await signIn(dana);
    const listed = await second.request('GET', '/api/sessions');
    const sessions = (listed.body as { sessions: { id: string; current: boolean }[] }).sessions;
    expect(sessions.filter((session) => session.current)).toHaveLength(1);
    const firstId = (await first.request('GET', '/api/sessions')).body as { sessions: { id: string; current: boolean }[] };
    const firstSession = firstId.sessions.find((session) => session.current)!;
    expect((await second.request('DELETE', `/api/sessions/${firstSession.id}`)).status).toBe(204);
    expect((await first.request('GET', '/api/session')).status).toBe(401);

    await system.prisma.staffSession.updateMany({ where: { userId: dana.id }, data: { lastSeenAt: new Date(Date.now() - 31 * 60_000) } });
    expect((await second.request('GET', '/api/session')).status).toBe(401);
  });

  it('a recording whose file is missing is said to be missing, not offered as a dead player', async () => {
    const callId = await insertCall(system.prisma, businessId, { createdAt: new Date(), recordingPath: 'gone/2026/11/missing.wav' });
    const staff = await signIn(dana);
    const page = await (await send(`/calls/${callId}`, { headers: { cookie: staff.cookie! } })).text();
    expect(page).toContain('The recording of this call cannot be found on the server.');
    expect(page).not.toContain('<audio');
  });
});
