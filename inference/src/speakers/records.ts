// Rows the speakers analyzer emits and consumes. They mirror storage/src/audio-types.ts field for
// field (SpeakerTurnRecord, SpeakerRecord, TranscriptSegmentRecord): the inference package does not
// depend on storage; the host stores the rows as they are.

/** Table `speaker_turns`. */
export interface SpeakerTurnRow {
  readonly sourceId: string;
  readonly speakerId: string;
  readonly startTs: number;
  readonly endTs: number;
}

/** Table `speakers` (ReplacingMergeTree by version: the latest row of a speaker wins). */
export interface SpeakerRow {
  readonly sourceId: string;
  readonly speakerId: string;
  /** Always '' from the analyzer: a voice never names anyone. */
  readonly label: string;
  readonly personId: string;
  /** The analyzer only ever emits 'none' or 'auto'; 'confirmed' / 'rejected' are the user's. */
  readonly link: 'none' | 'auto';
  readonly speakingMs: number;
  readonly turns: number;
  readonly embedding: readonly number[];
  readonly version: number;
}

export interface TranscriptWordRow {
  readonly word: string;
  readonly startTs: number;
  readonly endTs: number;
  readonly confidence: number;
}

/** Table `transcript_segments` (a later row with the same segmentId replaces it). */
export interface TranscriptSegmentRow {
  readonly sourceId: string;
  readonly segmentId: string;
  readonly startTs: number;
  readonly endTs: number;
  readonly text: string;
  readonly language: string;
  readonly confidence: number;
  readonly engine: string;
  readonly speakerId: string;
  readonly personId: string;
  readonly words: readonly TranscriptWordRow[];
}

/** Live message data of kind 'speaker' (one per turn). */
export interface SpeakerLiveData {
  readonly speakerId: string;
  readonly startTs: number;
  readonly endTs: number;
  readonly personId: string;
}

/** Versions for `speakers` rows: wall-clock ms, strictly increasing within the instance. */
export function createVersionCounter(now: () => number = Date.now): () => number {
  let last = 0;
  return () => (last = Math.max(now(), last + 1));
}
