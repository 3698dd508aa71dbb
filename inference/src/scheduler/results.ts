import { InferenceError } from '../errors.ts';

/** A place in a source's result order, reserved when its frame goes to the model. */
export interface ResultSlot<T> {
  settle(value: T): void;
  fail(err: unknown): void;
}

/**
 * One source's results in dispatch (= submission) order, for a single reader. Batches finish out of
 * order across model instances, so a result waits until every earlier one is out.
 */
export interface ResultChannel<T> extends AsyncIterable<T> {
  /** Results reserved and not yet read (in flight, or ready and waiting for the reader). */
  readonly outstanding: number;
  /** The reader left (break/return): results are discarded from now on. */
  readonly abandoned: boolean;
  reserve(): ResultSlot<T>;
  /** No more reservations: the iterable ends after the reserved results. */
  end(): void;
}

interface Entry<T> {
  state: 'pending' | 'ok' | 'failed';
  value?: T;
  error?: unknown;
}

/**
 * `onRead` runs each time the reader takes a result: room for another reservation, which the
 * scheduler must hear about (a full channel with nothing in flight would otherwise wait forever).
 */
export function createResultChannel<T>(
  label: string,
  onAbandon: () => void,
  onRead: () => void = () => {},
): ResultChannel<T> {
  const entries: Entry<T>[] = [];
  let ended = false;
  let abandoned = false;
  let finished = false; // the reader saw the end or an error
  let iterated = false;
  let wake: (() => void) | null = null;
  const notify = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };

  const iterator: AsyncIterator<T> = {
    async next() {
      for (;;) {
        if (finished || abandoned) return { done: true, value: undefined };
        const head = entries[0];
        if (head && head.state !== 'pending') {
          entries.shift();
          onRead();
          if (head.state === 'failed') {
            finished = true;
            throw head.error;
          }
          return { done: false, value: head.value as T };
        }
        if (!head && ended) {
          finished = true;
          return { done: true, value: undefined };
        }
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
    async return() {
      if (!finished && !abandoned) {
        abandoned = true;
        entries.length = 0;
        onAbandon();
      }
      return { done: true, value: undefined };
    },
  };

  return {
    get outstanding() {
      return entries.length;
    },
    get abandoned() {
      return abandoned;
    },
    reserve() {
      const e: Entry<T> = { state: 'pending' };
      if (!abandoned) entries.push(e);
      return {
        settle(value) {
          if (e.state !== 'pending') return;
          e.state = 'ok';
          e.value = value;
          notify();
        },
        fail(err) {
          if (e.state !== 'pending') return;
          e.state = 'failed';
          e.error = err;
          notify();
        },
      };
    },
    end() {
      ended = true;
      notify();
    },
    [Symbol.asyncIterator]() {
      // One reader: a second one would silently steal results from the first.
      if (iterated) throw new InferenceError('INFER_BAD_CONFIG', `results of ${label} can be read only once`);
      iterated = true;
      return iterator;
    },
  };
}
