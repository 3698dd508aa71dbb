// The age estimates, NSFW scores, quarantines and the audit log (issue 11, the minor-protection gate): part of migration v10.
import type { Driver } from './driver.ts';
import type { Run } from './run.ts';
import type { Store } from './types.ts';

/** DDL of this part of the schema (migration v10; see migrations.ts). */
export const GATE_DDL: readonly string[] = [];

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface GateStoreMethods {}

export function createGateMethods(driver: Driver, run: Run): GateStoreMethods {
  void driver;
  void run;
  return {};
}

/** Tables of this part an analyzer may emit rows for (insertAnalyzerRows), and the method storing each. */
export const GATE_INSERTERS = {} satisfies Record<
  string,
  (s: Store, rows: readonly unknown[]) => Promise<void>
>;
