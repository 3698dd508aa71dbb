// Audio results of a short conversation, stored through the real store (chDB) the way the audio
// analyzers write them: speech spans, transcript segments with word times, speakers and their
// turns, sound events, loudness per second and speech rate. Times are media offsets from `epochMs`.
import type {
  AudioEventRecord,
  SourceRecord,
  SpeakerRecord,
  Store,
  TranscriptSegmentRecord,
} from '@aima/storage';

export interface Line {
  readonly id: string;
  readonly speaker: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly text: string;
}

/** What was said, by whom, when (ms from the start of the media). */
export const LINES: readonly Line[] = [
  { id: 'seg-1', speaker: 'S1', startMs: 500, endMs: 2600, text: 'good morning everyone and welcome' },
  { id: 'seg-2', speaker: 'S2', startMs: 3000, endMs: 5200, text: 'thank you it is a pleasure to be here' },
  {
    id: 'seg-3',
    speaker: 'S1',
    startMs: 5600,
    endMs: 8200,
    text: 'let us talk about the broken glass in the lobby',
  },
  {
    id: 'seg-4',
    speaker: 'S2',
    startMs: 8600,
    endMs: 11_000,
    text: 'the siren started right after the glass broke',
  },
];

export function fileSource(id: string, epochMs: number, durationMs: number): SourceRecord {
  return {
    id,
    kind: 'file',
    display: `/media/${id}.mp4`,
    live: false,
    status: 'done',
    errorCode: '',
    errorMessage: '',
    epochMs,
    createdAt: epochMs,
    updatedAt: epochMs + durationMs,
    meta: JSON.stringify({ fps: 5, mediaMs: durationMs, totalMs: durationMs }),
  };
}

/** Words spread evenly over the line, as an engine with word times reports them. */
export function segment(
  sourceId: string,
  epochMs: number,
  line: Line,
  engine: string,
): TranscriptSegmentRecord {
  const words = line.text.split(' ');
  const step = (line.endMs - line.startMs) / words.length;
  return {
    sourceId,
    segmentId: line.id,
    startTs: epochMs + line.startMs,
    endTs: epochMs + line.endMs,
    text: line.text,
    language: 'en',
    confidence: 0.82,
    engine,
    speakerId: line.speaker,
    personId: '',
    words: words.map((word, i) => ({
      word,
      startTs: Math.round(epochMs + line.startMs + i * step),
      endTs: Math.round(epochMs + line.startMs + (i + 1) * step - 40),
      confidence: 0.8,
    })),
  };
}

function speaker(sourceId: string, speakerId: string, lines: readonly Line[]): SpeakerRecord {
  const own = lines.filter((l) => l.speaker === speakerId);
  return {
    sourceId,
    speakerId,
    label: '',
    personId: '',
    link: 'none',
    speakingMs: own.reduce((n, l) => n + l.endMs - l.startMs, 0),
    turns: own.length,
    embedding: [0.6, 0.8],
    version: 1,
  };
}

function event(
  sourceId: string,
  epochMs: number,
  n: number,
  label: string,
  startMs: number,
  endMs: number,
): AudioEventRecord {
  return {
    sourceId,
    eventId: `ev-${n}`,
    label,
    startTs: epochMs + startMs,
    endTs: epochMs + endMs,
    peakTs: epochMs + Math.round((startMs + endMs) / 2),
    peakScore: 0.71,
    classes: label === 'siren' ? ['Siren', 'Police car (siren)'] : ['Glass', 'Shatter'],
    modelId: 'yamnet',
  };
}

/** Stores the whole conversation of `sourceId` (the source row included). */
export async function storeConversation(
  store: Store,
  sourceId: string,
  epochMs: number,
  engine = 'pocketsphinx',
  lines: readonly Line[] = LINES,
): Promise<void> {
  const durationMs = Math.max(...lines.map((l) => l.endMs)) + 1000;
  await store.upsertSource(fileSource(sourceId, epochMs, durationMs));
  await store.insertSpeechSegments(
    lines.map((l) => ({
      sourceId,
      startTs: epochMs + l.startMs,
      endTs: epochMs + l.endMs,
      probability: 0.9,
    })),
  );
  await store.insertTranscriptSegments(lines.map((l) => segment(sourceId, epochMs, l, engine)));
  await store.insertSpeakerTurns(
    lines.map((l) => ({
      sourceId,
      speakerId: l.speaker,
      startTs: epochMs + l.startMs,
      endTs: epochMs + l.endMs,
    })),
  );
  const speakers = [...new Set(lines.map((l) => l.speaker))];
  await store.upsertSpeakers(speakers.map((s) => speaker(sourceId, s, lines)));
  await store.insertAudioEvents([
    event(sourceId, epochMs, 1, 'glass-breaking', 6900, 7600),
    event(sourceId, epochMs, 2, 'siren', 8800, 10_400),
  ]);
  await store.insertLoudness(
    Array.from({ length: Math.ceil(durationMs / 1000) }, (_, i) => ({
      sourceId,
      ts: epochMs + i * 1000,
      momentaryLufs: i === 0 ? -200 : -23 - (i % 3),
      shortTermLufs: i === 0 ? -200 : -24,
      peakDbfs: i === 0 ? -90 : -6 - (i % 2),
      silent: i === 0,
      clippedSamples: i === 7 ? 12 : 0,
    })),
  );
  await store.insertSpeechRate(
    lines.map((l) => {
      const words = l.text.split(' ').length;
      return {
        sourceId,
        segmentId: l.id,
        startTs: epochMs + l.startMs,
        endTs: epochMs + l.endMs,
        words,
        wordsPerMinute: (words * 60_000) / (l.endMs - l.startMs),
        pauses: 0,
        meanPauseMs: 0,
        maxPauseMs: 0,
      };
    }),
  );
}
