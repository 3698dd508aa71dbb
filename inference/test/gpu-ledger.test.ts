// The cost guard's pure maths: billed seconds, ledger slices that sum exactly, the conservative
// meter, and the start / per-instance / daily decisions.
import { describe, expect, it } from 'vitest';
import {
  amountUsd,
  billedSeconds,
  conservativeCost,
  ledgerSlice,
  sumLedger,
  utcDayStart,
} from '../src/gpu/ledger.ts';
import {
  dailyBudgetExceeded,
  decideInstance,
  decideStart,
  type GuardTimings,
  type InstanceSnapshot,
} from '../src/gpu/guard.ts';

const T0 = Date.UTC(2026, 11, 6, 10, 0, 0);
const timings: GuardTimings = {
  horizonMs: 2000,
  bootTimeoutMs: 600_000,
  idleTimeoutMs: 300_000,
  drainGraceMs: 0,
};

function snap(over: Partial<InstanceSnapshot> = {}): InstanceSnapshot {
  return {
    jobId: 'j1',
    createdAt: T0,
    ratePerHour: 3.6, // $0.001 per second: easy sums
    endedAt: null,
    phase: 'ready',
    jobBudgetUsd: 1,
    jobSpentUsd: 0,
    providerLost: false,
    drainedAt: null,
    idleSince: null,
    ...over,
  };
}

describe('billed seconds and ledger slices', () => {
  it('counts a started second in full and never goes negative', () => {
    expect(billedSeconds(T0, T0)).toBe(0);
    expect(billedSeconds(T0, T0 + 1)).toBe(1);
    expect(billedSeconds(T0, T0 + 1000)).toBe(1);
    expect(billedSeconds(T0, T0 + 1001)).toBe(2);
    expect(billedSeconds(T0, T0 - 5000)).toBe(0);
    expect(amountUsd(3600, 0.44)).toBeCloseTo(0.44, 12);
  });

  it('slices cut anywhere sum to the whole, rounding once', () => {
    const start = T0 + 137;
    const end = start + 61_499;
    // Cut at odd points, as ledger flushes land between provider seconds.
    const cuts = [start, start + 250, start + 9_999, start + 10_001, start + 33_333, end];
    const rows = cuts.slice(1).map((to, i) => ledgerSlice(start, cuts[i]!, to, 0.44));
    const total = sumLedger(rows);
    expect(total.seconds).toBe(billedSeconds(start, end));
    expect(total.seconds).toBe(62);
    expect(total.amountUsd).toBeCloseTo(amountUsd(62, 0.44), 12);
  });

  it('bills nothing before the provider started the instance', () => {
    const s = ledgerSlice(T0 + 5000, T0, T0 + 4000, 1);
    expect(s.seconds).toBe(0);
    expect(s.fromTs).toBe(T0 + 5000);
    expect(s.toTs).toBe(T0 + 5000);
  });

  it('the conservative meter is never below the billed one', () => {
    const startedAt = T0 + 42_300; // provider started 42.3 s after our create request
    for (const at of [T0, T0 + 40_000, T0 + 42_301, T0 + 100_000, T0 + 3_600_000]) {
      const billed = amountUsd(billedSeconds(startedAt, at), 0.5);
      expect(conservativeCost({ createdAt: T0, ratePerHour: 0.5, endedAt: null }, at)).toBeGreaterThanOrEqual(
        billed,
      );
    }
    // Once ended it stops growing.
    const ended = { createdAt: T0, ratePerHour: 3.6, endedAt: T0 + 10_000 };
    expect(conservativeCost(ended, T0 + 99_000)).toBeCloseTo(0.01, 12);
  });

  it('finds the UTC day', () => {
    expect(utcDayStart(Date.UTC(2026, 11, 6, 23, 59, 59, 999))).toBe(Date.UTC(2026, 11, 6));
  });
});

describe('start decision', () => {
  const base = { pricePerHour: 3.6, horizonMs: 2000, dailyBudgetUsd: null, dailySpentUsd: 0 };

  it('refuses a budget of 0 and one that cannot cover the first horizon', () => {
    expect(decideStart({ ...base, budgetUsd: 0 })).toMatchObject({ ok: false, code: 'GPU_BUDGET_EXCEEDED' });
    expect(decideStart({ ...base, budgetUsd: 0.0019 })).toMatchObject({
      ok: false,
      code: 'GPU_BUDGET_EXCEEDED',
    });
    expect(decideStart({ ...base, budgetUsd: 0.002 })).toEqual({ ok: true });
  });

  it('refuses when today already spent the daily budget', () => {
    expect(decideStart({ ...base, budgetUsd: 5, dailyBudgetUsd: 1, dailySpentUsd: 0.999 })).toMatchObject({
      ok: false,
      code: 'GPU_DAILY_BUDGET_EXCEEDED',
    });
    expect(decideStart({ ...base, budgetUsd: 5, dailyBudgetUsd: 1, dailySpentUsd: 0.5 })).toEqual({
      ok: true,
    });
  });
});

describe('instance decision', () => {
  it('stops one horizon before the budget would be passed', () => {
    // $0.001/s, budget $0.1 = 100 s; with a 2 s horizon it must stop at 98 s, not later.
    const s = snap({ jobBudgetUsd: 0.1 });
    expect(decideInstance(s, T0 + 97_000, timings)).toEqual({ action: 'keep' });
    expect(decideInstance(s, T0 + 98_001, timings)).toMatchObject({
      action: 'terminate',
      code: 'GPU_BUDGET_EXCEEDED',
    });
    // Money spent by the job's earlier instances counts.
    expect(decideInstance({ ...s, jobSpentUsd: 0.05 }, T0 + 49_000, timings)).toMatchObject({
      code: 'GPU_BUDGET_EXCEEDED',
    });
  });

  it('the budget check comes before every other reason', () => {
    const s = snap({ jobBudgetUsd: 0.001, providerLost: true, drainedAt: T0 });
    expect(decideInstance(s, T0 + 5000, timings)).toMatchObject({ code: 'GPU_BUDGET_EXCEEDED' });
  });

  it('ends lost, drained, boot-timed-out and idle instances', () => {
    expect(decideInstance(snap({ providerLost: true }), T0 + 1000, timings)).toMatchObject({
      code: 'GPU_INSTANCE_LOST',
    });
    expect(decideInstance(snap({ drainedAt: T0 + 500 }), T0 + 1000, timings)).toMatchObject({
      code: 'GPU_JOB_DRAINED',
    });
    expect(
      decideInstance(snap({ drainedAt: T0 + 500 }), T0 + 1000, { ...timings, drainGraceMs: 10_000 }),
    ).toEqual({
      action: 'keep',
    });
    expect(decideInstance(snap({ phase: 'booting' }), T0 + 599_999, timings)).toEqual({ action: 'keep' });
    expect(decideInstance(snap({ phase: 'booting' }), T0 + 600_000, timings)).toMatchObject({
      code: 'GPU_BOOT_TIMEOUT',
    });
    // Idle counts only for a ready worker with no assignment.
    expect(decideInstance(snap({ idleSince: T0 }), T0 + 299_000, timings)).toEqual({ action: 'keep' });
    expect(decideInstance(snap({ idleSince: T0 }), T0 + 300_000, timings)).toMatchObject({
      code: 'GPU_IDLE_TIMEOUT',
    });
    expect(decideInstance(snap({ phase: 'booting', idleSince: T0 }), T0 + 300_000, timings)).toEqual({
      action: 'keep',
    });
  });
});

describe('daily budget', () => {
  it('sums ended and open instances one horizon ahead', () => {
    const open = [{ createdAt: T0, ratePerHour: 3.6, endedAt: null }];
    expect(dailyBudgetExceeded(null, 100, open, T0, 2000)).toBe(false);
    expect(dailyBudgetExceeded(0.1, 0.05, open, T0 + 47_000, 2000)).toBe(false);
    expect(dailyBudgetExceeded(0.1, 0.05, open, T0 + 48_500, 2000)).toBe(true);
  });
});
