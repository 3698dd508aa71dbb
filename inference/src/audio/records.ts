// Rows the audio analyzers emit (issue 9): the one definition of the audio result records. The
// store keeps them as they are (storage/src/audio-types.ts names them `…Record`); storage depends on
// inference, never the other way round. Times are wall-clock ms on the same clock as frames and
// detections (files: media time from the job's fixed epoch).

/** A span of speech found by the VAD (table `speech_segments`). */
export interface SpeechSegmentRow {
  readonly sourceId: string;
  readonly startTs: number;
  readonly endTs: number;
  /** Mean speech probability over the span. */
  readonly probability: number;
}

/** EBU R128 loudness for one second of audio (table `loudness`). */
export interface LoudnessRow {
  readonly sourceId: string;
  /** Start of the second. */
  readonly ts: number;
  /** Highest momentary loudness (400 ms) in the second, LUFS (-Infinity stored as -200, SILENT_LUFS). */
  readonly momentaryLufs: number;
  /** Short-term loudness (3 s) at the end of the second, LUFS. */
  readonly shortTermLufs: number;
  /** Sample peak, dBFS. */
  readonly peakDbfs: number;
  /** Short-term loudness below the silence threshold. */
  readonly silent: boolean;
  /** Samples at or above full scale in the second. */
  readonly clippedSamples: number;
}

/** A sound event in AIMA's vocabulary (table `audio_events`). */
export interface AudioEventRow {
  readonly sourceId: string;
  /** Unique within the source (`ev-<n>`). */
  readonly eventId: string;
  /** AIMA event class: scream, crying, glass-breaking, siren, gunshot, dog, music, speech, applause, ... */
  readonly label: string;
  readonly startTs: number;
  readonly endTs: number;
  readonly peakTs: number;
  readonly peakScore: number;
  /** The AudioSet classes that made it, strongest first (display names). */
  readonly classes: readonly string[];
  /** Model that produced it (registry id). */
  readonly modelId: string;
}

/** One recognised word (stored in `transcript_words`, and inside its segment). */
export interface TranscriptWordRow {
  readonly word: string;
  readonly startTs: number;
  readonly endTs: number;
  /** 0..1; engines without word confidences give the segment's. */
  readonly confidence: number;
}

/** A transcript segment (an utterance; table `transcript_segments`, words in `transcript_words`). */
export interface TranscriptSegmentRow {
  readonly sourceId: string;
  /** Unique within the source (`seg-<n>`); a later final row with the same id replaces it. */
  readonly segmentId: string;
  readonly startTs: number;
  readonly endTs: number;
  readonly text: string;
  /** BCP-47-ish code ('en'); '' when unknown. */
  readonly language: string;
  readonly confidence: number;
  /** Engine id, e.g. 'pocketsphinx' or 'sherpa-whisper'. */
  readonly engine: string;
  /** Speaker within the source ('' until diarised). */
  readonly speakerId: string;
  /** Person the speaker is linked to ('' when none). */
  readonly personId: string;
  readonly words: readonly TranscriptWordRow[];
}

/** A speaking turn of one speaker (table `speaker_turns`). */
export interface SpeakerTurnRow {
  readonly sourceId: string;
  readonly speakerId: string;
  readonly startTs: number;
  readonly endTs: number;
}

/** How a speaker came to its person: linked automatically by a visible face, or by the user. */
export type SpeakerLinkStatus = 'none' | 'auto' | 'confirmed' | 'rejected';

/** A speaker of one source (table `speakers`, ReplacingMergeTree by version: the latest row wins). */
export interface SpeakerRow {
  readonly sourceId: string;
  /** `S1`, `S2`, ... within the source. */
  readonly speakerId: string;
  /** User-given label ('' until named, and always '' from the analyzer: a voice never names anyone). */
  readonly label: string;
  readonly personId: string;
  /** The analyzer only ever emits 'none' or 'auto'; 'confirmed' / 'rejected' are the user's. */
  readonly link: SpeakerLinkStatus;
  readonly speakingMs: number;
  readonly turns: number;
  /** Mean voice embedding (unit length), for within-source clustering and moves. */
  readonly embedding: readonly number[];
  readonly version: number;
}

/** Speech rate over one transcript segment (table `speech_rate`). */
export interface SpeechRateRow {
  readonly sourceId: string;
  readonly segmentId: string;
  readonly startTs: number;
  readonly endTs: number;
  readonly words: number;
  readonly wordsPerMinute: number;
  /** Pauses between words longer than the pause threshold (250 ms). */
  readonly pauses: number;
  readonly meanPauseMs: number;
  readonly maxPauseMs: number;
}

/** What -Infinity dB/LUFS is stored as (ClickHouse Float64 columns keep no infinities here). */
export const SILENT_LUFS = -200;
