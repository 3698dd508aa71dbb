import type { Frame } from '@aima/ingest';
import type { Detector, DetectTimings } from '../detect/detector.ts';
import type { Detection } from '../detect/types.ts';

export interface SchedulerOptions {
  readonly detector: Detector;
  /** Most frames in one model call (default: the detector's maxBatch). */
  readonly maxBatch?: number;
  /**
   * While a call is running, how long a partial batch may wait for more frames before it is sent
   * anyway (nvstreammux's batched-push-timeout). An idle model never waits. Default 10 ms.
   */
  readonly batchTimeoutMs?: number;
  /** Frames queued per source before the oldest is dropped (default 4). */
  readonly queueCapacity?: number;
  /** Model calls running at once (default: the detector's instances plus one being prepared). */
  readonly maxInFlight?: number;
}

export interface AttachOptions {
  /** Weight in the fair share: under overload a source gets slots in proportion to it (default 1, 0.01-100). */
  readonly priority?: number;
  /** Size of the source picture, when ingest scaled frames down: boxes are reported in it. */
  readonly sourceWidth?: number;
  readonly sourceHeight?: number;
}

/** What a result keeps of its frame (the pixels are released once the model has them). */
export interface FrameMeta {
  readonly seq: number;
  readonly ts: number;
  readonly ptsMs: number;
  readonly receivedAt?: number;
}

export interface ScheduledResult {
  readonly frame: FrameMeta;
  readonly detections: Detection[];
  /** This frame's share of its batch's timings. */
  readonly timings: DetectTimings;
  /** Frames in the model call this one rode in, from any source. */
  readonly batchSize: number;
}

/** Counters of one source; submitted = analysed + dropped + failed + queued + inFlight. */
export interface SourceStats {
  readonly submitted: number;
  /** Discarded before reaching the model: the oldest queued frames when the queue was full. */
  readonly dropped: number;
  /** Frames the model finished. */
  readonly analysed: number;
  /** Frames whose model call failed. */
  readonly failed: number;
  readonly queued: number;
  readonly inFlight: number;
}

export interface ScheduledSource {
  readonly id: string;
  readonly priority: number;
  /** Detached by the caller, by the results reader leaving or failing, or by the scheduler closing. */
  readonly detached: boolean;
  readonly stats: SourceStats;
  /**
   * Queues a frame for analysis and returns at once (never waits for the model). When the queue
   * is full, the oldest queued frame is dropped and counted. INFER_CLOSED once detached.
   */
  submit(frame: Frame): void;
  /**
   * Resolves when a submit would not drop a frame (or the source is detached). For sources that
   * must not lose frames (files): wait on it before reading the next frame from ingest.
   */
  ready(): Promise<void>;
  /**
   * Results in submission order; dropped frames never appear. Read it once, and keep reading:
   * results waiting for the reader count against the source's share, so a stalled reader makes
   * its source drop frames rather than grow memory. Leaving the loop early detaches the source.
   * Throws the model's error (and detaches) if a call with this source's frames fails.
   */
  readonly results: AsyncIterable<ScheduledResult>;
  /** No more frames: the queued ones are still analysed, their results delivered, then results end. */
  detach(): void;
}

export interface SchedulerStats {
  /** Model calls made. */
  readonly calls: number;
  /** Frames sent to the model. */
  readonly frames: number;
  readonly inFlight: number;
  readonly sources: number;
}

/**
 * Batches frames from many sources into shared model calls with a weighted fair share per source
 * and bounded drop-oldest queues, so slow inference never blocks ingest.
 */
export interface Scheduler {
  readonly maxBatch: number;
  readonly maxInFlight: number;
  readonly stats: SchedulerStats;
  readonly closed: boolean;
  /** INFER_BAD_CONFIG for a duplicate id or bad priority; INFER_CLOSED after close(). */
  attach(sourceId: string, opts?: AttachOptions): ScheduledSource;
  /**
   * Detaches every source, dropping frames still queued (counted), and resolves once running calls
   * have finished and their results are handed over. Idempotent; does not close the detector.
   */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}
