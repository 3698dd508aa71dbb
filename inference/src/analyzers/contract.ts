import type { ZodType, ZodTypeDef } from 'zod';
import type { ExecutionProvider } from '../ort/protocol.ts';
import type { ModelSession } from '../ort/session.ts';
import type { ResolvedModel } from '../models/registry.ts';

/**
 * The analyzer contract (issue 9). Everything AIMA sees or hears comes from an analyzer: one
 * folder with a definition (id, version, models, what it consumes, a Zod config with defaults,
 * what it produces) and a factory for per-source instances. The job host feeds instances their
 * inputs and stores what they emit; it never knows what a given analyzer does. Inputs and outputs
 * are plain JSON-able data (typed arrays for samples/pixels), so an instance can run on a remote
 * worker and stream its result batches back.
 */

/** Stable analyzer id as users type it (`--analyzers detect,faces,vad`). */
export type AnalyzerId = string;

/** What an analyzer consumes. */
export type AnalyzerInput =
  /** Decoded video frames at the job's analysis rate (colour order as the frame says). */
  | { readonly kind: 'video'; readonly minLongSide?: number }
  /** 16 kHz mono float32 chunks, in order, on the same clock as the frames. */
  | { readonly kind: 'audio'; readonly sampleRate: 16000 }
  /** Result batches emitted by other analyzers of the same job (in emission order). */
  | {
      readonly kind: 'results';
      readonly of: readonly AnalyzerId[];
      readonly tables?: readonly string[];
      /** Used when chosen, but not pulled in by choosing this analyzer (default: required). */
      readonly optional?: boolean;
    };

/** Timeline lanes the dashboard knows how to draw. */
export type LaneKind =
  | 'detections'
  | 'faces'
  | 'shots'
  | 'speech'
  | 'transcript'
  | 'speakers'
  | 'sound-events'
  | 'loudness'
  | 'pose'
  | 'tags'
  | 'age'
  | 'nsfw'
  | 'safety'
  | 'none';

/** One thing an analyzer produces: rows for a stable table, a live message kind, a lane. */
export interface AnalyzerOutput {
  /** ClickHouse table the rows go to ('' when the output is only live or only for dependents). */
  readonly table: string;
  /** `kind` of the live WebSocket message carrying it ('' when not pushed live). */
  readonly live: string;
  readonly lane: LaneKind;
}

/** Rows for one table. Rows are plain objects (camelCase record fields, numbers, strings, arrays). */
export interface ResultBatch<R = unknown> {
  readonly table: string;
  readonly rows: readonly R[];
  /** Rows only for dependents (results inputs), not stored by the host. */
  readonly transient?: boolean;
}

/** A live message for viewers of the source; may be dropped for slow viewers (results never are). */
export interface LiveResult<D = unknown> {
  readonly kind: string;
  /** Wall-clock ms (same clock as frames) the message is about. */
  readonly ts: number;
  readonly data: D;
}

/** One 16 kHz mono audio chunk as analyzers get it. */
export interface AudioInput {
  readonly seq: number;
  /** Media time of the first sample, ms. */
  readonly ptsMs: number;
  /** Wall-clock ms of the first sample (frames and chunks share this clock). */
  readonly ts: number;
  readonly sampleRate: number;
  readonly samples: Float32Array;
}

/** One analysed video frame with the results upstream analyzers produced for it. */
export interface VideoInput {
  readonly seq: number;
  readonly ptsMs: number;
  readonly ts: number;
  readonly width: number;
  readonly height: number;
  readonly format: 'rgb24' | 'bgr24';
  readonly data: Uint8Array;
  /** Size of the source picture (boxes are in its pixels). */
  readonly sourceWidth: number;
  readonly sourceHeight: number;
}

/** What the host gives an instance. */
export interface AnalyzerContext {
  readonly sourceId: string;
  readonly live: boolean;
  /** Wall-clock ms of media time 0. */
  readonly epochMs: number;
  readonly executionProvider: ExecutionProvider;
  /** Every analyzer running on this source (an optional producer is used only when it runs). */
  readonly running: readonly AnalyzerId[];
  /** The models the definition declared, resolved (sha256-checked) by the runtime. */
  readonly models: ReadonlyMap<string, ResolvedModel>;
  /**
   * A model session shared by every source of this runtime (one ORT worker per model, loaded
   * once): instances must not close it.
   */
  session(modelId: string): Promise<ModelSession>;
  /**
   * Hands a batch to the host: stored in its table (bounded writer: the promise waits for room,
   * nothing is dropped) and passed on to dependents.
   */
  emit(batch: ResultBatch): Promise<void>;
  /** Pushes a live message to the source's viewers (best effort). */
  pushLive(msg: LiveResult): void;
  /**
   * Reports a failure of this analyzer alone (coded error): the host stores it, stops feeding the
   * instance, and the rest of the job goes on.
   */
  fail(err: Error): void;
  /**
   * Runtime services an analyzer may use by name (the shared scheduler, the persons service...):
   * in-process they are the real objects; a remote worker provides proxies. Throws
   * INFER_ANALYZER_FAILED when the runtime has no such service.
   */
  service<T>(name: string): T;
  readonly signal: AbortSignal;
}

/** A running analyzer for one source. Calls arrive in order; each awaits the previous one. */
export interface AnalyzerInstance {
  video?(frame: VideoInput): Promise<void>;
  audio?(chunk: AudioInput): Promise<void>;
  /** A batch emitted by an analyzer this one consumes. */
  results?(from: AnalyzerId, batch: ResultBatch): Promise<void>;
  /** A discontinuity (live reconnect, or the audio clock jumped): reset windows, keep totals. */
  gap?(atTs: number): Promise<void>;
  /** End of input: emit everything still pending. */
  finish(): Promise<void>;
  /** JSON-able totals for summaries (`aima analyze`, the source row's meta). */
  summary?(): Readonly<Record<string, unknown>>;
  /** Frees what the instance owns (never the shared sessions). Idempotent. */
  close(): Promise<void>;
}

/** One analyzer: a folder with this definition, plus one registry line. */
export interface AnalyzerDefinition<C = unknown> {
  readonly id: AnalyzerId;
  readonly version: string;
  readonly title: string;
  readonly description: string;
  /** Model registry ids it needs (resolved and sha256-checked before the job starts). */
  readonly models: readonly string[];
  readonly consumes: readonly AnalyzerInput[];
  readonly config: ZodType<C, ZodTypeDef, unknown>;
  /** Runs when no analyzer set is chosen. */
  readonly defaultOn: boolean;
  readonly produces: readonly AnalyzerOutput[];
  /**
   * 'minor-protection': the analyzer looks at sexual content and runs only behind the age gate
   * (inference/src/analyzers/minor-gate.ts, applied by the host on every path: files, live, the
   * seed API, workers). It refuses to start without the age analyzer, and stops (quarantining the
   * source) the moment a face is a likely minor or cannot be aged.
   */
  readonly gate?: 'minor-protection';
  create(ctx: AnalyzerContext, config: C): Promise<AnalyzerInstance>;
}

/** Erases the config type for registries (each definition still validates its own config). */
export type AnyAnalyzerDefinition = AnalyzerDefinition<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
