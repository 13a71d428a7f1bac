// The console's pure parts: escaping, times in a business's time zone (and
// across daylight-saving changes), the list filters, local redirect targets,
// form bodies and the operator credential.
import { describe, expect, it } from 'vitest';
import { hasFilters, listHref, readListForm, toCallFilter } from '../../../src/console/call-list-query.js';
import { snippet } from '../../../src/console/call-text.js';
import { FORM_MAX_FIELDS, FormFields, formField } from '../../../src/console/form-body.js';
import { formatCallTime, formatDuration, formatFullTime, isCalendarDay, knownTimeZone, nextDay, zonedDayStart } from '../../../src/console/format.js';
import { escapeHtml, html, htmlText } from '../../../src/console/html.js';
import { OPERATOR_SESSION_MS, OperatorGate } from '../../../src/console/operator-gate.js';
import { localPath, loginLocation } from '../../../src/console/page-session.js';

describe('escaping', () => {
  it('escapes the five characters that matter in content and quoted attributes', () => {
    expect(escapeHtml(`<script>alert("x") & 'y'</script>`)).toBe('&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;');
  });

  it('escapes every value in a template, except markup made by a template', () => {
    const name = `O'Brien "Bob" <b>`;
    const inner = html`<em>${name}</em>`;
    const page = html`<p title="${name}">${inner} ${['<i>', html`<br>`]} ${null}${undefined}${false}${3}</p>`;
    expect(htmlText(page)).toBe(
      '<p title="O&#39;Brien &quot;Bob&quot; &lt;b&gt;"><em>O&#39;Brien &quot;Bob&quot; &lt;b&gt;</em> &lt;i&gt;<br> 3</p>',
    );
  });

  it('treats an object that merely looks like markup as text', () => {
    const forged = { text: '<script>alert(1)</script>' } as unknown as string;
    expect(htmlText(html`${forged}`)).not.toContain('<script>');
  });
});

describe('times and durations', () => {
  const now = new Date('2026-06-01T12:00:00Z');

  it('shows a call time on the business’s wall clock, with the year only when it is not this year', () => {
    expect(formatCallTime(new Date('2026-03-03T15:04:00Z'), 'America/New_York', now)).toBe('Tue 3 Mar, 10:04');
    expect(formatCallTime(new Date('2026-03-03T15:04:00Z'), 'Europe/Paris', now)).toBe('Tue 3 Mar, 16:04');
    expect(formatCallTime(new Date('2025-12-31T23:30:00Z'), 'Asia/Tokyo', now)).toBe('Thu 1 Jan, 08:30');
    expect(formatCallTime(new Date('2025-03-03T15:04:00Z'), 'America/New_York', now)).toBe('Mon 3 Mar 2025, 10:04');
    expect(formatFullTime(new Date('2026-09-03T15:04:05Z'), 'Europe/Paris')).toBe('Thu 3 Sep 2026, 17:04:05');
  });

  it('falls back to UTC for a zone Intl does not know', () => {
    expect(knownTimeZone('Mars/Olympus_Mons')).toBe('UTC');
    expect(formatCallTime(new Date('2026-03-03T15:04:00Z'), 'Mars/Olympus_Mons', now)).toBe('Tue 3 Mar, 15:04');
  });

  it('formats durations as m:ss or h:mm:ss', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(7_999)).toBe('0:07');
    expect(formatDuration(754_000)).toBe('12:34');
    expect(formatDuration(3_723_000)).toBe('1:02:03');
    expect(formatDuration(null)).toBe('—');
  });

  it('finds where a day starts in a zone, across daylight-saving changes', () => {
    const start = (day: string, zone: string) => zonedDayStart(day, zone).toISOString();
    expect(start('2026-03-03', 'America/New_York')).toBe('2026-03-03T05:00:00.000Z');
    // Clocks go forward at 02:00 on 8 March: that day starts on EST, the next on EDT.
    expect(start('2026-03-08', 'America/New_York')).toBe('2026-03-08T05:00:00.000Z');
    expect(start('2026-03-09', 'America/New_York')).toBe('2026-03-09T04:00:00.000Z');
    expect(start('2026-11-02', 'America/New_York')).toBe('2026-11-02T05:00:00.000Z');
    expect(start('2026-03-03', 'Asia/Kolkata')).toBe('2026-03-02T18:30:00.000Z');
    // Chile skips midnight on 6 September 2026 (00:00 -> 01:00): the day starts at the change.
    expect(start('2026-09-06', 'America/Santiago')).toBe('2026-09-06T04:00:00.000Z');
  });

  it('knows real calendar days', () => {
    expect(isCalendarDay('2028-02-29')).toBe(true);
    expect(isCalendarDay('2026-02-29')).toBe(false);
    expect(isCalendarDay('2026-3-3')).toBe(false);
    expect(isCalendarDay('2026-03-03T00:00')).toBe(false);
    expect(nextDay('2026-12-31')).toBe('2027-01-01');
  });
});

describe('the call list filters', () => {
  it('reads days of the business’s zone into the API’s instants (to inclusive)', () => {
    const form = readListForm({ from: '2026-03-03', to: '2026-03-08', status: 'failed', caller: '+1 (555)', q: ' refill ', extra: 'x' });
    const result = toCallFilter(form, 'America/New_York');
    expect(result).toMatchObject({
      ok: true,
      filter: {
        from: new Date('2026-03-03T05:00:00.000Z'),
        to: new Date('2026-03-09T04:00:00.000Z'),
        statuses: ['failed'],
        callerDigits: '1555',
        text: 'refill',
        cursor: null,
      },
    });
  });

  it('explains filters it cannot use', () => {
    const problem = (query: Record<string, string>) => {
      const result = toCallFilter(readListForm(query), 'UTC');
      return result.ok ? null : result.problem;
    };
    expect(problem({ from: '03/03/2026' })).toBe('From must be a date such as 2026-03-03.');
    expect(problem({ from: '2026-03-04', to: '2026-03-03' })).toBe('From must be on or before To.');
    expect(problem({ caller: 'abc' })).toBe('Caller number must contain digits.');
    expect(problem({ status: 'exploded' })).toMatch(/^Check the filters \(status/);
    expect(problem({ cursor: 'garbage' })).toMatch(/^Check the filters \(cursor/);
    expect(problem({ from: '', status: '' })).toBeNull();
  });

  it('links to the same filters, with or without a cursor', () => {
    const form = readListForm({ status: 'completed', q: 'a&b', cursor: 'old' });
    expect(hasFilters(form)).toBe(true);
    expect(hasFilters(readListForm({ cursor: 'x' }))).toBe(false);
    expect(listHref(form, null)).toBe('/calls?status=completed&q=a%26b');
    expect(listHref(form, 'next')).toBe('/calls?status=completed&q=a%26b&cursor=next');
    expect(listHref(readListForm({}), null)).toBe('/calls');
  });

  it('shortens snippets on a character boundary', () => {
    expect(snippet('short')).toBe('short');
    expect(snippet('a'.repeat(100), 10)).toBe(`${'a'.repeat(9)}…`);
    expect(snippet('👋'.repeat(20), 5)).toBe('👋👋👋👋…');
    expect(snippet(null)).toBe('');
  });
});

describe('where sign-in may send the user', () => {
  it('accepts paths of this site only', () => {
    expect(localPath('/calls?status=failed')).toBe('/calls?status=failed');
    expect(localPath('/calls/../live')).toBe('/live');
    for (const bad of ['//evil.example/x', '/\\evil.example', 'https://evil.example/', 'javascript:alert(1)', 'calls', '/x\ny', '', null]) {
      expect(localPath(bad)).toBeNull();
    }
    expect(loginLocation('/calls?q=a b')).toBe('/login?next=%2Fcalls%3Fq%3Da%2520b');
    expect(loginLocation('/')).toBe('/login');
  });
});

describe('form bodies', () => {
  it('keeps the first value of a repeated field and decodes + and %', () => {
    const form = FormFields.parse('email=a%40b.example&password=p+w%26&email=other');
    expect(formField(form, 'email')).toBe('a@b.example');
    expect(formField(form, 'password')).toBe('p w&');
    expect(formField(form, 'missing')).toBeNull();
    expect(formField({ email: 'json' }, 'email')).toBeNull();
  });

  it('refuses more fields than a console form has', () => {
    const body = Array.from({ length: FORM_MAX_FIELDS + 1 }, (_, i) => `f${i}=x`).join('&');
    expect(() => FormFields.parse(body)).toThrow(expect.objectContaining({ statusCode: 400 }));
  });
});

describe('the operator credential', () => {
  const token = 'operator-token-0123456789abcdef';

  it('verifies what it issued until it expires, and nothing else', () => {
    let now = new Date('2026-03-03T10:00:00Z');
    const gate = new OperatorGate(token, () => now);
    const { value, maxAgeSeconds } = gate.issue();
    expect(maxAgeSeconds).toBe(OPERATOR_SESSION_MS / 1000);
    expect(value).not.toContain(token);
    expect(gate.verify(value)).toBe(true);
    expect(gate.issue().value).not.toBe(value);

    const [expires, nonce, mac] = value.split('.') as [string, string, string];
    expect(gate.verify(`${Number(expires) + 3600}.${nonce}.${mac}`)).toBe(false);
    expect(gate.verify(`${expires}.${nonce}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`)).toBe(false);
    expect(gate.verify(undefined)).toBe(false);
    expect(gate.verify(token)).toBe(false);
    expect(new OperatorGate('another-operator-token-0000', () => now).verify(value)).toBe(false);

    now = new Date(now.getTime() + OPERATOR_SESSION_MS);
    expect(gate.verify(value)).toBe(false);
  });

  it('checks the token and derives a CSRF token per credential', () => {
    const gate = new OperatorGate(token, () => new Date());
    expect(gate.tokenMatches(token)).toBe(true);
    expect(gate.tokenMatches(`${token}x`)).toBe(false);
    expect(gate.tokenMatches('')).toBe(false);
    const a = gate.issue().value;
    const b = gate.issue().value;
    expect(gate.csrfToken(a)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(gate.csrfToken(a)).not.toBe(gate.csrfToken(b));
  });
});
