// @aima/dashboard: the control plane — analysis jobs, the source manager, the HTTP + WebSocket
// server and the Svelte UI it serves.

export { runAnalysisJob, makeSourceId, errorFields } from './src/jobs/analysis-job.ts';
export type {
  AnalysisJobOptions,
  AnalysisSummary,
  JobHooks,
  JobProgress,
  LiveFrame,
} from './src/jobs/analysis-job.ts';
export { createAnalysisSink } from './src/jobs/sink.ts';
export type { AnalysisSink, SinkTotals } from './src/jobs/sink.ts';
export { openRuntime, openStore } from './src/runtime.ts';
export type { Runtime, RuntimeOptions } from './src/runtime.ts';
