import type { Driver } from './driver.ts';
import type { Run } from './run.ts';

/** DDL of this part of the schema (one migration step; see migrations.ts). */
export const QUEUE_DDL: readonly string[] = [];

/** The queue part of the Store. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface QueueStoreMethods {}

export function createQueueMethods(driver: Driver, run: Run): QueueStoreMethods {
  void driver;
  void run;
  return {};
}
