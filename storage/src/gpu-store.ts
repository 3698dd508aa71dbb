import type { Driver } from './driver.ts';
import type { Run } from './run.ts';

/** DDL of this part of the schema (one migration step; see migrations.ts). */
export const GPU_DDL: readonly string[] = [];

/** The gpu part of the Store. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface GpuStoreMethods {}

export function createGpuMethods(driver: Driver, run: Run): GpuStoreMethods {
  void driver;
  void run;
  return {};
}
