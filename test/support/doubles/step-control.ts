// Lets a test hold or fail the next request a double receives for a named
// operation: a held request waits until the test releases or fails it, so the
// test can act while that request is in flight (a caller hanging up during
// the answer, the bridge, ...).
import { deferred, type Deferred } from '../../../src/timing/waiting.js';

export interface HeldRequest {
  /** Resolves once the request arrived (it then waits for release() or fail()). */
  readonly arrived: Promise<void>;
  /** Lets the request run (and answer as it would have). */
  release(): void;
  /** Fails the request with `error`. */
  fail(error: unknown): void;
}

interface Hold {
  arrived: Deferred<void>;
  outcome: Deferred<{ error: unknown } | null>;
}

export class StepControl<Operation extends string> {
  /** Every request received, in order. */
  readonly received: Operation[] = [];
  readonly #holds = new Map<Operation, Hold[]>();
  readonly #failures = new Map<Operation, (() => unknown)[]>();

  /** The next request of `operation` waits for the test. */
  hold(operation: Operation): HeldRequest {
    const hold: Hold = { arrived: deferred(), outcome: deferred() };
    this.#queue(this.#holds, operation).push(hold);
    return {
      arrived: hold.arrived.promise,
      release: () => hold.outcome.resolve(null),
      fail: (error) => hold.outcome.resolve({ error }),
    };
  }

  /** The next request of `operation` fails with what `error()` returns. */
  failNext(operation: Operation, error: () => unknown): void {
    this.#queue(this.#failures, operation).push(error);
  }

  /** Runs one request of `operation` through the holds and failures set for it. */
  async run<T>(operation: Operation, answer: () => T | Promise<T>): Promise<T> {
    this.received.push(operation);
    const hold = this.#holds.get(operation)?.shift();
    if (hold) {
      hold.arrived.resolve();
      const outcome = await hold.outcome.promise;
      if (outcome) throw outcome.error;
    }
    const failure = this.#failures.get(operation)?.shift();
    if (failure) throw failure();
    return answer();
  }

  #queue<T>(map: Map<Operation, T[]>, operation: Operation): T[] {
    let queue = map.get(operation);
    if (!queue) {
      queue = [];
      map.set(operation, queue);
    }
    return queue;
  }
}
