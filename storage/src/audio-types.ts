// Audio results (issue 9): what the audio analyzers emit and the store keeps. The records are the
// rows of @aima/inference (one definition, inference/src/audio/records.ts) under the store's names;
// times are wall-clock ms on the same clock as frames and detections.
import type * as rows from '@aima/inference';

/** How a speaker came to its person: linked automatically by a visible face, or by the user. */
export type SpeakerLinkStatus = rows.SpeakerLinkStatus;
/** A span of speech found by the VAD (table `speech_segments`). */
export type SpeechSegmentRecord = rows.SpeechSegmentRow;
/** EBU R128 loudness for one second of audio (table `loudness`). */
export type LoudnessRecord = rows.LoudnessRow;
/** A sound event in AIMA's vocabulary (table `audio_events`). */
export type AudioEventRecord = rows.AudioEventRow;
/** One recognised word (stored in `transcript_words`, and inside its segment). */
export type TranscriptWord = rows.TranscriptWordRow;
/** A transcript segment (table `transcript_segments`, words in `transcript_words`). */
export type TranscriptSegmentRecord = rows.TranscriptSegmentRow;
/** A speaking turn of one speaker (table `speaker_turns`). */
export type SpeakerTurnRecord = rows.SpeakerTurnRow;
/** A speaker of one source (table `speakers`, ReplacingMergeTree by version). */
export type SpeakerRecord = rows.SpeakerRow;
/** Speech rate over one transcript segment (table `speech_rate`). */
export type SpeechRateRecord = rows.SpeechRateRow;

/** A word hit of full-text search across transcripts. */
export interface TranscriptHit {
  readonly sourceId: string;
  readonly segmentId: string;
  readonly startTs: number;
  readonly endTs: number;
  readonly text: string;
  readonly speakerId: string;
  readonly personId: string;
  /** Words of the segment that matched, with their own times (jump-to-moment). */
  readonly matches: readonly TranscriptWord[];
}

export interface TranscriptSearchQuery {
  /** Words to find (all must occur in the segment; case-insensitive). */
  readonly q: string;
  readonly sourceId?: string;
  readonly personId?: string;
  readonly limit?: number;
  readonly signal?: AbortSignal;
}

export interface AudioRangeQuery {
  readonly sourceId: string;
  readonly fromTs?: number;
  readonly toTs?: number;
  readonly limit?: number;
  readonly signal?: AbortSignal;
}

/** A sound-event query: a range of one source, optionally one AIMA label. */
export interface AudioEventQuery extends AudioRangeQuery {
  readonly label?: string;
}

/** Transcript segments matching every given filter (ranges overlap: end ≥ fromTs, start < toTs). */
export interface TranscriptQuery {
  readonly sourceId?: string;
  /** The person the segment's speaker is linked to now (resolved through `speakers`). */
  readonly personId?: string;
  readonly speakerId?: string;
  readonly fromTs?: number;
  readonly toTs?: number;
  /** At most this many segments (default 10000). */
  readonly limit?: number;
  readonly signal?: AbortSignal;
}

/** One word of the latest version of its segment, read from `transcript_words`. */
export interface StoredTranscriptWord extends TranscriptWord {
  readonly sourceId: string;
  readonly segmentId: string;
  /** Position of the word in its segment (0-based). */
  readonly index: number;
}

export interface SpeakerQuery {
  readonly sourceId?: string;
  readonly personId?: string;
  readonly signal?: AbortSignal;
}

/** What a person said, across sources. */
export interface PersonSpeech {
  /** Sum of the turn durations of every speaker linked to the person. */
  readonly speakingMs: number;
  /** Their transcript segments, in time order. */
  readonly segments: TranscriptSegmentRecord[];
}
