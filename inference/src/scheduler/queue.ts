/**
 * A fixed-capacity FIFO ring. When full, `push` evicts the oldest item and returns it, so a live
 * source keeps its newest frames and the caller can count what it lost.
 */
export interface DropOldestQueue<T> {
  readonly capacity: number;
  readonly length: number;
  /** Appends `item`; returns the evicted oldest item when the queue was full. */
  push(item: T): T | undefined;
  shift(): T | undefined;
  /** Empties the queue, returning what it held, oldest first. */
  clear(): T[];
}

export function createDropOldestQueue<T>(capacity: number): DropOldestQueue<T> {
  const ring: (T | undefined)[] = new Array<T | undefined>(capacity);
  let head = 0;
  let length = 0;
  const shift = (): T | undefined => {
    if (length === 0) return undefined;
    const item = ring[head];
    ring[head] = undefined; // let the frame's pixels go as soon as it leaves
    head = (head + 1) % capacity;
    length--;
    return item;
  };
  return {
    capacity,
    get length() {
      return length;
    },
    push(item) {
      const evicted = length === capacity ? shift() : undefined;
      ring[(head + length) % capacity] = item;
      length++;
      return evicted;
    },
    shift,
    clear() {
      const out: T[] = [];
      for (let x = shift(); x !== undefined; x = shift()) out.push(x);
      return out;
    },
  };
}
