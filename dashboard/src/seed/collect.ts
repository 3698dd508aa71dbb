// Assembles the seed API's answer from the batches the analyzer host emits, by table name, so an
// analyzer that lands later (pose, tags, age, nsfw, safety) shows up without changes here.
import {
  AGE_VERDICTS,
  SAFETY_ASSESSMENT,
  type AgeRow,
  type AnalysisEvent,
  type AudioEventRow,
  type NsfwRow,
  type PoseRow,
  type QuarantineRow,
  type ResultBatch,
  type SafetyAssessment,
  type TagRow,
  type TranscriptSegmentRow,
} from '@aima/inference';
import { ANALYSIS_EVENTS } from '../analyzers/detect.ts';
import { FRAME_FACES } from '../analyzers/faces.ts';
import type { LiveFace } from '../protocol.ts';
import type { Box, SeedAudio, SeedFrame, SeedQuarantine } from './types.ts';

/** Audio events and transcript lines kept per request (a 60 s clip has far fewer). */
const MAX_AUDIO_ROWS = 2000;

export interface Collector {
  onBatch(analyzer: string, batch: ResultBatch): void;
  /** The age gate quarantined the source. */
  onQuarantine(q: QuarantineRow): void;
  /** The frames with everything found on them; person ids from finished face tracks filled in. */
  frames(nameOf: (personId: string) => string): SeedFrame[];
  audio(): SeedAudio;
  readonly safety: SafetyAssessment | null;
  readonly quarantine: SeedQuarantine | null;
}

/** `frames[i]` is analysed as seq i at `ts[i]`; sizes are the client's picture sizes. */
export function createCollector(
  frames: ReadonlyArray<{ readonly ts: number; readonly width: number; readonly height: number }>,
): Collector {
  const out: SeedFrame[] = frames.map((f, index) => ({
    index,
    ts: f.ts,
    width: f.width,
    height: f.height,
    detections: [],
    persons: [],
    pose: [],
    tags: [],
  }));
  const at = (seq: number): SeedFrame | undefined => out[seq];
  const personOf = new Map<number, string>();
  const events: AudioEventRow[] = [];
  const segments = new Map<string, TranscriptSegmentRow>();
  let safety: SafetyAssessment | null = null;
  let quarantine: SeedQuarantine | null = null;

  const handlers: Record<string, (rows: readonly unknown[]) => void> = {
    [ANALYSIS_EVENTS]: (rows) => {
      for (const e of rows as AnalysisEvent[]) {
        if (e.type !== 'frame') continue;
        const f = at(e.frame.seq);
        if (!f) continue;
        for (const d of e.frame.detections)
          f.detections.push({ label: d.label, score: d.score, box: box(d.box), trackId: d.trackId });
      }
    },
    [FRAME_FACES]: (rows) => {
      for (const r of rows as Array<{ seq: number; faces: LiveFace[] }>) {
        const f = at(r.seq);
        if (!f) continue;
        for (const face of r.faces) {
          const b = box(face.box);
          f.persons.push({
            trackId: personTrack(f, b),
            faceTrackId: face.faceTrackId,
            personId: face.personId,
            name: face.name,
            box: b,
          });
        }
      }
    },
    appearances: (rows) => {
      for (const r of rows as Array<{ faceTrackId: number; personId: string }>)
        if (r.personId) personOf.set(r.faceTrackId, r.personId);
    },
    poses: (rows) => {
      for (const r of rows as PoseRow[]) {
        const kp: number[][] = [];
        for (let k = 0; k + 2 < r.keypoints.length; k += 3)
          kp.push([r.keypoints[k]!, r.keypoints[k + 1]!, r.keypoints[k + 2]!]);
        at(r.seq)?.pose.push({ trackId: r.trackId, keypoints: kp, score: r.score });
      }
    },
    tags: (rows) => {
      // Tags are window aggregates: every frame inside the window carries them.
      for (const r of rows as TagRow[])
        for (const f of out)
          if (f.ts >= r.startTs && f.ts <= r.endTs)
            f.tags.push({
              trackId: r.trackId,
              scope: r.scope,
              category: r.category,
              tag: r.tag,
              score: r.score,
            });
    },
    age_estimates: (rows) => {
      for (const r of rows as AgeRow[]) {
        const f = at(r.seq);
        if (!f) continue;
        (f.age ??= []).push({ faceTrackId: r.faceTrackId, age: r.age, verdict: r.verdict, box: box(r.box) });
      }
    },
    [AGE_VERDICTS]: (rows) => {
      // A frame the age analyzer saw without faces still gets its (empty) age list.
      for (const r of rows as Array<{ seq: number }>) {
        const f = at(r.seq);
        if (f) f.age ??= [];
      }
    },
    nsfw_scores: (rows) => {
      for (const r of rows as NsfwRow[]) {
        const f = at(r.seq);
        if (f)
          f.nsfw = { drawing: r.drawing, hentai: r.hentai, neutral: r.neutral, porn: r.porn, sexy: r.sexy };
      }
    },
    audio_events: (rows) => {
      for (const r of rows as AudioEventRow[]) if (events.length < MAX_AUDIO_ROWS) events.push(r);
    },
    transcript_segments: (rows) => {
      // A later final row with the same id replaces a partial one.
      for (const r of rows as TranscriptSegmentRow[])
        if (segments.has(r.segmentId) || segments.size < MAX_AUDIO_ROWS) segments.set(r.segmentId, r);
    },
    [SAFETY_ASSESSMENT]: (rows) => {
      const last = rows[rows.length - 1] as SafetyAssessment | undefined;
      if (last) safety = last;
    },
    quarantines: (rows) => {
      const q = rows[0] as QuarantineRow | undefined;
      if (q) quarantined(q);
    },
  };
  const quarantined = (q: QuarantineRow): void => {
    quarantine ??= { code: q.code, reason: q.reason, ts: q.ts };
  };

  return {
    onBatch(_analyzer, batch) {
      handlers[batch.table]?.(batch.rows);
    },
    onQuarantine: quarantined,
    frames(nameOf) {
      for (const f of out) {
        f.persons.forEach((p, i) => {
          const personId = p.personId || personOf.get(p.faceTrackId) || '';
          const name = p.name || (personId ? nameOf(personId) : '');
          f.persons[i] = { ...p, personId, name };
        });
      }
      return out;
    },
    audio: () => ({
      events: events.map((e) => ({
        label: e.label,
        startTs: e.startTs,
        endTs: e.endTs,
        peakScore: e.peakScore,
      })),
      transcript: [...segments.values()]
        .sort((a, b) => a.startTs - b.startTs)
        .map((s) => ({ segmentId: s.segmentId, text: s.text, startTs: s.startTs, endTs: s.endTs })),
    }),
    get safety() {
      return safety;
    },
    get quarantine() {
      return quarantine;
    },
  };
}

function box(b: readonly number[]): Box {
  return [round1(b[0] ?? 0), round1(b[1] ?? 0), round1(b[2] ?? 0), round1(b[3] ?? 0)];
}

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}

/** detect's person track holding a face: the smallest person box around the face's centre (0: none). */
function personTrack(f: SeedFrame, face: Box): number {
  const cx = (face[0] + face[2]) / 2;
  const cy = (face[1] + face[3]) / 2;
  let best = 0;
  let bestArea = Infinity;
  for (const d of f.detections) {
    if (d.label !== 'person') continue;
    const [x1, y1, x2, y2] = d.box;
    if (cx < x1 || cx > x2 || cy < y1 || cy > y2) continue;
    const area = (x2 - x1) * (y2 - y1);
    if (area < bestArea) {
      bestArea = area;
      best = d.trackId;
    }
  }
  return best;
}
