import type { AnalysisEvent, AnalyzerFailure, LiveResult, TrackerOptions } from '@aima/inference';
import type { DecodeMode, Frame, LiveStateChange, SourceRef } from '@aima/ingest';
import type { TrackRecord } from '@aima/storage';
import type { LiveFace } from '../protocol.ts';

// What an analysis job takes and gives: options, hooks, progress and the summary.

/** Progress of one job, for progress bars and the sources page. */
export interface JobProgress {
  readonly frames: number;
  /** Media time analysed so far, ms. */
  readonly mediaMs: number;
  /** Total media time, ms; null for live sources. */
  readonly totalMs: number | null;
  readonly dropped: number;
  /** Decoded frames waiting for analysis right now. */
  readonly buffered: number;
}

/** An analysed frame with the pixels it was analysed on, for live previews. */
export interface LiveFrame {
  readonly event: Extract<AnalysisEvent, { type: 'frame' }>;
  readonly frame: Frame;
  /** Size of the source picture: detection boxes are in its pixels, the frame may be smaller. */
  readonly sourceWidth: number;
  readonly sourceHeight: number;
  /** Faces on this frame, with their person when known (empty when faces are off). */
  readonly faces: readonly LiveFace[];
}

export interface JobHooks {
  readonly onProgress?: (p: JobProgress) => void;
  /** Every analysis event, in order (frames come with their pixels through onFrame as well). */
  readonly onEvent?: (e: AnalysisEvent) => void;
  readonly onFrame?: (f: LiveFrame) => void;
  /** Milliseconds each batched insert took (metrics). */
  readonly onStoreWrite?: (ms: number) => void;
  /** Live sources: connection state changes (connecting, live, stalled, reconnecting, failed). */
  readonly onLiveState?: (c: LiveStateChange) => void;
  /** Live results of analyzer plugins (speech, transcript, sound events, ...). */
  readonly onAnalyzerLive?: (analyzer: string, msg: LiveResult) => void;
  /** One analyzer stopped on this source (the rest of the job goes on). */
  readonly onAnalyzerFailure?: (f: AnalyzerFailure) => void;
}

export interface AnalysisJobOptions extends JobHooks {
  readonly source: SourceRef;
  readonly sourceId: string;
  /** Analysis frame rate. */
  readonly fps: number;
  readonly durationMs?: number;
  /** Read files at their native rate, as if live. */
  readonly realtime?: boolean;
  /** How much of the video to decode (default: 'fast' for paced sources far below their rate; see DecodeMode). */
  readonly decode?: DecodeMode;
  readonly window?: { readonly lengthMs?: number; readonly strideMs?: number };
  readonly tracker?: TrackerOptions;
  readonly signal?: AbortSignal;
  /** Share of the model under overload, relative to other sources (default 1). */
  readonly priority?: number;
  /** Live sources: consecutive failed connection attempts before the job fails (default: never give up). */
  readonly maxAttempts?: number;
  /** Live sources are recorded as fMP4 segments under this directory (omit: no recording). */
  readonly recordDir?: string;
  readonly segmentSeconds?: number;
  /** The job this source belongs to (stored on the source row). */
  readonly jobId?: string;
  /** Extra fields stored in the source row's meta. */
  readonly meta?: Readonly<Record<string, unknown>>;
  /** Detect faces and assign them to persons (default: on when the runtime has face models). */
  readonly faces?: boolean;
  /** Detect shot cuts (default on, except for image folders). */
  readonly shots?: boolean;
  /** Analyzer ids to run (their dependencies are added); default: the runtime's default set. */
  readonly analyzers?: readonly string[] | null;
  /** Per-analyzer config (validated by each analyzer's schema). */
  readonly analyzerConfig?: Readonly<Record<string, unknown>>;
}

export interface AnalysisSummary {
  readonly sourceId: string;
  readonly source: string;
  readonly kind: SourceRef['kind'];
  readonly live: boolean;
  readonly status: 'done' | 'stopped';
  readonly epochMs: number;
  readonly model: { readonly id: string; readonly executionProviders: readonly string[] };
  readonly fps: number;
  readonly frames: number;
  readonly droppedFrames: number;
  readonly windows: number;
  readonly mediaMs: number;
  readonly wallMs: number;
  readonly realtimeFactor: number;
  readonly analysisFps: number;
  readonly detectionsByClass: Readonly<Record<string, number>>;
  readonly tracksByClass: Readonly<Record<string, number>>;
  readonly tracks: readonly TrackRecord[];
  readonly timingsMs: { readonly pre: number; readonly infer: number; readonly post: number };
  /** Faces seen, face tracks stored as appearances, and the persons they went to (null: faces off). */
  readonly faces: {
    readonly faces: number;
    readonly goodFaces: number;
    readonly appearances: number;
    readonly persons: readonly string[];
  } | null;
  readonly shots: number;
  /** The analyzers that ran, in dependency order. */
  readonly analyzers: readonly string[];
  /** Analyzers that stopped on this source, with their coded error (the job still finished). */
  readonly analyzerFailures: readonly AnalyzerFailure[];
  /** Each analyzer's own totals (speech ms, events by label, transcript segments, ...). */
  readonly results: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Inputs (frames, audio chunks) analyzers dropped because a live source ran ahead of them. */
  readonly droppedInputs: Readonly<Record<string, number>>;
  /** Audio was decoded and analysed. */
  readonly audio: boolean;
}
