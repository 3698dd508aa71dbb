import sharp from 'sharp';
import type { Frame } from '@aima/ingest';
import {
  createFaceTracker,
  type FaceAnalyzer,
  type FaceTrackSummary,
  type TrackedDetection,
} from '@aima/inference';
import {
  createBatchWriter,
  type AppearanceRecord,
  type BatchWriter,
  type FaceRecord,
  type Store,
} from '@aima/storage';
import type { LiveFace } from '../protocol.ts';
import type { PersonsService } from '../persons/service.ts';

/** What faces need besides the store: the face models and the persons service (shared by all jobs). */
export interface FaceDeps {
  readonly analyzer: FaceAnalyzer;
  readonly persons: PersonsService;
}

export interface FaceStageOptions {
  readonly sourceId: string;
  /** Image folders: every face is its own appearance (no tracking across images). */
  readonly still: boolean;
  readonly onWrite?: (ms: number) => void;
  /** Each finished face track once it has its person (speakers link voices to visible persons). */
  readonly onAppearance?: (a: AppearanceRecord) => Promise<void>;
}

export interface FaceTotals {
  readonly faces: number;
  readonly goodFaces: number;
  readonly appearances: number;
  readonly persons: readonly string[];
  readonly detectMs: number;
  readonly embedMs: number;
}

/**
 * Faces of one job: detect + align + embed on each analysed frame, link faces to the detector's
 * person tracks, follow them as face tracks, and hand each finished track to the persons service.
 * Face rows are batched; appearances are stored as tracks finish; close() finishes the open ones.
 *
 * process() starts the models at once (several frames may be in the workers together) while the
 * bookkeeping (tracker, rows, persons) runs strictly in call order: callers may keep a few frames
 * in flight and still get tracks and live faces in media order.
 */
export interface FaceStage {
  process(
    frame: Frame & { readonly media?: string },
    detections: readonly TrackedDetection[],
    size: { width: number; height: number },
  ): Promise<LiveFace[]>;
  readonly totals: FaceTotals;
  /** A shot cut: no face track continues across it (the next face is someone new until matched). */
  cut(): Promise<void>;
  close(): Promise<void>;
}

export function createFaceStage(store: Store, deps: FaceDeps, opts: FaceStageOptions): FaceStage {
  const tracker = createFaceTracker({ still: opts.still });
  const writer: BatchWriter<FaceRecord> = createBatchWriter(async (rows: FaceRecord[]) => {
    const t0 = performance.now();
    await store.insertFaces(rows);
    opts.onWrite?.(performance.now() - t0);
  });
  const media = new Map<number, string>();
  const assigned = new Map<number, AppearanceRecord>();
  const persons = new Set<string>();
  let faces = 0, goodFaces = 0, appearances = 0, detectMs = 0, embedMs = 0; // prettier-ignore

  // The bookkeeping queue: each step starts after the previous one settled, in call order.
  let queue: Promise<unknown> = Promise.resolve();
  const inOrder = <T>(step: () => Promise<T>): Promise<T> => {
    const run = queue.then(step, step);
    queue = run.catch(() => undefined);
    return run;
  };

  const finish = async (ended: readonly FaceTrackSummary[]): Promise<void> => {
    for (const s of ended) {
      const a = await deps.persons.assign(s, {
        sourceId: opts.sourceId,
        media: media.get(s.faceTrackId) ?? '',
        crop: await cropJpeg(s.best.crop),
      });
      media.delete(s.faceTrackId);
      appearances++;
      await opts.onAppearance?.(a);
      if (a.personId !== '') persons.add(a.personId);
      // Remembered briefly so the live overlay keeps the name on a track that blinked out.
      assigned.set(s.faceTrackId, a);
      if (assigned.size > 256) assigned.delete(assigned.keys().next().value!);
    }
  };

  return {
    process(frame, detections, size) {
      const analysis = deps.analyzer.analyze([
        {
          data: frame.data,
          width: frame.width,
          height: frame.height,
          bgr: frame.format === 'bgr24',
          sourceWidth: size.width,
          sourceHeight: size.height,
        },
      ]);
      // Not awaited here: a failure surfaces through the ordered step below.
      analysis.catch(() => undefined);
      return inOrder(async () => {
        const {
          faces: [found = []],
          timings,
        } = await analysis;
        detectMs += timings.detectMs;
        embedMs += timings.embedMs;
        const people = detections
          .filter((d) => d.label === 'person' && d.trackId > 0)
          .map((d) => ({ trackId: d.trackId, box: d.box }));
        const tracked = tracker.update(frame.ts, found, people);
        const rows: FaceRecord[] = [];
        const live: LiveFace[] = [];
        for (const f of tracked) {
          faces++;
          if (f.quality.good) goodFaces++;
          if (frame.media !== undefined && !media.has(f.faceTrackId)) media.set(f.faceTrackId, frame.media);
          rows.push({
            sourceId: opts.sourceId,
            ts: frame.ts,
            frameSeq: frame.seq,
            faceTrackId: f.faceTrackId,
            personTrackId: f.personTrackId,
            box: [...f.box] as [number, number, number, number],
            score: f.score,
            quality: f.quality.score,
            good: f.quality.good,
          });
          const known = assigned.get(f.faceTrackId);
          const match = known?.personId
            ? { personId: known.personId }
            : f.embedding
              ? deps.persons.match(f.embedding)
              : null;
          live.push({
            box: [...f.box] as [number, number, number, number],
            faceTrackId: f.faceTrackId,
            personId: match?.personId ?? '',
            name: match ? deps.persons.nameOf(match.personId) : '',
          });
        }
        if (rows.length > 0) await writer.push(rows);
        await finish(tracker.ended(frame.ts));
        return live;
      });
    },
    cut: () => inOrder(() => finish(tracker.flush())),
    get totals() {
      return { faces, goodFaces, appearances, persons: [...persons], detectMs, embedMs };
    },
    async close() {
      let failure: unknown = null;
      try {
        await inOrder(() => finish(tracker.flush()));
      } catch (err) {
        failure = err;
      }
      // Face rows already produced are stored whatever happened above.
      await writer.close();
      if (failure) throw failure;
    },
  };
}

/** The aligned 112×112 face as a small JPEG (base64) for the People pages. */
async function cropJpeg(rgb: Uint8Array): Promise<string> {
  if (rgb.length !== 112 * 112 * 3) return '';
  const jpeg = await sharp(rgb, { raw: { width: 112, height: 112, channels: 3 } })
    .jpeg({ quality: 85 })
    .toBuffer();
  return jpeg.toString('base64');
}
