// Waiting without sleeps: a predicate re-checked on every 'change' an emitter reports and on a
// short poll (predicates often read the client's state too, which changes without a 'change').

import type { EventEmitter } from 'node:events';

const DEFAULT_TIMEOUT_MS = 5_000;
const POLL_INTERVAL_MS = 10;

export function waitForChange(
  owner: string,
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
    const check = (): void => {
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
      reject(new Error(`${owner}.waitFor timed out after ${timeoutMs} ms waiting for: ${what}`));
    }, timeoutMs);
    const poll = setInterval(check, POLL_INTERVAL_MS);
    const finish = (): void => {
      clearTimeout(timer);
      clearInterval(poll);
      changes.off('change', check);
    };
    changes.on('change', check);
  });
}
