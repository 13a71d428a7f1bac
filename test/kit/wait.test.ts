// Waiting for a condition: resolves once it holds, fails with a message naming
// what was awaited (and why the last check failed), stops on abort, and
// re-checks at once when the watched emitter reports a change.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { waitFor, waitUntil, WaitTimeoutError } from './wait.js';

describe('waitUntil', () => {
  it('resolves once the check holds, counting a throwing check as not yet', async () => {
    let checks = 0;
    await waitUntil(() => {
      checks += 1;
      if (checks === 1) throw new Error('not reachable yet');
      return checks >= 3;
    }, { intervalMs: 1 });
    expect(checks).toBe(3);
  });

  it("fails after its bound naming what was awaited and the check's last error", async () => {
    const failure = await waitUntil(() => {
      throw new Error('connection refused');
    }, { timeoutMs: 30, intervalMs: 5, what: 'the backend to answer' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(WaitTimeoutError);
    expect((failure as Error).message).toBe('timed out after 30 ms waiting for the backend to answer (last error: connection refused)');
  });

  it("stops with the signal's reason as soon as it aborts", async () => {
    const controller = new AbortController();
    const waiting = waitUntil(() => false, { timeoutMs: 600_000, intervalMs: 600_000, signal: controller.signal });
    controller.abort(new Error('interrupted'));
    await expect(waiting).rejects.toThrow('interrupted');
  });

  it("re-checks on the watched emitter's change rather than at the next interval", async () => {
    const changes = new EventEmitter();
    let ready = false;
    // An interval and a bound far beyond the test's own timeout: only the change can end the wait.
    const waiting = waitUntil(() => ready, { timeoutMs: 600_000, intervalMs: 600_000, wakeOn: changes });
    await new Promise((resolve) => setImmediate(resolve));
    ready = true;
    changes.emit('change');
    await waiting;
    expect(changes.listenerCount('change')).toBe(0);
  });
});

describe('waitUntil without a fixed interval', () => {
  it('checks less often as the wait goes on (a database poll must not take a core)', async () => {
    let checks = 0;
    const startedAt = performance.now();
    // Held after 800 ms: every 10 ms that would be about 80 checks; backing off
    // to a tenth of the time waited (at most 100 ms), about 30. A loaded machine
    // only makes fewer checks.
    await waitUntil(() => {
      checks += 1;
      return performance.now() - startedAt >= 800;
    });
    expect(checks).toBeGreaterThan(1);
    expect(checks).toBeLessThan(45);
  });
});

describe('waitFor', () => {
  it('resolves with the first value other than null or undefined', async () => {
    const values = [null, undefined, 0, 7];
    expect(await waitFor(() => values.shift(), { intervalMs: 1 })).toBe(0);
  });
});

describe('waitUntil with a change during a slow check', () => {
  it('does not lose the change: it checks again at once', async () => {
    const changes = new EventEmitter();
    let ready = false;
    let checks = 0;
    const waiting = waitUntil(
      () => {
        checks += 1;
        if (checks === 1) {
          // The state changes while this check is still running.
          ready = true;
          changes.emit('change');
          return false;
        }
        return ready;
      },
      { timeoutMs: 600_000, intervalMs: 600_000, wakeOn: changes },
    );
    await waiting;
    expect(checks).toBe(2);
  });
});
