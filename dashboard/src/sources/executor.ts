import { runAnalysisJob, type AnalysisJobOptions, type AnalysisSummary } from '../jobs/analysis-job.ts';
import type { JobRuntime } from '../runtime.ts';

/**
 * Where a source's analysis may run. `any`: wherever there is room (the local in-process worker or a
 * connected one); `local`: this process only; `workers`: connected workers only (`--no-local-worker`);
 * `instance`: only the worker of this GPU pool instance (a job started on a rented GPU).
 */
export type Placement =
  | { readonly kind: 'any' }
  | { readonly kind: 'local' }
  | { readonly kind: 'workers' }
  | { readonly kind: 'instance'; readonly instanceId: string };

export interface ExecuteOptions extends AnalysisJobOptions {
  readonly placement?: Placement;
}

/**
 * Runs one source's analysis to its end somewhere and resolves with its summary; rejects with the
 * coded error that failed it (the source row is marked failed by whoever ran it). The source
 * manager calls this and nothing else, so in-process and remote workers are interchangeable.
 */
export type Executor = (opts: ExecuteOptions) => Promise<AnalysisSummary>;

/** The in-process worker: the analysis runs in this process on the runtime's models. */
export function localExecutor(runtime: JobRuntime): Executor {
  return (opts) => runAnalysisJob(runtime, opts);
}
