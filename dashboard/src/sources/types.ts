import type { Placement } from './executor.ts';
import type { DecodeMode, SourceRef } from '@aima/ingest';
import type { ServerMessage, SourceView } from '../protocol.ts';

export interface AddSourceRequest {
  /** File path on this machine or stream URL. */
  readonly input: string;
  readonly fps: number;
  readonly realtime: boolean;
  /** How much of the video to decode (default: see DecodeMode). */
  readonly decode?: DecodeMode;
  /** Scheduler weight under overload (default 1). */
  readonly priority?: number;
  readonly id?: string;
  /** Analyzer ids to run (default: the runtime's default set). */
  readonly analyzers?: readonly string[];
  /** The job this source belongs to. */
  readonly jobId?: string;
  /** Where it may run (default: anywhere). */
  readonly placement?: Placement;
  /**
   * A prepared input instead of parsing `input` (a WHIP publisher's relay, kind 'whip'): not kept
   * for restarts, as what it reads ends with this process.
   */
  readonly source?: SourceRef;
  /**
   * When a source with this id exists, is of the same kind and is not running (stopped, failed,
   * done): continue it — same id, its history kept, new results appended — instead of
   * SOURCE_EXISTS. A WHIP publisher going live again under the same URL (OBS) does this.
   */
  readonly continueIdle?: boolean;
}

/** Live messages for one source (frame previews, windows, tracks). */
export type SourceLiveMessage = Extract<
  ServerMessage,
  { type: 'frame' | 'window' | 'track' | 'analyzer' | 'analyzer-error' }
>;

export type SourceListener = (msg: SourceLiveMessage) => void;
/** Source added, changed (status or ~1/s stats), or removed (view = null). */
export type SourceChangeListener = (sourceId: string, view: SourceView | null) => void;

export interface SourceManagerStats {
  readonly running: number;
  readonly queued: number;
  /** Per source: frames in (decoded), analysed, dropped. */
  readonly perSource: ReadonlyArray<{
    readonly id: string;
    readonly framesIn: number;
    readonly analysed: number;
    readonly dropped: number;
    readonly queueDepth: number;
    /** Live sources: the connection state (null for files) and reconnections so far. */
    readonly connection: string | null;
    readonly reconnects: number;
  }>;
}

/**
 * Runs analysis jobs for sources in the background, at most `maxConcurrent` at once (the rest wait
 * as 'pending'), and fans their live results out to subscribers. Subscribers get JPEG previews only
 * while subscribed (encoding costs CPU). A listener that throws is isolated from the others.
 */
export interface SourceManager {
  /** Validates the input (INGEST_FILE_NOT_FOUND, INGEST_UNSUPPORTED_URL, ...) and starts or queues the job. */
  add(req: AddSourceRequest): Promise<SourceView>;
  list(): Promise<SourceView[]>;
  /**
   * At start-up: resumes what a restart or crash cut off (sources the store says are pending or
   * running): streams come back, files start over, sources of a job are failed as interrupted for
   * their job to retry. Returns the resumed sources.
   */
  recover(): Promise<SourceView[]>;
  get(id: string): Promise<SourceView | null>;
  /** Stops a pending or running job (status → stopped); results so far are kept. SOURCE_NOT_FOUND if unknown. */
  stop(id: string): Promise<SourceView>;
  /** Stops it if needed and deletes the source and all its results. SOURCE_NOT_FOUND if unknown. */
  remove(id: string): Promise<void>;
  /** Live messages of one source; returns the unsubscribe function. */
  subscribe(id: string, listener: SourceListener): () => void;
  onChange(listener: SourceChangeListener): () => void;
  /** Resolves when the job of `id` has finished (done, failed or stopped). */
  settled(id: string): Promise<SourceView | null>;
  /** Called with inference ms per frame and store flush ms, for metrics histograms. */
  onTiming(listener: (kind: 'infer' | 'store', ms: number) => void): () => void;
  readonly stats: SourceManagerStats;
  /**
   * The real input of a running source, credentials included (the store only has the redacted
   * address), for the live video feed; null when it is not running. Never serialised.
   */
  videoInput(id: string): Promise<{
    input: SourceRef;
    realtime: boolean;
    epochMs: number;
    /** Source clock minus arrival time, now (see VideoInput.clockOffsetMs). */
    clockOffsetMs?: () => number;
  } | null>;
  /** Stops every job (marking them stopped) and waits for them. */
  close(): Promise<void>;
}
