// Cost maths of rented GPU instances, as pure functions: the pool feeds them timestamps and rates,
// they return seconds and dollars. No clock, no I/O, so every rounding rule is unit-tested.
//
// Two meters run side by side for every instance:
// - the *billed* meter mirrors what the provider charges: per second at the instance's rate, from
//   the moment the provider says it started (RunPod `startedAt`, Vast `start_date`) until the
//   terminate call was confirmed, a started second counting in full. The ledger rows are this
//   meter, so their sum equals the provider's bill to the second.
// - the *conservative* meter starts at the create request instead, and is what the budget guard
//   compares against the budget. It is never below the billed meter, so a budget the guard keeps
//   is a budget the bill keeps.

/** Whole seconds billed between `startedAt` and `at` (a started second counts; never negative). */
export function billedSeconds(startedAt: number, at: number): number {
  if (!(Number.isFinite(startedAt) && Number.isFinite(at))) return 0;
  return Math.max(0, Math.ceil((at - startedAt) / 1000));
}

/** USD for `seconds` at `ratePerHour` (USD per hour), per-second billing. */
export function amountUsd(seconds: number, ratePerHour: number): number {
  return (seconds * ratePerHour) / 3600;
}

/** One ledger row: a slice [fromTs, toTs] of an instance's billed time. */
export interface LedgerSlice {
  readonly fromTs: number;
  readonly toTs: number;
  readonly seconds: number;
  readonly ratePerHour: number;
  readonly amountUsd: number;
}

/**
 * The billed slice [fromTs, toTs] of an instance that started at `startedAt`. Seconds are the
 * difference of the cumulative billed seconds at both ends, so any cut of the timeline into
 * slices sums to exactly `billedSeconds(startedAt, end)`: rounding happens once, not per row.
 */
export function ledgerSlice(
  startedAt: number,
  fromTs: number,
  toTs: number,
  ratePerHour: number,
): LedgerSlice {
  const from = Math.max(fromTs, startedAt);
  const to = Math.max(toTs, from);
  const seconds = billedSeconds(startedAt, to) - billedSeconds(startedAt, from);
  return { fromTs: from, toTs: to, seconds, ratePerHour, amountUsd: amountUsd(seconds, ratePerHour) };
}

/** Totals of ledger rows. */
export function sumLedger(rows: readonly { readonly seconds: number; readonly amountUsd: number }[]): {
  seconds: number;
  amountUsd: number;
} {
  let seconds = 0;
  let usd = 0;
  for (const r of rows) {
    seconds += r.seconds;
    usd += r.amountUsd;
  }
  return { seconds, amountUsd: usd };
}

/** What the conservative meter needs of an instance. */
export interface MeteredInstance {
  /** When the create request was sent (the meter starts there, before the provider's start). */
  readonly createdAt: number;
  readonly ratePerHour: number;
  /** When terminate was confirmed; null while it may still cost. */
  readonly endedAt: number | null;
}

/** Conservative cost of an instance at `at`: from the create request, whole seconds rounded up. */
export function conservativeCost(i: MeteredInstance, at: number): number {
  const end = i.endedAt === null ? at : Math.min(at, i.endedAt);
  return amountUsd(billedSeconds(i.createdAt, end), i.ratePerHour);
}

/** Start of the UTC day containing `at` (the daily budget's window). */
export function utcDayStart(at: number): number {
  const d = new Date(at);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
}
