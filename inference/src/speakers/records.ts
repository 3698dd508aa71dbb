// The speakers analyzer's live data and row versions. The rows it emits and consumes (speaker
// turns, speakers, transcript segments) are the audio records of ../audio/records.ts.
export type {
  SpeakerRow,
  SpeakerTurnRow,
  TranscriptSegmentRow,
  TranscriptWordRow,
} from '../audio/records.ts';

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
