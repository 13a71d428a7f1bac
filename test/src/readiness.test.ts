import { describe, expect, it } from 'vitest';
import { evaluateReadiness } from '../../src/readiness.js';

describe('evaluateReadiness', () => {
  it('is ready when every check answers null, sync or async', async () => {
    expect(await evaluateReadiness([{ name: 'database', check: () => null }, { name: 'asterisk', check: () => Promise.resolve(null) }])).toEqual({
      ready: true,
      checks: { database: { ok: true }, asterisk: { ok: true } },
      reasons: [],
    });
  });

  it('names every check that is not healthy and why, a throwing check included', async () => {
    const report = await evaluateReadiness([
      { name: 'database', check: () => Promise.resolve('connection refused') },
      { name: 'asterisk', check: () => null },
      { name: 'gateway', check: () => { throw new Error('no answer within 2000 ms'); } },
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a check that rejects with a non-Error is the case under test
      { name: 'odd', check: () => Promise.reject('not an error') },
    ]);
    expect(report).toEqual({
      ready: false,
      checks: {
        database: { ok: false, reason: 'connection refused' },
        asterisk: { ok: true },
        gateway: { ok: false, reason: 'no answer within 2000 ms' },
        odd: { ok: false, reason: 'check failed' },
      },
      reasons: ['database: connection refused', 'gateway: no answer within 2000 ms', 'odd: check failed'],
    });
  });
});
