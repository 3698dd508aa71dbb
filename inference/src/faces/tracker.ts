import type { BoxXYXY } from '../detect/types.ts';
import { iou } from '../tracking/iou.ts';
import type { Face } from './types.ts';

/** A person track of the object detector at this frame. */
export interface PersonTrackBox {
  readonly trackId: number;
  readonly box: BoxXYXY;
}

export interface TrackedFace extends Face {
  readonly faceTrackId: number;
  /** The person track whose box holds this face, 0 if none. */
  readonly personTrackId: number;
}

/** One face track, reported once when it ends. */
export interface FaceTrackSummary {
  readonly faceTrackId: number;
  /** The last person track the face was linked to, 0 if never. */
  readonly personTrackId: number;
  readonly startTs: number;
  readonly endTs: number;
  readonly faces: number;
  readonly goodFaces: number;
  /** Quality-weighted mean of the good faces' embeddings, L2-normalised; null without good faces. */
  readonly embedding: Float32Array | null;
  /** The best face (good ones first, then by quality score). */
  readonly best: {
    readonly ts: number;
    readonly box: BoxXYXY;
    readonly score: number;
    readonly quality: number;
    readonly crop: Uint8Array;
  };
}

export interface FaceTrackerOptions {
  /** Image folders: every face is its own track, ended at once. */
  readonly still?: boolean;
  /** A track not seen for longer than this ends (default 1000 ms). */
  readonly maxGapMs?: number;
  /** Least IoU with a track's last box to continue it (default 0.3). */
  readonly minIou?: number;
  /**
   * A face whose embedding is less similar than this to the track's mean does not continue it,
   * however well the boxes overlap (two people passing each other). Default 0.2, below every
   * same-person similarity measured on the test faces (≥ 0.53) yet above most different pairs.
   */
  readonly minSimilarity?: number;
  /**
   * A face at least this similar to a track's mean continues it without any box overlap (fast
   * motion at a low analysis rate, a head turned back after a look away). Default 0.5: above every
   * different-person similarity measured here (≤ 0.24), below most same-person ones.
   */
  readonly reidSimilarity?: number;
  /** First face track id (default 1); ids are never reused. */
  readonly firstTrackId?: number;
}

/** Groups one stream's faces into tracks; not shared between streams. */
export interface FaceTracker {
  /** Associates the faces of the frame at `ts` (ms) with the open tracks. */
  update(ts: number, faces: readonly Face[], personTracks?: readonly PersonTrackBox[]): TrackedFace[];
  /** Tracks not seen for more than `maxGapMs` before `ts` (in still mode: every open track). */
  ended(ts: number): FaceTrackSummary[];
  /** Ends every open track: at the end of the media, or at a shot cut (faces across a cut are not one track). */
  flush(): FaceTrackSummary[];
  readonly openCount: number;
}

interface OpenTrack {
  readonly id: number;
  personTrackId: number;
  readonly startTs: number;
  endTs: number;
  box: BoxXYXY;
  faces: number;
  goodFaces: number;
  sum: Float64Array | null;
  weight: number;
  best: { ts: number; box: BoxXYXY; score: number; quality: number; good: boolean; crop: Uint8Array };
}

/** Quality weights never reach 0, so one good face always yields an embedding. */
const MIN_WEIGHT = 0.01;

export function createFaceTracker(opts: FaceTrackerOptions = {}): FaceTracker {
  const still = opts.still === true;
  const maxGapMs = opts.maxGapMs ?? 1000;
  const minIou = opts.minIou ?? 0.3;
  const minSimilarity = opts.minSimilarity ?? 0.2;
  const reidSimilarity = opts.reidSimilarity ?? 0.5;
  let nextId = opts.firstTrackId ?? 1;
  const open = new Map<number, OpenTrack>();

  const add = (t: OpenTrack, ts: number, f: Face, personTrackId: number): void => {
    t.endTs = ts;
    t.box = f.box;
    t.faces++;
    if (personTrackId !== 0) t.personTrackId = personTrackId;
    const good = f.quality.good && f.embedding !== null;
    if (good) {
      t.goodFaces++;
      const w = Math.max(f.quality.score, MIN_WEIGHT);
      t.sum ??= new Float64Array(f.embedding!.length);
      for (let i = 0; i < t.sum.length; i++) t.sum[i] = t.sum[i]! + w * f.embedding![i]!;
      t.weight += w;
    }
    const b = t.best;
    if ((good && !b.good) || (good === b.good && f.quality.score > b.quality))
      t.best = { ts, box: f.box, score: f.score, quality: f.quality.score, good, crop: f.crop };
  };

  const summary = (t: OpenTrack): FaceTrackSummary => ({
    faceTrackId: t.id,
    personTrackId: t.personTrackId,
    startTs: t.startTs,
    endTs: t.endTs,
    faces: t.faces,
    goodFaces: t.goodFaces,
    embedding: t.sum ? normalised(t.sum) : null,
    best: { ts: t.best.ts, box: t.best.box, score: t.best.score, quality: t.best.quality, crop: t.best.crop },
  });

  const endWhere = (pred: (t: OpenTrack) => boolean): FaceTrackSummary[] => {
    const out: FaceTrackSummary[] = [];
    for (const t of open.values()) {
      if (!pred(t)) continue;
      open.delete(t.id);
      out.push(summary(t));
    }
    return out;
  };

  return {
    update(ts, faces, personTracks = []) {
      const persons = linkFacesToPersons(
        faces.map((f) => f.box),
        personTracks,
      );
      const tracks = still ? [] : [...open.values()].filter((t) => ts - t.endTs <= maxGapMs);
      // Candidate pairs: overlapping boxes, the same person track, or the same face by embedding;
      // scored IoU, +1 for the same person track, + the similarity when it re-identifies.
      const pairs: Array<{ f: number; t: number; score: number }> = [];
      faces.forEach((f, fi) => {
        tracks.forEach((t, ti) => {
          const o = iou(f.box, t.box);
          const samePerson = persons[fi] !== 0 && persons[fi] === t.personTrackId;
          const sim = f.embedding && t.sum ? similarity(f.embedding, t.sum) : null;
          if (sim !== null && sim < minSimilarity) return;
          const reid = sim !== null && sim >= reidSimilarity;
          if (o < minIou && !samePerson && !reid) return;
          pairs.push({ f: fi, t: ti, score: o + (samePerson ? 1 : 0) + (reid ? sim : 0) });
        });
      });
      pairs.sort((a, b) => b.score - a.score);
      const faceTrack = new Array<OpenTrack | null>(faces.length).fill(null);
      const used = new Set<number>();
      for (const p of pairs) {
        if (faceTrack[p.f] || used.has(p.t)) continue;
        faceTrack[p.f] = tracks[p.t]!;
        used.add(p.t);
      }
      return faces.map((f, fi) => {
        let t = faceTrack[fi];
        if (!t) {
          t = {
            id: nextId++,
            personTrackId: 0,
            startTs: ts,
            endTs: ts,
            box: f.box,
            faces: 0,
            goodFaces: 0,
            sum: null,
            weight: 0,
            best: { ts, box: f.box, score: f.score, quality: -1, good: false, crop: f.crop },
          };
          open.set(t.id, t);
        }
        add(t, ts, f, persons[fi]!);
        return { ...f, faceTrackId: t.id, personTrackId: persons[fi]! };
      });
    },
    ended(ts) {
      return endWhere((t) => still || ts - t.endTs > maxGapMs);
    },
    flush() {
      return endWhere(() => true);
    },
    get openCount() {
      return open.size;
    },
  };
}

/**
 * For each face box, the person track whose box holds it best, or 0: the face centre must lie
 * inside the person box and in its upper half; among those, more of the face inside and a centre
 * nearer the person's vertical axis win. One face per person, greedily by that score.
 */
export function linkFacesToPersons(faces: readonly BoxXYXY[], persons: readonly PersonTrackBox[]): number[] {
  const out = new Array<number>(faces.length).fill(0);
  const pairs: Array<{ f: number; p: number; score: number }> = [];
  faces.forEach((f, fi) => {
    const cx = (f[0] + f[2]) / 2;
    const cy = (f[1] + f[3]) / 2;
    const area = Math.max((f[2] - f[0]) * (f[3] - f[1]), 1e-9);
    persons.forEach((p, pi) => {
      const [x1, y1, x2, y2] = p.box;
      if (cx < x1 || cx > x2 || cy < y1 || cy > y1 + (y2 - y1) / 2) return;
      const iw = Math.min(f[2], x2) - Math.max(f[0], x1);
      const ih = Math.min(f[3], y2) - Math.max(f[1], y1);
      const inside = iw > 0 && ih > 0 ? (iw * ih) / area : 0;
      const half = Math.max((x2 - x1) / 2, 1e-9);
      const centred = 1 - Math.min(1, Math.abs(cx - (x1 + x2) / 2) / half);
      pairs.push({ f: fi, p: pi, score: inside + 0.5 * centred });
    });
  });
  pairs.sort((a, b) => b.score - a.score);
  const taken = new Set<number>();
  for (const q of pairs) {
    if (out[q.f] !== 0 || taken.has(q.p)) continue;
    out[q.f] = persons[q.p]!.trackId;
    taken.add(q.p);
  }
  return out;
}

function normalised(sum: Float64Array): Float32Array {
  let s = 0;
  for (let i = 0; i < sum.length; i++) s += sum[i]! * sum[i]!;
  const k = s > 0 ? 1 / Math.sqrt(s) : 0;
  const out = new Float32Array(sum.length);
  for (let i = 0; i < sum.length; i++) out[i] = sum[i]! * k;
  return out;
}

/** Cosine similarity of a unit vector with an unnormalised sum. */
function similarity(e: Float32Array, sum: Float64Array): number {
  let dot = 0;
  let n = 0;
  for (let i = 0; i < sum.length; i++) {
    dot += e[i]! * sum[i]!;
    n += sum[i]! * sum[i]!;
  }
  return n > 0 ? dot / Math.sqrt(n) : 0;
}
