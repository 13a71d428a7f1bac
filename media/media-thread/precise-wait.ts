// A blocking wait with sub-millisecond precision for the media thread's clock
// (media-clock.ts): Atomics.wait on a word nobody notifies sleeps in the
// kernel (no CPU) until its timeout, which, unlike a timer's, is not rounded
// to whole milliseconds. Only a worker may block like this; on the main
// thread Atomics.wait throws in browsers and would stall every agent in Node.
import { isMainThread } from 'node:worker_threads';

/** Blocks until `now() >= deadlineMs`; returns at once when the deadline is past. */
export function preciseWaitUntil(now: () => number): (deadlineMs: number) => void {
  if (isMainThread) throw new Error('preciseWaitUntil blocks its thread: use it on a worker thread only');
  const word = new Int32Array(new SharedArrayBuffer(4));
  return (deadlineMs) => {
    // A spurious or early return (the timeout is a lower bound) waits the rest.
    for (let remainingMs = deadlineMs - now(); remainingMs > 0; remainingMs = deadlineMs - now()) {
      Atomics.wait(word, 0, 0, remainingMs);
    }
  };
}
