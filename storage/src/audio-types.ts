// Audio results (issue 9): what the audio analyzers emit and the store keeps. Times are wall-clock
// ms on the same clock as frames and detections (files: media time from the job's fixed epoch).

/** A span of speech found by the VAD (table `speech_segments`). */
export interface SpeechSegmentRecord {
  readonly sourceId: string;
  readonly startTs: number;
  readonly endTs: number;
  /** Mean speech probability over the span. */
  readonly probability: number;
}

/** EBU R128 loudness for one second of audio (table `loudness`). */
export interface LoudnessRecord {
  readonly sourceId: string;
  /** Start of the second. */
  readonly ts: number;
  /** Highest momentary loudness (400 ms) in the second, LUFS (-Infinity stored as -200). */
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
export interface AudioEventRecord {
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
export interface TranscriptWord {
  readonly word: string;
  readonly startTs: number;
  readonly endTs: number;
  /** 0..1; engines without word confidences give the segment's. */
  readonly confidence: number;
}

/** A transcript segment (an utterance; table `transcript_segments`, words in `transcript_words`). */
export interface TranscriptSegmentRecord {
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
  readonly words: readonly TranscriptWord[];
}

/** A speaking turn of one speaker (table `speaker_turns`). */
export interface SpeakerTurnRecord {
  readonly sourceId: string;
  readonly speakerId: string;
  readonly startTs: number;
  readonly endTs: number;
}

/** How a speaker came to its person: linked automatically by a visible face, or by the user. */
export type SpeakerLinkStatus = 'none' | 'auto' | 'confirmed' | 'rejected';

/** A speaker of one source (table `speakers`, ReplacingMergeTree by version). */
export interface SpeakerRecord {
  readonly sourceId: string;
  /** `S1`, `S2`, ... within the source. */
  readonly speakerId: string;
  /** User-given label ('' until named; a voice never names anyone by itself). */
  readonly label: string;
  readonly personId: string;
  readonly link: SpeakerLinkStatus;
  readonly speakingMs: number;
  readonly turns: number;
  /** Mean voice embedding (unit length), for within-source clustering and moves. */
  readonly embedding: readonly number[];
  readonly version: number;
}

/** Speech rate over one transcript segment (table `speech_rate`). */
export interface SpeechRateRecord {
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
