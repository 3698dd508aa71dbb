import { runAnalysisJob, type AnalysisJobOptions, type AnalysisSummary } from '../jobs/analysis-job.ts';
import type { LiveDetection, LiveFace } from '../protocol.ts';
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

/** Whether anyone watches a source's live view (the source manager's subscribers). */
export interface WatchState {
  readonly watched: boolean;
  /** Called on every change of `watched`; returns the unsubscribe. */
  onChange(l: (watched: boolean) => void): () => void;
}

/**
 * A live preview made elsewhere (a remote worker): the JPEG already encoded, boxes in source
 * pixels. `receivedAt` is the worker's wall clock when its ffmpeg handed the frame over.
 */
export interface RemotePreview {
  readonly seq: number;
  readonly ts: number;
  readonly ptsMs: number;
  readonly receivedAt: number;
  readonly width: number;
  readonly height: number;
  readonly sourceWidth: number;
  readonly sourceHeight: number;
  /** base64 JPEG of the analysed frame (width x height). */
  readonly jpeg: string;
  readonly detections: readonly LiveDetection[];
  readonly faces: readonly LiveFace[];
}

export interface ExecuteOptions extends AnalysisJobOptions {
  readonly placement?: Placement;
  /**
   * Remote runs: previews cross the network only while the source is watched. In-process runs
   * ignore this and call onFrame with the pixels (the manager encodes).
   */
  readonly watch?: WatchState;
  /** Remote runs: a preview the worker encoded (only while `watch` says watched). */
  readonly onPreview?: (p: RemotePreview) => void;
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
