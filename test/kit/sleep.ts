// Sleeping for a while, cancellable. Not a way to wait for something to happen
// (wait.ts is): only for time that is itself the point, such as a caller's
// reaction time or a pause between measurements.
import { sleep as sleepUntilAborted } from '../../src/timing/sleep.js';

const NEVER_ABORTED = new AbortController().signal;

/** Resolves after `ms`; rejects with the signal's reason as soon as `signal` aborts. */
export async function sleep(ms: number, signal: AbortSignal = NEVER_ABORTED): Promise<void> {
  await sleepUntilAborted(ms, signal);
  signal.throwIfAborted();
}
