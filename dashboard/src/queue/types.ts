import { DashboardError } from '../errors.ts';

/**
 * The job queue shared by both adapters (embedded: state in ClickHouse, one process; redis: many
 * processes). Entries belong to a group (a job) that can be paused, resumed and cancelled as one.
 *
 * `attempts` counts the claims of an entry that were not released: 1 on the first lease, +1 on each
 * later claim after a retry or after a lease expired (a crashed owner used up an attempt);
 * release() gives the attempt back.
 */
export interface QueueEntry<P> {
  readonly id: string;
  readonly group: string;
  readonly payload: P;
  readonly priority: number;
  readonly attempts: number;
}

export interface Lease<P> extends QueueEntry<P> {
  readonly owner: string;
  /** Epoch ms; after it, recoverExpired() (or any claim) may hand the entry to someone else. */
  readonly leaseUntil: number;
}

export interface QueueCounts {
  /** Due entries of groups that are not paused (claimable now). */
  readonly waiting: number;
  readonly active: number;
  /** Entries waiting for their delay (retry backoff) to pass, paused groups included. */
  readonly delayed: number;
  /** Finished entries still retained (the newest MAX_FINISHED per queue). */
  readonly done: number;
  readonly failed: number;
  /** Due entries of paused groups (not claimable until resumeGroup). */
  readonly paused: number;
}

export interface JobQueue<P> {
  readonly kind: 'embedded' | 'redis';
  /** Idempotent by id: an id the queue already holds (in any state) is left as it is. */
  add(e: { id: string; group: string; payload: P; priority?: number; delayMs?: number }): Promise<void>;
  /** Highest priority first, then oldest; skips paused groups and not-yet-due entries. */
  claim(owner: string, opts?: { leaseMs?: number; groups?: readonly string[] }): Promise<Lease<P> | null>;
  /** Throws QUEUE_LEASE_LOST unless `owner` holds the entry (an expired, not yet recovered lease still counts). */
  complete(id: string, owner: string): Promise<void>;
  fail(id: string, owner: string, opts: { retry: boolean; delayMs?: number }): Promise<'retrying' | 'failed'>;
  /** Back to waiting, attempt not counted. */
  release(id: string, owner: string): Promise<void>;
  extend(id: string, owner: string, leaseMs: number): Promise<void>;
  pauseGroup(group: string): Promise<void>;
  resumeGroup(group: string): Promise<void>;
  /** Cancel: waiting and delayed entries are gone (a later add of the same id adds it anew); active ones finish. */
  removeGroup(group: string): Promise<void>;
  /** Expired leases back to waiting (crashed owners); returns how many. */
  recoverExpired(now?: number): Promise<number>;
  counts(group?: string): Promise<QueueCounts>;
  close(): Promise<void>;
}

/** Bound on entries not yet finished (waiting + delayed + active); add() beyond it throws QUEUE_FULL. */
export const MAX_PENDING = 100_000;
/** Finished entries remembered per queue for idempotent add() and counts(); the oldest are forgotten. */
export const MAX_FINISHED = 100_000;
export const DEFAULT_LEASE_MS = 60_000;
/** Priorities are integers in this range; larger is more urgent. */
export const MIN_PRIORITY = -1000;
export const MAX_PRIORITY = 1000;
const MAX_DELAY_MS = 30 * 24 * 3_600_000;
const MAX_ID_CHARS = 512;

export function queueError(
  code: 'QUEUE_UNAVAILABLE' | 'QUEUE_LEASE_LOST' | 'QUEUE_FULL' | 'QUEUE_INVALID',
  message: string,
  cause?: unknown,
): DashboardError {
  return new DashboardError(code, message, cause === undefined ? undefined : { cause });
}

export function checkName(what: string, v: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_ID_CHARS) {
    throw queueError('QUEUE_INVALID', `${what} must be 1–${MAX_ID_CHARS} characters`);
  }
  return v;
}

export function checkPriority(p: number | undefined): number {
  const v = p ?? 0;
  if (!Number.isInteger(v) || v < MIN_PRIORITY || v > MAX_PRIORITY) {
    throw queueError('QUEUE_INVALID', `priority must be an integer in ${MIN_PRIORITY}..${MAX_PRIORITY}`);
  }
  return v;
}

export function checkDelay(what: string, ms: number | undefined, fallback: number): number {
  const v = ms ?? fallback;
  if (!Number.isFinite(v) || v < 0 || v > MAX_DELAY_MS) {
    throw queueError('QUEUE_INVALID', `${what} must be 0..${MAX_DELAY_MS} ms`);
  }
  return Math.round(v);
}

export function checkLease(ms: number | undefined): number {
  const v = checkDelay('leaseMs', ms, DEFAULT_LEASE_MS);
  if (v < 1) throw queueError('QUEUE_INVALID', 'leaseMs must be at least 1 ms');
  return v;
}

/** Payloads travel as JSON text; refuse what would not come back the same (undefined, functions). */
export function encodePayload(payload: unknown): string {
  const text = JSON.stringify(payload);
  if (text === undefined) throw queueError('QUEUE_INVALID', 'payload must be JSON-serialisable');
  return text;
}

export function lostLease(id: string, owner: string): DashboardError {
  return queueError('QUEUE_LEASE_LOST', `queue entry ${id} is not leased by ${owner}`);
}
