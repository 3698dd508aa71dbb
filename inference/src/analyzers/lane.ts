/**
 * One analyzer instance's inbox: calls run strictly one after another, in arrival order.
 *
 * Overflow policy: media inputs (frames, audio chunks) of live sources are dropped oldest-first
 * once `limit` calls wait, and counted; files wait for room instead (backpressure reaches ingest).
 * Result batches are never dropped: their sender waits for room.
 */
export interface Lane {
  /** Queues a media input; resolves when it is queued (files: when there is room). */
  media(run: () => Promise<void>): Promise<void>;
  /** Queues a result batch (never dropped); resolves when it is queued. */
  results(run: () => Promise<void>): Promise<void>;
  /** Queues a call and resolves when it has run (or was skipped because the lane failed). */
  call(run: () => Promise<void>): Promise<void>;
  /** Resolves once everything queued so far has run. */
  idle(): Promise<void>;
  readonly dropped: number;
  readonly failed: Error | null;
}

interface Task {
  readonly run: () => Promise<void>;
  readonly media: boolean;
  readonly done?: () => void;
}

export function createLane(opts: {
  readonly limit: number;
  readonly dropMedia: boolean;
  readonly onFailure: (err: Error) => void;
}): Lane {
  const tasks: Task[] = [];
  let running = false;
  let dropped = 0;
  let failed: Error | null = null;
  let roomWaiters: Array<() => void> = [];
  let idleWaiters: Array<() => void> = [];

  const wakeRoom = (): void => {
    if (tasks.length >= opts.limit) return;
    const w = roomWaiters;
    roomWaiters = [];
    for (const f of w) f();
  };

  async function pump(): Promise<void> {
    if (running) return;
    running = true;
    while (tasks.length > 0) {
      const t = tasks.shift()!;
      wakeRoom();
      if (failed === null) {
        try {
          await t.run();
        } catch (err) {
          failed = err instanceof Error ? err : new Error(String(err));
          opts.onFailure(failed);
          // Senders waiting for room would wait forever: a failed lane takes nothing more.
          const w = roomWaiters;
          roomWaiters = [];
          for (const f of w) f();
        }
      }
      t.done?.();
    }
    running = false;
    const w = idleWaiters;
    idleWaiters = [];
    for (const f of w) f();
  }

  const room = (): Promise<void> =>
    tasks.length < opts.limit ? Promise.resolve() : new Promise((r) => roomWaiters.push(r));

  return {
    async media(run) {
      if (failed) return;
      if (opts.dropMedia) {
        if (tasks.length >= opts.limit) {
          const i = tasks.findIndex((t) => t.media);
          if (i >= 0) {
            const [old] = tasks.splice(i, 1);
            old?.done?.();
            dropped++;
          }
        }
      } else {
        while (tasks.length >= opts.limit && !failed) await room();
      }
      tasks.push({ run, media: true });
      void pump();
    },
    async results(run) {
      if (failed) return;
      while (tasks.length >= opts.limit && !failed) await room();
      tasks.push({ run, media: false });
      void pump();
    },
    call(run) {
      return new Promise<void>((resolve) => {
        tasks.push({ run, media: false, done: resolve });
        void pump();
      });
    },
    idle() {
      if (!running && tasks.length === 0) return Promise.resolve();
      return new Promise((r) => idleWaiters.push(r));
    },
    get dropped() {
      return dropped;
    },
    get failed() {
      return failed;
    },
  };
}
