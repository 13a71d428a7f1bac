// The console's pages over app.inject() against the real backend and
// PostgreSQL (no browser): security headers, escaping of hostile data, the
// sign-in form's CSRF defence (Origin/Referer), redirects, the business
// scoping of every page, form-body limits and the operator gate. The call
// pages and the operator view are in call-pages.test.ts.
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../../src/http/app.js';
import { CONTENT_SECURITY_POLICY } from '../../../src/console/page-reply.js';
import { FORM_BODY_LIMIT_BYTES } from '../../../src/console/form-body.js';
import { captureLogs } from '../../support/log-capture.js';
import { OPERATOR_TOKEN, createStaffAccount } from '../../support/staff-api.js';
import { waitUntil } from '../../kit/wait.js';
import { HOST, ORIGIN, system, dana, danaCookie, hostileCallId, lateEveningCallId, freshIp, page, cookieNamed, signIn, useConsolePages } from '../../support/console-pages.js';

useConsolePages();

describe('headers', () => {
  it('sends the Content-Security-Policy and the other security headers with every page', async () => {
    expect(CONTENT_SECURITY_POLICY).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; media-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    );
    const answers = [
      await page('GET', '/login'),
      await page('GET', '/calls', { cookie: danaCookie }),
      await page('GET', `/calls/${hostileCallId}`, { cookie: danaCookie }),
      await page('GET', '/live', { cookie: danaCookie }),
      await page('GET', '/no-such-page'),
      await page('POST', '/login', { form: { email: 'x@y.example', password: 'p' } }),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 404, 403]);
    for (const answer of answers) {
      expect(answer.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
      expect(answer.headers['referrer-policy']).toBe('same-origin');
      expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(answer.headers['cache-control']).toBe('no-store');
      expect(answer.body).toMatch(/^<!doctype html>\n<html lang="en">/);
      // Nothing inline for the policy to refuse.
      expect(answer.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>|<[a-z][^>]*\s(style|on[a-z]+)=/i);
    }
  });

  it('serves the assets from memory with an ETag, and nothing else under /console/assets', async () => {
    const script = await page('GET', '/console/assets/app.js');
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.body.split('\n').length).toBeLessThan(150);
    expect(script.body).not.toContain('innerHTML');
    const again = await page('GET', '/console/assets/app.js', { headers: { 'if-none-match': String(script.headers.etag) } });
    expect(again.status).toBe(304);
    expect((await page('GET', '/console/assets/console.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await page('GET', '/console/assets/..%2F..%2Fconfig.ts')).status).toBe(404);
  });
});

describe('escaping', () => {
  it('shows a hostile transcript, caller number, staff name and business name as text', async () => {
    const list = await page('GET', '/calls', { cookie: danaCookie });
    const detail = await page('GET', `/calls/${hostileCallId}`, { cookie: danaCookie });
    for (const answer of [list, detail]) {
      expect(answer.body).not.toContain('<script>alert');
      expect(answer.body).not.toContain('<img src=x');
      expect(answer.body).toContain('&quot;&gt;&lt;img src=x onerror=alert(2)&gt;');
      expect(answer.body).toContain('Acme &quot;Dental&quot; &lt;Care&gt;');
      expect(answer.body).toContain('O&#39;Brien &quot;Bob&quot; &lt;b&gt;');
    }
    expect(list.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(detail.body).toContain('<p class="turn-text">&lt;script&gt;alert(1)&lt;/script&gt;</p>');
    expect(detail.body).toContain('&lt;/li&gt;&lt;script&gt;alert(3)&lt;/script&gt;');
    // The list says what went wrong in plain words; the stored text, escaped, is a detail of the call.
    expect(list.body).toContain('title="The call could not be completed."');
    const failed = await page('GET', `/calls/${lateEveningCallId}`, { cookie: danaCookie });
    expect(failed.body).toContain('<code>externalMedia refused: &quot;busy&quot; &lt;503&gt;</code>');
  });
});

describe('redirects', () => {
  it('sends / to the dashboard when signed in and to the sign-in page otherwise', async () => {
    expect((await page('GET', '/')).location).toBe('/login');
    const signedIn = await page('GET', '/', { cookie: danaCookie });
    expect([signedIn.status, signedIn.location]).toEqual([303, '/dashboard']);
  });

  it('sends a signed-out visitor to the sign-in page and back to where they were going', async () => {
    const answer = await page('GET', '/calls?status=failed&q=a%20b');
    expect(answer.status).toBe(303);
    expect(answer.location).toBe('/login?next=%2Fcalls%3Fstatus%3Dfailed%26q%3Da%2520b');
    const form = await page('GET', answer.location!);
    expect(form.body).toContain('<input type="hidden" name="next" value="/calls?status=failed&amp;q=a%20b">');
    const signedIn = await page('POST', '/login', {
      form: { email: dana.email, password: dana.password, next: '/calls?status=failed&q=a%20b' },
      headers: { origin: ORIGIN },
    });
    expect(signedIn.location).toBe('/calls?status=failed&q=a%20b');
    // Already signed in: the form is skipped.
    expect((await page('GET', '/login?next=%2Flive', { cookie: danaCookie })).location).toBe('/live');
  });

  it('never sends the user to another site after signing in', async () => {
    const tricks = ['//evil.example/calls', 'https://evil.example/', '/\\evil.example', 'javascript:alert(1)', '/..//evil.test/phish', '/.%2e/%2e%2e//evil.test', '/..//evil.test'];
    for (const next of tricks) {
      const answer = await page('POST', '/login', { form: { email: dana.email, password: dana.password, next }, headers: { origin: ORIGIN } });
      expect(answer.location, next).toBe('/dashboard');
      const form = await page('GET', `/login?next=${encodeURIComponent(next)}`);
      expect(form.body).not.toContain('name="next"');
      // Already signed in, the form redirects at once: home, never the other site.
      const signedIn = await page('GET', `/login?next=${encodeURIComponent(next)}`, { cookie: danaCookie });
      expect(signedIn.location, next).toBe('/dashboard');
    }
  });

  it('clears a session cookie that names no live session', async () => {
    const answer = await page('GET', '/calls', { cookie: 'sid=not-a-session' });
    expect(answer.status).toBe(303);
    expect(answer.location).toBe('/login?next=%2Fcalls');
    expect(answer.setCookies).toEqual([expect.stringMatching(/^sid=; Path=\/; Max-Age=0;/)]);
  });
});

describe('signing in', () => {
  it('sets the staff session cookie on success', async () => {
    const answer = await page('POST', '/login', { form: { email: ' DANA@acme.example ', password: dana.password }, headers: { origin: ORIGIN } });
    expect(answer.status).toBe(303);
    expect(answer.setCookies).toEqual([
      expect.stringMatching(/^sid=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Lax$/),
      expect.stringMatching(/^dev=[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}; Path=\/; Max-Age=15552000; HttpOnly; SameSite=Strict$/),
    ]);
    // The JSON API accepts the same session.
    const api = await system.backend.app.inject({ method: 'GET', url: '/api/session', headers: { cookie: cookieNamed(answer, 'sid')! } });
    expect(api.json()).toMatchObject({ user: { email: 'dana@acme.example' } });
  });

  it('accepts a same-site Referer when there is no Origin, and refuses other sites', async () => {
    const form = { email: dana.email, password: dana.password };
    expect((await page('POST', '/login', { form, headers: { referer: `${ORIGIN}/login` } })).status).toBe(303);
    const refused = [
      await page('POST', '/login', { form }),
      await page('POST', '/login', { form, headers: { origin: 'http://evil.example' } }),
      await page('POST', '/login', { form, headers: { origin: 'null', referer: `${ORIGIN}/login` } }),
      await page('POST', '/login', { form, headers: { origin: `${ORIGIN}.evil.example` } }),
      await page('POST', '/login', { form, headers: { referer: 'http://evil.example/login' } }),
    ];
    for (const answer of refused) {
      expect(answer.status).toBe(403);
      expect(answer.setCookies).toEqual([]);
      expect(answer.body).toContain('Sign-in refused');
    }
  });

  it('answers a wrong password and an unknown email with the same page', async () => {
    const wrong = await page('POST', '/login', { form: { email: dana.email, password: 'nope' }, headers: { origin: ORIGIN } });
    const unknown = await page('POST', '/login', { form: { email: 'nobody@acme.example', password: 'nope' }, headers: { origin: ORIGIN } });
    expect([wrong.status, unknown.status]).toEqual([401, 401]);
    expect(wrong.body).toContain('<p class="alert" role="alert" id="login-error">Wrong email or password.</p>');
    expect(wrong.body.replace(dana.email, 'EMAIL')).toBe(unknown.body.replace('nobody@acme.example', 'EMAIL'));
    expect(wrong.body).not.toContain('value="nope"');
    expect(wrong.setCookies).toEqual([]);
  });

  it('asks for both fields', async () => {
    const answer = await page('POST', '/login', { form: { email: dana.email }, headers: { origin: ORIGIN } });
    expect(answer.status).toBe(400);
    expect(answer.body).toContain('Enter your email and password.');
  });

  it('shows the limit to the address that failed too often, and still lets the user in from elsewhere', async () => {
    const victim = await createStaffAccount(system.prisma, dana.businessId, { email: 'victim@acme.example' });
    const attacker = freshIp();
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const answer = await page('POST', '/login', { form: { email: victim.email, password: 'guess' }, headers: { origin: ORIGIN }, ip: attacker });
      expect(answer.status).toBe(401);
    }
    const limited = await page('POST', '/login', { form: { email: victim.email, password: victim.password }, headers: { origin: ORIGIN }, ip: attacker });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.body).toMatch(/Too many failed sign-in attempts\. Try again in \d+ minutes\./);
    expect(limited.setCookies).toEqual([]);
    const user = await page('POST', '/login', { form: { email: victim.email, password: victim.password }, headers: { origin: ORIGIN } });
    expect(user.status).toBe(303);
  });
});

describe('form bodies', () => {
  it('refuses a body over the limit, too many fields and other content types, with pages', async () => {
    const big = await page('POST', '/login', { form: `email=${'a'.repeat(FORM_BODY_LIMIT_BYTES)}`, headers: { origin: ORIGIN } });
    expect(big.status).toBe(413);
    expect(big.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(big.body).toContain('Too much data');
    const many = await page('POST', '/login', { form: Array.from({ length: 30 }, (_, i) => `f${i}=1`).join('&'), headers: { origin: ORIGIN } });
    expect(many.status).toBe(400);
    const text = await page('POST', '/login', { form: 'email=a', headers: { origin: ORIGIN, 'content-type': 'application/xml' } });
    expect(text.status).toBe(415);
    expect(text.headers['content-type']).toBe('text/html; charset=utf-8');
  });

  it('leaves the JSON API refusing forms', async () => {
    const answer = await system.backend.app.inject({
      method: 'POST',
      url: '/api/session',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `email=${encodeURIComponent(dana.email)}&password=x`,
    });
    expect(answer.statusCode).toBe(415);
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
  });
});

describe('signing out', () => {
  it('needs the session’s CSRF token, then ends the session', async () => {
    const cookie = await signIn(dana);
    const calls = await page('GET', '/calls', { cookie });
    const csrf = /<input type="hidden" name="csrf" value="([A-Za-z0-9_-]{43})">/.exec(calls.body)?.[1];
    expect(csrf).toBeDefined();

    const refused = await page('POST', '/logout', { cookie, form: { csrf: 'forged' } });
    expect(refused.status).toBe(403);
    expect((await page('GET', '/calls', { cookie })).status).toBe(200);
    expect((await page('POST', '/logout', { cookie, form: {} })).status).toBe(403);

    const out = await page('POST', '/logout', { cookie, form: { csrf: csrf! } });
    expect([out.status, out.location]).toEqual([303, '/login']);
    expect(out.setCookies).toEqual([expect.stringMatching(/^sid=; Path=\/; Max-Age=0;/)]);
    expect((await page('GET', '/calls', { cookie })).location).toBe('/login?next=%2Fcalls');
  });
});

describe('errors', () => {
  it('answers unknown pages with an HTML 404 and leaves the APIs’ 404 JSON', async () => {
    const html = await page('GET', '/nowhere');
    expect(html.status).toBe(404);
    expect(html.body).toContain('<h1>Page not found</h1>');
    const api = await page('GET', '/api/nowhere');
    expect(api.status).toBe(404);
    expect(api.headers['content-type']).toBe('application/json; charset=utf-8');
    const json = await system.backend.app.inject({ method: 'GET', url: '/nowhere' });
    expect(json.statusCode).toBe(404);
    expect(json.json()).toEqual({ error: { code: 'not_found', message: 'no route GET /nowhere' } });
    const admin = await page('GET', '/admin/api/nowhere', { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } });
    expect(admin.headers['content-type']).toBe('application/json; charset=utf-8');
  });
});

describe('a failing database', () => {
  it('shows the 500 page in the same frame, without the error, and recovers', async () => {
    const failedBefore = system.logs.entries('console page failed').length;
    system.proxy!.pause();
    try {
      const answer = await page('GET', '/calls', { cookie: danaCookie });
      expect(answer.status).toBe(500);
      expect(answer.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
      expect(answer.body).toContain('<h1>Something went wrong</h1>');
      expect(answer.body).toContain('<link rel="stylesheet" href="/console/assets/console.css">');
      expect(answer.body).not.toMatch(/ECONNRESET|prisma|stack/i);
      expect(system.logs.entries('console page failed').length).toBeGreaterThan(failedBefore);
    } finally {
      system.proxy!.resume();
    }
    await waitUntil(async () => (await page('GET', '/calls', { cookie: danaCookie })).status === 200, {
      what: 'the calls page to work again',
      intervalMs: 100,
    });
  });
});

describe('a console without its services', () => {
  function bareApp(operatorToken: string | undefined) {
    return buildApp({
      logger: captureLogs().logger,
      readiness: [],
      internal: { token: 'internal-token-0123456789', api: () => null },
      console: { services: () => null, cookieSecure: false, operatorToken },
    });
  }

  it('says it is starting (503) while the database is not ready', async () => {
    const app = bareApp(OPERATOR_TOKEN);
    try {
      const answer = await app.inject({ method: 'GET', url: '/login' });
      expect(answer.statusCode).toBe(503);
      expect(answer.headers['retry-after']).toBe('5');
      expect(answer.body).toContain('The console is starting.');
    } finally {
      await app.close();
    }
  });

  it('says the operator view is disabled without OPERATOR_TOKEN', async () => {
    const app = bareApp(undefined);
    try {
      for (const [method, url] of [['GET', '/operator'], ['GET', '/operator/login'], ['POST', '/operator/login']] as const) {
        const answer = await app.inject({ method, url, headers: { host: HOST, origin: ORIGIN } });
        expect(answer.statusCode).toBe(503);
        expect(answer.body).toContain('Operator view disabled');
      }
    } finally {
      await app.close();
    }
  });
});
