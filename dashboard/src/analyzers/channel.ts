/**
 * A hand-over point from push (an analyzer's video() calls) to pull (a stream consumer such as the
 * scheduler's feed). push() resolves once the consumer took the item, so a consumer that reads only
 * when it has room (files) holds the pusher back; at most one item waits. end() finishes the stream
 * after the waiting item.
 */
export interface Channel<T> extends AsyncIterable<T> {
  push(item: T): Promise<void>;
  end(): void;
}

export function createChannel<T>(): Channel<T> {
  let waiting: { item: T; taken: () => void } | null = null;
  let ended = false;
  let reader: ((r: IteratorResult<T>) => void) | null = null;
  let pushWaiters: Array<() => void> = [];

  const hand = (): void => {
    if (!reader) return;
    if (waiting) {
      const { item, taken } = waiting;
      waiting = null;
      const r = reader;
      reader = null;
      r({ value: item, done: false });
      taken();
      const w = pushWaiters;
      pushWaiters = [];
      for (const f of w) f();
    } else if (ended) {
      const r = reader;
      reader = null;
      r({ value: undefined, done: true });
    }
  };

  return {
    async push(item) {
      while (waiting && !ended) await new Promise<void>((r) => pushWaiters.push(r));
      if (ended) return;
      await new Promise<void>((taken) => {
        waiting = { item, taken };
        hand();
      });
    },
    end() {
      ended = true;
      const w = pushWaiters;
      pushWaiters = [];
      for (const f of w) f();
      hand();
    },
    [Symbol.asyncIterator]() {
      return {
        next: () =>
          new Promise<IteratorResult<T>>((resolve) => {
            reader = resolve;
            hand();
          }),
        return: () => {
          // The consumer stopped early: later pushes return at once instead of waiting forever.
          ended = true;
          waiting?.taken();
          waiting = null;
          const w = pushWaiters;
          pushWaiters = [];
          for (const f of w) f();
          return Promise.resolve({ value: undefined, done: true });
        },
      };
    },
  };
}
