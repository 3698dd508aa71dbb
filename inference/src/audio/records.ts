// Rows the audio analyzers emit. They mirror storage/src/audio-types.ts field for field (the
// inference package does not depend on storage; the host stores these rows as they are).

/** A span of speech found by the VAD (table `speech_segments`). */
export interface SpeechSegmentRow {
  readonly sourceId: string;
  readonly startTs: number;
  readonly endTs: number;
  readonly probability: number;
}

/** EBU R128 loudness for one second of audio (table `loudness`). */
export interface LoudnessRow {
  readonly sourceId: string;
  readonly ts: number;
  /** -Infinity is stored as -200 (SILENT_LUFS). */
  readonly momentaryLufs: number;
  readonly shortTermLufs: number;
  readonly peakDbfs: number;
  readonly silent: boolean;
  readonly clippedSamples: number;
}

/** A sound event in AIMA's vocabulary (table `audio_events`). */
export interface AudioEventRow {
  readonly sourceId: string;
  readonly eventId: string;
  readonly label: string;
  readonly startTs: number;
  readonly endTs: number;
  readonly peakTs: number;
  readonly peakScore: number;
  readonly classes: readonly string[];
  readonly modelId: string;
}

/** Speech rate over one transcript segment (table `speech_rate`). */
export interface SpeechRateRow {
  readonly sourceId: string;
  readonly segmentId: string;
  readonly startTs: number;
  readonly endTs: number;
  readonly words: number;
  readonly wordsPerMinute: number;
  readonly pauses: number;
  readonly meanPauseMs: number;
  readonly maxPauseMs: number;
}

/** What -Infinity dB/LUFS is stored as (ClickHouse Float64 columns keep no infinities here). */
export const SILENT_LUFS = -200;
