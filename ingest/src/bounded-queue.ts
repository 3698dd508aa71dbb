import type { OverflowPolicy } from './types.ts';

/**
 * A single-producer, single-consumer queue that never holds more than `capacity` items.
 *
 * - 'block': the producer awaits `waitForSpace()` before `push()`; push on a full queue throws,
 *   because it would mean the producer skipped the wait.
 * - 'drop-oldest': `push()` on a full queue discards the oldest item and counts it in `dropped`.
 *
 * `end(error?)` lets the consumer drain what is buffered and then see the end (or the error);
 * `abort(error?)` discards everything and wakes both sides at once.
 */
export class BoundedQueue<T> {
  private items: T[] = [];
  private head = 0;
  private droppedCount = 0;
  private finished = false;
  private failure: Error | undefined;
  private aborted = false;
  private takers: Array<{ resolve: (r: IteratorResult<T>) => void; reject: (e: Error) => void }> = [];
  private spaceWaiters: Array<() => void> = [];

  constructor(
    readonly capacity: number,
    readonly policy: OverflowPolicy,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`capacity must be >= 1, got ${capacity}`);
    }
  }

  get size(): number {
    return this.items.length - this.head;
  }

  get dropped(): number {
    return this.droppedCount;
  }

  get full(): boolean {
    return this.size >= this.capacity;
  }

  /** No more pushes will be accepted (ended or aborted). */
  get closed(): boolean {
    return this.finished || this.aborted;
  }

  push(item: T): void {
    if (this.closed) return; // producer outlived the consumer: the item is simply not wanted
    const taker = this.takers.shift();
    if (taker) {
      taker.resolve({ value: item, done: false });
      return;
    }
    if (this.full) {
      if (this.policy === 'block') throw new Error('BoundedQueue: push on a full blocking queue');
      this.items[this.head] = undefined as T;
      this.head++;
      this.droppedCount++;
    }
    this.items.push(item);
    this.compact();
  }

  /** Resolves when there is room for one more item, or when the queue is closed. */
  waitForSpace(): Promise<void> {
    if (!this.full || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.spaceWaiters.push(resolve));
  }

  /** Next item; `done` after end(); rejects with the end/abort error once buffered items are gone. */
  shift(): Promise<IteratorResult<T>> {
    if (this.size > 0) {
      const value = this.items[this.head] as T;
      this.items[this.head] = undefined as T; // let the frame be collected once consumed
      this.head++;
      this.compact();
      this.wakeProducer();
      return Promise.resolve({ value, done: false });
    }
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => this.takers.push({ resolve, reject }));
  }

  /** Graceful end: buffered items are still delivered, then `error` (if any) or done. */
  end(error?: Error): void {
    if (this.closed) return;
    this.finished = true;
    this.failure = error;
    this.settleTakers();
    this.wakeProducer(true);
  }

  /** Immediate end: buffered items are discarded. */
  abort(error?: Error): void {
    if (this.aborted) return;
    this.aborted = true;
    this.failure = error;
    this.items = [];
    this.head = 0;
    this.settleTakers();
    this.wakeProducer(true);
  }

  private settleTakers(): void {
    const takers = this.takers;
    this.takers = [];
    for (const t of takers) {
      if (this.failure) t.reject(this.failure);
      else t.resolve({ value: undefined, done: true });
    }
  }

  private wakeProducer(all = false): void {
    if (!all && this.full) return;
    const waiters = this.spaceWaiters;
    this.spaceWaiters = [];
    for (const w of waiters) w();
  }

  private compact(): void {
    // Amortised O(1) shift without Array#shift's O(n) copy.
    if (this.head > 32 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
