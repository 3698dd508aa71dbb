// The zero-shot tags per track and frame (issue 11, tags analyzer): part of migration v10.
import type { Driver } from './driver.ts';
import type { Run } from './run.ts';
import type { Store } from './types.ts';

/** DDL of this part of the schema (migration v10; see migrations.ts). */
export const TAGS_DDL: readonly string[] = [];

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface TagsStoreMethods {}

export function createTagsMethods(driver: Driver, run: Run): TagsStoreMethods {
  void driver;
  void run;
  return {};
}

/** Tables of this part an analyzer may emit rows for (insertAnalyzerRows), and the method storing each. */
export const TAGS_INSERTERS = {} satisfies Record<
  string,
  (s: Store, rows: readonly unknown[]) => Promise<void>
>;
