// The cost guard's decisions, as pure functions of a snapshot: may a job start, and what must happen
// to a running instance now. The pool takes a snapshot every tick and carries out the answer.
import { amountUsd, billedSeconds, conservativeCost, type MeteredInstance } from './ledger.ts';

/** Why the guard ends an instance (also the instance's and the job's error code, where one). */
export type GuardCode =
  | 'GPU_BUDGET_EXCEEDED'
  | 'GPU_DAILY_BUDGET_EXCEEDED'
  | 'GPU_BOOT_TIMEOUT'
  | 'GPU_IDLE_TIMEOUT'
  | 'GPU_INSTANCE_LOST'
  | 'GPU_JOB_DRAINED';

export type GuardDecision =
  | { readonly action: 'keep' }
  | { readonly action: 'terminate'; readonly code: GuardCode; readonly reason: string };

const KEEP: GuardDecision = Object.freeze({ action: 'keep' });

/** Formats dollars for reasons shown to the user (cents are not enough for per-second sums). */
export function usd(n: number): string {
  return `$${n.toFixed(4)}`;
}

export interface StartCheck {
  readonly budgetUsd: number;
  readonly pricePerHour: number;
  /** How far ahead the guard looks: one tick plus the time a terminate may take. */
  readonly horizonMs: number;
  /** Daily budget over all jobs (null: none) and what today already cost (conservatively). */
  readonly dailyBudgetUsd: number | null;
  readonly dailySpentUsd: number;
}

/**
 * May an instance at `pricePerHour` start for a job with `budgetUsd`? It must afford at least the
 * first horizon; otherwise the guard would have to stop it before it could do anything. A budget
 * of 0 (or less) never starts anything.
 */
export function decideStart(c: StartCheck): { ok: true } | { ok: false; code: GuardCode; reason: string } {
  const first = amountUsd(billedSeconds(0, c.horizonMs), c.pricePerHour);
  if (!(c.budgetUsd > 0) || first > c.budgetUsd) {
    return {
      ok: false,
      code: 'GPU_BUDGET_EXCEEDED',
      reason: `job budget ${usd(c.budgetUsd)} does not cover the first ${Math.ceil(c.horizonMs / 1000)} s at ${usd(c.pricePerHour)}/h`,
    };
  }
  if (c.dailyBudgetUsd !== null && c.dailySpentUsd + first > c.dailyBudgetUsd) {
    return {
      ok: false,
      code: 'GPU_DAILY_BUDGET_EXCEEDED',
      reason: `daily GPU budget ${usd(c.dailyBudgetUsd)} reached (spent ${usd(c.dailySpentUsd)} today)`,
    };
  }
  return { ok: true };
}

/** One instance as the guard sees it at a tick. */
export interface InstanceSnapshot extends MeteredInstance {
  readonly jobId: string;
  /** booting: created, its worker not online yet; ready: its worker is online. */
  readonly phase: 'booting' | 'ready';
  /** The job's budget and what its other (ended) instances already cost, conservatively. */
  readonly jobBudgetUsd: number;
  readonly jobSpentUsd: number;
  /** The provider says it is gone, failed or stopped (it can no longer do work). */
  readonly providerLost: boolean;
  /** When the job's work drained (null: not drained). */
  readonly drainedAt: number | null;
  /** Since when its worker has had no assignment (null: busy, or not online yet). */
  readonly idleSince: number | null;
}

export interface GuardTimings {
  /** Look-ahead of the budget check: one tick plus the time a terminate may take. */
  readonly horizonMs: number;
  readonly bootTimeoutMs: number;
  readonly idleTimeoutMs: number;
  /** Terminate this long after the job drained (≤ 60 s; 0 = at the next tick). */
  readonly drainGraceMs: number;
}

/**
 * What to do with one instance now. The budget comes first: it is a hard stop, checked against
 * the conservative meter one horizon ahead, so the instance is gone before the money is.
 */
export function decideInstance(s: InstanceSnapshot, now: number, t: GuardTimings): GuardDecision {
  const ahead = conservativeCost(s, now + t.horizonMs);
  if (s.jobSpentUsd + ahead > s.jobBudgetUsd) {
    return {
      action: 'terminate',
      code: 'GPU_BUDGET_EXCEEDED',
      reason: `job budget ${usd(s.jobBudgetUsd)} reached (cost so far ${usd(s.jobSpentUsd + conservativeCost(s, now))})`,
    };
  }
  if (s.providerLost) {
    return {
      action: 'terminate',
      code: 'GPU_INSTANCE_LOST',
      reason: 'the provider reports the instance gone or failed',
    };
  }
  if (s.drainedAt !== null && now - s.drainedAt >= t.drainGraceMs) {
    return { action: 'terminate', code: 'GPU_JOB_DRAINED', reason: 'the job has no more work' };
  }
  if (s.phase === 'booting' && now - s.createdAt >= t.bootTimeoutMs) {
    return {
      action: 'terminate',
      code: 'GPU_BOOT_TIMEOUT',
      reason: `no worker joined within ${Math.round(t.bootTimeoutMs / 1000)} s of the create request`,
    };
  }
  if (s.phase === 'ready' && s.idleSince !== null && now - s.idleSince >= t.idleTimeoutMs) {
    return {
      action: 'terminate',
      code: 'GPU_IDLE_TIMEOUT',
      reason: `its worker had no work for ${Math.round(t.idleTimeoutMs / 1000)} s`,
    };
  }
  return KEEP;
}

/**
 * The daily budget over every instance: true when today's ended cost plus every open instance one
 * horizon ahead would pass it (then every open instance is terminated).
 */
export function dailyBudgetExceeded(
  dailyBudgetUsd: number | null,
  endedTodayUsd: number,
  open: readonly MeteredInstance[],
  now: number,
  horizonMs: number,
): boolean {
  if (dailyBudgetUsd === null) return false;
  let total = endedTodayUsd;
  for (const i of open) total += conservativeCost(i, now + horizonMs);
  return total > dailyBudgetUsd;
}
