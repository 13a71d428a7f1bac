// Waiting without sleeps: a predicate re-checked on every 'change' an emitter reports.

import type { EventEmitter } from 'node:events';

const DEFAULT_TIMEOUT_MS = 5_000;
/**
 * Predicates often read a peer's state too (what a client received), which changes without
 * a 'change' here, so they are also re-checked on this short poll.
 */
const POLL_INTERVAL_MS = 20;

export function waitForChange(
  changes: EventEmitter,
  predicate: () => boolean,
  options: { timeoutMs?: number; what?: string } = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const what = options.what ?? 'condition';
  return new Promise<void>((resolve, reject) => {
    if (predicate()) {
      resolve();
      return;
    }
    const onChange = (): void => {
      let done: boolean;
      try {
        done = predicate();
      } catch (error) {
        finish();
        reject(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      if (done) {
        finish();
        resolve();
      }
    };
    const timer = setTimeout(() => {
      finish();
      reject(new Error(`FakeAsterisk.waitFor timed out after ${timeoutMs} ms waiting for: ${what}`));
    }, timeoutMs);
    const poll = setInterval(onChange, POLL_INTERVAL_MS);
    const finish = (): void => {
      clearTimeout(timer);
      clearInterval(poll);
      changes.off('change', onChange);
    };
    changes.on('change', onChange);
  });
}
