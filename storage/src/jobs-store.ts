import type { Driver } from './driver.ts';
import type { Run } from './run.ts';

/** DDL of this part of the schema (one migration step; see migrations.ts). */
export const JOBS_DDL: readonly string[] = [];

/** The job part of the Store. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface JobStoreMethods {}

export function createJobMethods(driver: Driver, run: Run): JobStoreMethods {
  void driver;
  void run;
  return {};
}
