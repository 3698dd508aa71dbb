import type { Driver } from './driver.ts';
import type { Run } from './run.ts';

/** DDL of this part of the schema (one migration step; see migrations.ts). */
export const WORKERS_DDL: readonly string[] = [];

/** The worker part of the Store. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface WorkerStoreMethods {}

export function createWorkerMethods(driver: Driver, run: Run): WorkerStoreMethods {
  void driver;
  void run;
  return {};
}
