// Speech recognition types (issue 9). The rows the `asr` analyzer emits are the audio records of
// ../audio/records.ts (storage keeps them as TranscriptSegmentRecord / TranscriptWord).
import type { TranscriptSegmentRow, TranscriptWordRow } from '../audio/records.ts';

export type { TranscriptSegmentRow };

/** Engines the `asr` analyzer can drive. */
export type AsrEngineId = 'pocketsphinx' | 'sherpa-whisper' | 'sherpa-zipformer';

/** One recognised word, on the wall clock (ms). */
export type AsrWord = TranscriptWordRow;

/** What an engine says about one utterance. */
export interface TranscribeResult {
  readonly text: string;
  /** BCP-47-ish code ('en'); '' when unknown. */
  readonly language: string;
  /** 0..1 (mean word posterior, or the engine's nearest equivalent). */
  readonly confidence: number;
  /** In order, times increasing; empty when the engine gives no word times. */
  readonly words: readonly AsrWord[];
  /**
   * Core-ms a child process spent decoding (pocketsphinx), which this process's CPU clock does
   * not see; absent for engines that run in this process.
   */
  readonly childCpuMs?: number;
}

/** A partial hypothesis of a streaming engine while speech goes on. */
export interface PartialResult {
  readonly text: string;
  /** The engine detected the end of an utterance (streaming endpoint). */
  readonly endpoint: boolean;
}

/** What an engine can do, for the UI and for choosing how to drive it. */
export interface TranscriberInfo {
  readonly engine: AsrEngineId;
  /** Human label, e.g. 'pocketsphinx (weak, English only)'. */
  readonly label: string;
  /** Language codes it can recognise; ['*'] for multilingual models. */
  readonly languages: readonly string[];
  /** Words carry their own start/end times (otherwise only the utterance span is known). */
  readonly wordTimes: boolean;
  /** Words carry their own confidences (otherwise the utterance's). */
  readonly wordConfidences: boolean;
  /** Accepts audio chunk by chunk and yields partial results. */
  readonly streaming: boolean;
  /** Longest utterance it takes in one piece (Infinity when unbounded). */
  readonly maxUtteranceMs: number;
}

/** Audio fed to a streaming engine while an utterance is open, for partial hypotheses. */
export interface TranscriptStream {
  /** Appends 16 kHz mono samples; returns the current hypothesis (null when unchanged). */
  accept(samples: Float32Array): PartialResult | null;
  close(): void;
}

/** One speech recogniser. Owns its engine (process, native recognizer); close() is idempotent. */
export interface Transcriber {
  readonly info: TranscriberInfo;
  readonly closed: boolean;
  /**
   * Recognises one utterance of 16 kHz mono float samples whose first sample is at wall-clock
   * `startTs`; word times are `startTs` + sample offset.
   */
  transcribe(samples: Float32Array, startTs: number, signal?: AbortSignal): Promise<TranscribeResult>;
  /** Streaming engines only: a stream for one open utterance (finals still go through transcribe). */
  openStream?(): TranscriptStream;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Live message data (`kind: 'transcript'`). */
export interface TranscriptLiveData {
  readonly segmentId: string;
  readonly partial: boolean;
  readonly text: string;
  readonly startTs?: number;
  readonly endTs?: number;
  readonly language?: string;
  readonly confidence?: number;
  readonly engine?: string;
  readonly words?: readonly AsrWord[];
}
