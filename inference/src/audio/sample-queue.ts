/**
 * A growable FIFO of float samples: chunks go in, whole blocks come out. Holds at most one
 * partial block plus what the caller has not taken yet, so memory stays bounded by the caller.
 */
export interface SampleQueue {
  readonly length: number;
  push(samples: Float32Array): void;
  /** The first `n` samples as a copy (n <= length), removed from the queue. */
  take(n: number): Float32Array;
  /** The first `n` samples without removing them (a view, valid until the next push/take). */
  peek(n: number): Float32Array;
  /** Removes the first `n` samples. */
  drop(n: number): void;
  clear(): void;
}

export function createSampleQueue(initialCapacity = 16384): SampleQueue {
  let buf = new Float32Array(initialCapacity);
  let head = 0;
  let tail = 0;
  return {
    get length() {
      return tail - head;
    },
    push(samples) {
      const len = tail - head;
      if (tail + samples.length > buf.length) {
        if (len + samples.length > buf.length) {
          const next = new Float32Array(Math.max(buf.length * 2, len + samples.length));
          next.set(buf.subarray(head, tail));
          buf = next;
        } else {
          buf.copyWithin(0, head, tail);
        }
        head = 0;
        tail = len;
      }
      buf.set(samples, tail);
      tail += samples.length;
    },
    take(n) {
      const out = buf.slice(head, head + n);
      head += Math.min(n, tail - head);
      return out;
    },
    peek(n) {
      return buf.subarray(head, head + Math.min(n, tail - head));
    },
    drop(n) {
      head += Math.min(n, tail - head);
      if (head === tail) head = tail = 0;
    },
    clear() {
      head = tail = 0;
    },
  };
}
