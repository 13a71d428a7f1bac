// A single-consumer queue from a push source (a websocket's messages) to an
// AsyncIterable. Bounded: a push beyond `capacity` items fails the queue with
// the error `overflowError()` returns (a consumer that stopped reading must not
// grow memory without limit). end() lets the consumer drain what is queued and
// then finish; fail() lets it drain and then throws; discard() drops what is
// queued and finishes at once. Leaving a for-await early discards the rest.

export interface AsyncQueueOptions {
  capacity: number;
  overflowError: () => unknown;
}

type State = 'open' | 'ended' | 'failed';

export class AsyncQueue<T> implements AsyncIterable<T> {
  private items: T[] = [];
  private head = 0;
  private state: State = 'open';
  private failure: unknown = null;
  private waiter: { resolve: (result: IteratorResult<T>) => void; reject: (error: unknown) => void } | null = null;
  private iterated = false;

  constructor(private readonly options: AsyncQueueOptions) {}

  get size(): number {
    return this.items.length - this.head;
  }

  /** True until end(), fail() or discard(). */
  get open(): boolean {
    return this.state === 'open';
  }

  /** Queues an item; false when the queue no longer takes items (or just overflowed). */
  push(item: T): boolean {
    if (this.state !== 'open') return false;
    const waiter = this.waiter;
    if (waiter !== null) {
      this.waiter = null;
      waiter.resolve({ value: item, done: false });
      return true;
    }
    if (this.size >= this.options.capacity) {
      this.discard();
      this.fail(this.options.overflowError());
      return false;
    }
    this.items.push(item);
    return true;
  }

  end(): void {
    if (this.state !== 'open') return;
    this.state = 'ended';
    this.settleWaiter();
  }

  fail(error: unknown): void {
    if (this.state === 'failed') return;
    this.state = 'failed';
    this.failure = error;
    this.settleWaiter();
  }

  /** Drops every queued item and ends the queue (a failure already set is kept). */
  discard(): void {
    this.items = [];
    this.head = 0;
    if (this.state === 'open') this.state = 'ended';
    this.settleWaiter();
  }

  /** Removes the queued items that match; returns how many. */
  removeWhere(predicate: (item: T) => boolean): number {
    const kept = this.items.slice(this.head).filter((item) => !predicate(item));
    const removed = this.size - kept.length;
    this.items = kept;
    this.head = 0;
    return removed;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    if (this.iterated) throw new Error('this stream has one consumer and it is already iterating');
    this.iterated = true;
    return {
      next: () => this.next(),
      return: (value?: unknown) => {
        this.discard();
        return Promise.resolve({ value: value as T, done: true });
      },
    };
  }

  private next(): Promise<IteratorResult<T>> {
    if (this.size > 0) {
      const value = this.items[this.head]!;
      this.head += 1;
      if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.state === 'failed') return Promise.reject(this.failure);
    if (this.state === 'ended') return Promise.resolve({ value: undefined, done: true });
    if (this.waiter !== null) return Promise.reject(new Error('next() called while another next() is pending'));
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  private settleWaiter(): void {
    const waiter = this.waiter;
    if (waiter === null || this.size > 0) return;
    this.waiter = null;
    if (this.state === 'failed') waiter.reject(this.failure);
    else if (this.state === 'ended') waiter.resolve({ value: undefined, done: true });
  }
}
