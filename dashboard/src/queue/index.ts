import type { Store } from '@aima/storage';
import { createBullmqQueue } from './bullmq.ts';
import { createEmbeddedQueue } from './embedded.ts';
import type { JobQueue } from './types.ts';

export { createEmbeddedQueue } from './embedded.ts';
export type { EmbeddedQueueOptions } from './embedded.ts';
export { createBullmqQueue, redactRedisUrl } from './bullmq.ts';
export type { BullmqQueueOptions } from './bullmq.ts';
export type { JobQueue, Lease, QueueCounts, QueueEntry } from './types.ts';
export { DEFAULT_LEASE_MS, MAX_FINISHED, MAX_PENDING, MAX_PRIORITY, MIN_PRIORITY } from './types.ts';

/**
 * The control plane's job queue: on Redis (BullMQ) when `redisUrl` (REDIS_URL) is set, so several
 * processes can share it; else embedded, its state in the Store (one process owns it).
 */
export function openJobQueue<P>(
  store: Store,
  opts: { redisUrl?: string; name: string },
): Promise<JobQueue<P>> {
  if (opts.redisUrl !== undefined && opts.redisUrl !== '') {
    return createBullmqQueue<P>({ url: opts.redisUrl, name: opts.name });
  }
  return createEmbeddedQueue<P>(store, { name: opts.name });
}
