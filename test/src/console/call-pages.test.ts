// The console's call pages and the operator view over app.inject() against the
// real backend and PostgreSQL: the list's filters and time zones, a call's
// page, business scoping, and what the operator sees.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createBusiness } from '../../support/test-system.js';
import { OPERATOR_TOKEN, createStaffAccount, insertCall } from '../../support/staff-api.js';
import { waitFor } from '../../kit/wait.js';
import { ORIGIN, system, bo, danaCookie, hostileCallId, otherCallId, lateEveningCallId, freshIp, page, cookieNamed, signIn, useConsolePages } from '../../support/console-pages.js';

useConsolePages();

describe('call pages', () => {
  it('lists the business’s calls with times on its wall clock, and never another business’s', async () => {
    const list = await page('GET', '/calls', { cookie: danaCookie });
    expect(list.body).toContain(`<a href="/calls/${hostileCallId}">`);
    expect(list.body).toContain('<time datetime="2026-03-03T15:04:00.000Z">Tue 3 Mar');
    expect(list.body).toMatch(/Tue 3 Mar( 2026)?, 10:04<\/time>/);
    expect(list.body).toMatch(/<time datetime="2026-03-04T03:30:00.000Z">Tue 3 Mar( 2026)?, 22:30<\/time>/);
    expect(list.body).toContain('<td data-label="Duration" class="num">1:00</td>');
    expect(list.body).toContain('<span class="badge badge-bad" title=');
    expect(list.body).toContain('Dates and times in America/New_York time.');
    expect(list.body).not.toContain(otherCallId);
    expect(list.body).not.toContain('+15559990000');
  });

  it('filters on days of the business’s time zone', async () => {
    const on3March = await page('GET', '/calls?from=2026-03-03&to=2026-03-03', { cookie: danaCookie });
    expect(on3March.body).toContain(lateEveningCallId);
    const on4March = await page('GET', '/calls?from=2026-03-04&to=2026-03-04', { cookie: danaCookie });
    expect(on4March.status).toBe(200);
    expect(on4March.body).not.toContain(lateEveningCallId);
    expect(on4March.body).toContain('No calls match these filters.');
    const failed = await page('GET', '/calls?status=failed', { cookie: danaCookie });
    expect(failed.body).toContain(lateEveningCallId);
    expect(failed.body).not.toContain(hostileCallId);
    expect(failed.body).toContain('<option value="failed" selected>Failed</option>');
    const searched = await page('GET', `/calls?q=${encodeURIComponent('alert(1)')}`, { cookie: danaCookie });
    expect(searched.body).toContain(hostileCallId);
    expect(searched.body).not.toContain(lateEveningCallId);
    const byCaller = await page('GET', '/calls?caller=0001111', { cookie: danaCookie });
    expect(byCaller.body).toContain(lateEveningCallId);
    expect(byCaller.body).not.toContain(hostileCallId);
  });

  it('explains invalid filters with a 400 page', async () => {
    const answer = await page('GET', '/calls?from=yesterday', { cookie: danaCookie });
    expect(answer.status).toBe(400);
    expect(answer.body).toContain('<p class="alert" role="alert">From must be a date such as 2026-03-03.</p>');
    expect(answer.body).toContain('value="yesterday"');
  });

  it('pages through older calls with the filters kept', async () => {
    const businessId = await createBusiness(system.prisma, 'Busy Co', ['+19863331111']);
    const account = await createStaffAccount(system.prisma, businessId, { email: 'busy@busy.example' });
    const start = Date.parse('2026-02-01T12:00:00.000Z');
    for (let i = 0; i < 27; i += 1) {
      await insertCall(system.prisma, businessId, { createdAt: new Date(start + i * 60_000), from: `+1555000${String(i).padStart(4, '0')}` });
    }
    const cookie = await signIn(account);
    const first = await page('GET', '/calls?direction=inbound', { cookie });
    const older = /<a href="([^"]+)" rel="next">Older calls<\/a>/.exec(first.body);
    expect(older).not.toBeNull();
    const href = older![1]!.replace(/&amp;/g, '&');
    expect(href).toMatch(/^\/calls\?direction=inbound&cursor=/);
    expect(first.body).toContain('+15550000026');
    expect(first.body).not.toContain('+15550000001');
    const second = await page('GET', href, { cookie });
    expect(second.body).toContain('+15550000001');
    expect(second.body).not.toContain('+15550000026');
    expect(second.body).not.toContain('Older calls');
    expect(second.body).toContain('<a href="/calls?direction=inbound">Newest calls</a>');
  });

  it('shows a call: facts, the transcript as a conversation, interruptions, latencies and messages', async () => {
    const detail = await page('GET', `/calls/${hostileCallId}`, { cookie: danaCookie });
    expect(detail.status).toBe(200);
    expect(detail.body).toContain('<time datetime="2026-03-03T15:04:00.000Z">Tue 3 Mar 2026, 10:04:00</time>');
    expect(detail.body).toContain('<dt>Number called</dt><dd>+19863334949</dd>');
    expect(detail.body).toContain('Times in America/New_York time.');
    expect(detail.body).toContain('<dt>Hang-up cause</dt><dd>caller hangup</dd>');
    expect(detail.body).toContain('<li class="turn turn-agent">');
    expect(detail.body).toContain('<li class="turn turn-caller">');
    expect(detail.body).toContain('<li class="turn turn-agent turn-interrupted">');
    expect(detail.body).toContain('Interrupted by the caller');
    for (const value of ['181 ms', '422 ms', '613 ms', '905 ms']) expect(detail.body).toContain(value);
    expect(detail.body).toContain('<h2 id="messages-title">Messages taken</h2>');
    expect(detail.body).toContain('No recording for this call.');
    expect(detail.body).not.toContain('<audio');
  });

  it('answers another business’s call exactly like a call that does not exist', async () => {
    const other = await page('GET', `/calls/${otherCallId}`, { cookie: danaCookie });
    const missing = await page('GET', `/calls/${randomUUID()}`, { cookie: danaCookie });
    const malformed = await page('GET', '/calls/not-a-call', { cookie: danaCookie });
    expect([other.status, missing.status, malformed.status]).toEqual([404, 404, 404]);
    expect(other.body).toBe(missing.body);
    expect(other.body).toBe(malformed.body);
    expect(other.body).toContain('Page not found');
    expect(other.body).not.toContain('other business');
    // The owner sees it.
    const boCookie = await signIn(bo);
    expect((await page('GET', `/calls/${otherCallId}`, { cookie: boCookie })).status).toBe(200);
  });

  it('lists the business’s calls in progress on the live page', async () => {
    const call = system.fake.placeCall({ from: '+15557654321', to: '+19863334949' });
    const row = await waitFor(
      async () => {
        const found = await system.prisma.callLog.findUnique({ where: { channelId: call.channelId } });
        return found?.bridgeId ? found : null;
      },
      { what: 'the call to be connected' },
    );
    try {
      const live = await page('GET', '/live', { cookie: danaCookie });
      expect(live.body).toContain(`<tr data-call-id="${row.id}"`);
      expect(live.body).toContain('+15557654321');
      expect(live.body).toMatch(/<p id="live-empty" class="empty" hidden>/);
      const boCookie = await signIn(bo);
      const other = await page('GET', '/live', { cookie: boCookie });
      expect(other.body).not.toContain(row.id);
      expect(other.body).toContain('<div class="table-wrap" id="live-table" hidden>');
    } finally {
      system.fake.hangupCaller(call.channelId);
    }
  });
});

describe('the operator view', () => {
  async function operatorCookie(): Promise<string> {
    const answer = await page('POST', '/operator/login', { form: { token: OPERATOR_TOKEN }, headers: { origin: ORIGIN } });
    expect([answer.status, answer.location]).toEqual([303, '/operator']);
    return cookieNamed(answer, 'op')!;
  }

  it('asks for the operator token, and a staff session does not count', async () => {
    expect((await page('GET', '/operator')).location).toBe('/operator/login');
    expect((await page('GET', '/operator', { cookie: danaCookie })).location).toBe('/operator/login');
    const form = await page('GET', '/operator/login');
    expect(form.status).toBe(200);
    expect(form.body).toContain('name="token" type="password"');
  });

  it('refuses a wrong token and a form from another site', async () => {
    const wrong = await page('POST', '/operator/login', { form: { token: 'not-the-operator-token' }, headers: { origin: ORIGIN } });
    expect(wrong.status).toBe(401);
    expect(wrong.setCookies).toEqual([]);
    const foreign = await page('POST', '/operator/login', { form: { token: OPERATOR_TOKEN }, headers: { origin: 'http://evil.example' } });
    expect(foreign.status).toBe(403);
    expect(foreign.setCookies).toEqual([]);
  });

  it('limits failed attempts per address', async () => {
    const ip = freshIp();
    for (let attempt = 0; attempt < 10; attempt += 1) {
      expect((await page('POST', '/operator/login', { form: { token: 'guess' }, headers: { origin: ORIGIN }, ip })).status).toBe(401);
    }
    const limited = await page('POST', '/operator/login', { form: { token: OPERATOR_TOKEN }, headers: { origin: ORIGIN }, ip });
    expect(limited.status).toBe(429);
    expect(limited.setCookies).toEqual([]);
  });

  it('shows the platform with a cookie that is not the token and works nowhere else', async () => {
    const answer = await page('POST', '/operator/login', { form: { token: OPERATOR_TOKEN }, headers: { origin: ORIGIN } });
    const [setCookie] = answer.setCookies;
    expect(setCookie).toMatch(/^op=\d+\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}; Path=\/operator; Max-Age=28800; HttpOnly; SameSite=Strict$/);
    expect(setCookie).not.toContain(OPERATOR_TOKEN);
    const cookie = cookieNamed(answer, 'op')!;

    const view = await page('GET', '/operator', { cookie });
    expect(view.status).toBe(200);
    expect(view.body).toContain('<h1>Platform</h1>');
    expect(view.body).toContain('Asterisk (ARI connection and Stasis application)');
    expect(view.body).toContain('Database');
    expect(view.body).toContain('Media gateway and providers');
    expect(view.body).toContain('Active calls');

    const asBearer = await system.backend.app.inject({ method: 'GET', url: '/admin/api/overview', headers: { authorization: `Bearer ${cookie.slice(3)}` } });
    expect(asBearer.statusCode).toBe(401);
    expect((await page('GET', '/calls', { cookie })).status).toBe(303);
    const tampered = `${cookie.slice(0, -2)}${cookie.endsWith('AA') ? 'BB' : 'AA'}`;
    expect((await page('GET', '/operator', { cookie: tampered })).location).toBe('/operator/login');
  });

  it('signs out with the page’s CSRF token', async () => {
    const cookie = await operatorCookie();
    const view = await page('GET', '/operator', { cookie });
    const csrf = /<input type="hidden" name="csrf" value="([A-Za-z0-9_-]{43})">/.exec(view.body)?.[1];
    expect(csrf).toBeDefined();
    expect((await page('POST', '/operator/logout', { cookie, form: { csrf: 'forged' } })).status).toBe(403);
    const out = await page('POST', '/operator/logout', { cookie, form: { csrf: csrf! } });
    expect(out.location).toBe('/operator/login');
    expect(out.setCookies).toEqual([expect.stringMatching(/^op=; Path=\/operator; Max-Age=0;/)]);
  });
});

