// Audio records → API views, and the user's decision on a speaker. Pure: no store, no HTTP.
import type {
  AudioEventRecord,
  LoudnessRecord,
  SpeakerRecord,
  SpeechRateRecord,
  SpeechSegmentRecord,
  TranscriptHit,
  TranscriptSegmentRecord,
  TranscriptWord,
} from '@aima/storage';
import { DashboardError } from '../../errors.ts';
import type {
  AudioEventView,
  LoudnessView,
  SpeakerPatchBody,
  SpeakerView,
  SpeechRateView,
  SpeechSegmentView,
  TranscriptHitView,
  TranscriptLineView,
  TranscriptWordView,
} from '../../protocol.ts';

/** The dashboard route that plays `sourceId` from `ts` (the UI's `#/playback/:id?ts=`). */
export function playbackUrl(sourceId: string, ts: number): string {
  return `/#/playback/${encodeURIComponent(sourceId)}?ts=${Math.round(ts)}`;
}

const wordView = (w: TranscriptWord): TranscriptWordView => ({
  word: w.word,
  startTs: w.startTs,
  endTs: w.endTs,
  confidence: w.confidence,
});

export function transcriptLineView(r: TranscriptSegmentRecord): TranscriptLineView {
  return {
    sourceId: r.sourceId,
    segmentId: r.segmentId,
    startTs: r.startTs,
    endTs: r.endTs,
    text: r.text,
    language: r.language,
    confidence: r.confidence,
    engine: r.engine,
    speakerId: r.speakerId,
    personId: r.personId,
    words: r.words.map(wordView),
  };
}

export const speechSegmentView = (r: SpeechSegmentRecord): SpeechSegmentView => ({
  startTs: r.startTs,
  endTs: r.endTs,
  probability: r.probability,
});

export const audioEventView = (r: AudioEventRecord): AudioEventView => ({
  eventId: r.eventId,
  label: r.label,
  startTs: r.startTs,
  endTs: r.endTs,
  peakTs: r.peakTs,
  peakScore: r.peakScore,
  classes: [...r.classes],
  modelId: r.modelId,
});

export const speechRateView = (r: SpeechRateRecord): SpeechRateView => ({
  segmentId: r.segmentId,
  startTs: r.startTs,
  endTs: r.endTs,
  words: r.words,
  wordsPerMinute: r.wordsPerMinute,
  pauses: r.pauses,
  meanPauseMs: r.meanPauseMs,
  maxPauseMs: r.maxPauseMs,
});

/** The embedding stays in the store: it is for clustering, not for clients. */
export const speakerView = (r: SpeakerRecord): SpeakerView => ({
  sourceId: r.sourceId,
  speakerId: r.speakerId,
  label: r.label,
  personId: r.personId,
  link: r.link,
  speakingMs: r.speakingMs,
  turns: r.turns,
});

/** Seconds, oldest first (as listLoudness returns them) → one column per field (uPlot's layout). */
export function loudnessView(sourceId: string, rows: readonly LoudnessRecord[]): LoudnessView {
  return {
    sourceId,
    t: rows.map((r) => r.ts),
    momentaryLufs: rows.map((r) => r.momentaryLufs),
    shortTermLufs: rows.map((r) => r.shortTermLufs),
    peakDbfs: rows.map((r) => r.peakDbfs),
    silent: rows.map((r) => r.silent),
    clippedSamples: rows.map((r) => r.clippedSamples),
  };
}

export function transcriptHitView(h: TranscriptHit): TranscriptHitView {
  const matches = h.matches.map(wordView);
  // Jump to the first matching word, not the start of a long utterance.
  const ts = matches.reduce((min, w) => Math.min(min, w.startTs), Number.POSITIVE_INFINITY);
  const at = Number.isFinite(ts) ? ts : h.startTs;
  return {
    sourceId: h.sourceId,
    segmentId: h.segmentId,
    startTs: h.startTs,
    endTs: h.endTs,
    text: h.text,
    speakerId: h.speakerId,
    personId: h.personId,
    matches,
    ts: at,
    playbackUrl: playbackUrl(h.sourceId, at),
  };
}

/**
 * The speaker row that records the user's decision: a newer version than `current`, link
 * 'confirmed' (to the given person, or to its automatic one) or 'rejected' (linked to nobody).
 * The version comes from nextVersion() (µs): above the analyzer's ms versions, so an automatic
 * row written later never overrides the user's decision.
 */
export function decideSpeaker(
  current: SpeakerRecord,
  patch: SpeakerPatchBody,
  version: number,
): SpeakerRecord {
  const label = patch.label ?? current.label;
  if (patch.link === 'rejected') return { ...current, label, personId: '', link: 'rejected', version };
  const personId = patch.personId ?? current.personId;
  if (personId === '') {
    throw new DashboardError(
      'API_BAD_REQUEST',
      'body.personId: required to confirm a speaker that is linked to nobody',
    );
  }
  return { ...current, label, personId, link: 'confirmed', version };
}
