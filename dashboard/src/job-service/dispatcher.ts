import type { JobQueueLease, JobQueueLike } from './types.ts';

export interface DispatcherOptions<P> {
  readonly queue: JobQueueLike<P>;
  readonly owner: string;
  /** Entries run at once. */
  readonly maxConcurrent: number;
  readonly leaseMs: number;
  /** Polls for entries that became due (delayed retries) at this interval. */
  readonly pollMs: number;
  /** Runs one claimed entry to its end; it completes, fails or releases the entry itself. */
  readonly run: (lease: JobQueueLease<P>) => Promise<void>;
  /** A claim or run that threw (the store went away): reported, the loop goes on. */
  readonly onError?: (err: unknown) => void;
}

export interface Dispatcher {
  /** Look for work now (an entry was added, resumed or freed). */
  wake(): void;
  /** Stops claiming; resolves once no claim is in progress (runs may still be going). */
  halt(): Promise<void>;
  /** halt(), then resolves when every run in flight has returned. */
  stop(): Promise<void>;
  readonly active: number;
}

/**
 * Claims entries while there is room and runs each one, renewing its lease every third of the
 * lease time while it runs, so a crash (no renewals) hands it back after at most one lease.
 */
export function createDispatcher<P>(o: DispatcherOptions<P>): Dispatcher {
  let active = 0;
  let stopped = false;
  let pumping = false;
  let again = false;
  const inflight = new Set<Promise<void>>();

  const runOne = async (lease: JobQueueLease<P>): Promise<void> => {
    const renew = setInterval(
      () => void o.queue.extend(lease.id, o.owner, o.leaseMs).catch(() => undefined),
      Math.max(50, Math.floor(o.leaseMs / 3)),
    );
    try {
      await o.run(lease);
    } catch (err) {
      o.onError?.(err);
    } finally {
      clearInterval(renew);
    }
  };

  const pump = async (): Promise<void> => {
    if (pumping) {
      again = true;
      return;
    }
    pumping = true;
    try {
      do {
        again = false;
        while (!stopped && active < o.maxConcurrent) {
          const lease = await o.queue.claim(o.owner, { leaseMs: o.leaseMs });
          if (!lease) break;
          if (stopped) {
            await o.queue.release(lease.id, o.owner).catch(() => undefined);
            break;
          }
          active++;
          const p: Promise<void> = runOne(lease).finally(() => {
            active--;
            inflight.delete(p);
            wake();
          });
          inflight.add(p);
        }
      } while (again && !stopped);
    } catch (err) {
      o.onError?.(err);
    } finally {
      pumping = false;
    }
  };

  const wake = (): void => {
    if (!stopped) void pump();
  };
  const timer = setInterval(wake, o.pollMs);
  timer.unref();

  return {
    wake,
    get active() {
      return active;
    },
    async halt() {
      stopped = true;
      clearInterval(timer);
      while (pumping) await new Promise((r) => setTimeout(r, 10));
    },
    async stop() {
      await this.halt();
      await Promise.all([...inflight]);
    },
  };
}
