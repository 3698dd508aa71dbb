// The poses and per-track pose features (issue 11, pose analyzer): part of migration v10.
import type { Driver } from './driver.ts';
import type { Run } from './run.ts';
import type { Store } from './types.ts';

/** DDL of this part of the schema (migration v10; see migrations.ts). */
export const POSE_DDL: readonly string[] = [];

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface PoseStoreMethods {}

export function createPoseMethods(driver: Driver, run: Run): PoseStoreMethods {
  void driver;
  void run;
  return {};
}

/** Tables of this part an analyzer may emit rows for (insertAnalyzerRows), and the method storing each. */
export const POSE_INSERTERS = {} satisfies Record<
  string,
  (s: Store, rows: readonly unknown[]) => Promise<void>
>;
