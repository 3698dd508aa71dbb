export { createScheduler } from './scheduler.ts';
export { analyzeScheduled } from './analyze.ts';
export type { ScheduledAnalysisOptions } from './analyze.ts';
export { createFairPicker } from './fair.ts';
export type { FairPicker } from './fair.ts';
export type {
  AttachOptions,
  FrameMeta,
  ScheduledResult,
  ScheduledSource,
  Scheduler,
  SchedulerOptions,
  SchedulerStats,
  SourceStats,
} from './types.ts';
