// Sleeping for a while, cancellable. Not a way to wait for something to happen
// (wait.ts is): only for time that is itself the point, such as a caller's
// reaction time or a pause between measurements.
import { setTimeout as delay } from 'node:timers/promises';
import { sleep as sleepUntilAborted } from '../../src/timing/sleep.js';

/**
 * Resolves after `ms`; rejects with the signal's reason as soon as `signal` aborts.
 * Without a signal nothing listens for an abort: a shared never-aborted signal
 * would collect one listener per sleep under way (a bench's hundreds of callers
 * sleep at once) and trip Node's MaxListenersExceededWarning.
 */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal === undefined) {
    await delay(ms);
    return;
  }
  await sleepUntilAborted(ms, signal);
  signal.throwIfAborted();
}
