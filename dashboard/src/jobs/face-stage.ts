import sharp from 'sharp';
import type { Frame } from '@aima/ingest';
import {
  createFaceTracker,
  createLookPlanner,
  NO_PROFILE,
  type FaceAnalysis,
  type FaceAnalyzer,
  type FaceTrackSummary,
  type LookOutcome,
  type LookPlan,
  type PersonTrackBox,
  type Profile,
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
  /**
   * Where faces are looked for: 'persons' (default), only around the detector's person boxes, a
   * person whose face is known `knownRate` times a second; 'frame', the whole frame every frame.
   * Still images always search the whole image.
   */
  readonly region?: FaceRegion;
  /** Looks per second at a person whose face is known (region 'persons'; default 4). */
  readonly knownRate?: number;
  /**
   * Looks per second at a person whose face was found but is not known yet (region 'persons';
   * default every frame: one good frame of a turned face can be all that identifies someone).
   */
  readonly seenRate?: number;
  /** Good faces that make a face known (region 'persons'; default 3). */
  readonly knownAfter?: number;
  /** Charged with the face models' core time and this stage's JS work, as 'faces'. */
  readonly profile?: Profile;
}

export type FaceRegion = 'persons' | 'frame';

export interface FaceTotals {
  readonly faces: number;
  readonly goodFaces: number;
  readonly appearances: number;
  readonly persons: readonly string[];
  readonly detectMs: number;
  readonly embedMs: number;
  /** Frames whose faces were looked for, and face detector runs (windows count one each). */
  readonly looks: number;
  readonly detectorRuns: number;
}

/**
 * Faces of one job: detect + align + embed on each analysed frame, link faces to the detector's
 * person tracks, follow them as face tracks, and hand each finished track to the persons service.
 * Face rows are batched; appearances are stored as tracks finish; close() finishes the open ones.
 *
 * Region 'persons' (default for video): faces are looked for only around person boxes, and a
 * person whose face is known only a few times a second (createLookPlanner); a person not looked
 * at keeps its last live face, moved with its box. Frame k is planned from the results of frames
 * up to k − 3, so the plans (and the stored faces) do not depend on model timing.
 *
 * process() starts the models as soon as the frame is planned (several frames may be in the
 * workers together) while the bookkeeping (tracker, rows, persons) runs strictly in call order:
 * callers may keep a few frames in flight and still get tracks and live faces in media order.
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

/** Plans wait for the results of the frame this many calls back (the analyzer keeps 3 in flight). */
const PLAN_LAG = 3;
const NO_FACES: FaceAnalysis = {
  faces: [[]],
  timings: { detectMs: 0, alignMs: 0, embedMs: 0, modelCoreMs: 0, jsMs: 0, detectorRuns: 0 },
};

export function createFaceStage(store: Store, deps: FaceDeps, opts: FaceStageOptions): FaceStage {
  const tracker = createFaceTracker({ still: opts.still });
  const profile = opts.profile ?? NO_PROFILE;
  const planner =
    opts.still || opts.region === 'frame'
      ? null
      : createLookPlanner({
          knownRate: opts.knownRate,
          seenRate: opts.seenRate,
          lag: PLAN_LAG,
        });
  const knownAfter = opts.knownAfter ?? 3;
  // Faces and good faces per open face track: a person's face is known once its track has
  // `knownAfter` good faces.
  const seen = new Map<number, { all: number; good: number }>();
  // The last live face of each person track, shown on the frames its person is not looked at.
  const lastLive = new Map<number, { face: LiveFace; person: PersonTrackBox['box'] }>();
  // Each call's bookkeeping step, kept until the call PLAN_LAG later has planned.
  const done = new Map<number, Promise<unknown>>();
  let calls = 0;
  let plans: Promise<unknown> = Promise.resolve();
  const writer: BatchWriter<FaceRecord> = createBatchWriter(async (rows: FaceRecord[]) => {
    const t0 = performance.now();
    await store.insertFaces(rows);
    opts.onWrite?.(performance.now() - t0);
  });
  const media = new Map<number, string>();
  const assigned = new Map<number, AppearanceRecord>();
  const persons = new Set<string>();
  let faces = 0, goodFaces = 0, appearances = 0, detectMs = 0, embedMs = 0, looks = 0, detectorRuns = 0; // prettier-ignore

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
      seen.delete(s.faceTrackId);
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
      const k = calls++;
      const people: PersonTrackBox[] = detections
        .filter((d) => d.label === 'person')
        .map((d) => ({ trackId: d.trackId, box: d.box }));
      // Deterministic plans: frame k's waits for the bookkeeping of frame k − PLAN_LAG.
      const before = done.get(k - PLAN_LAG) ?? Promise.resolve();
      done.delete(k - PLAN_LAG);
      // Plans are made in call order too (each after the previous one).
      const planned: Promise<LookPlan | null> = planner
        ? Promise.all([plans, before]).then(() =>
            profile.measure('faces', () => planner.plan(k, frame.ts, people)),
          )
        : Promise.resolve(null);
      plans = planned;
      const analysis = planned.then((plan) =>
        plan && plan.regions.length === 0
          ? NO_FACES
          : deps.analyzer.analyze([
              {
                data: frame.data,
                width: frame.width,
                height: frame.height,
                bgr: frame.format === 'bgr24',
                sourceWidth: size.width,
                sourceHeight: size.height,
                ...(plan ? { regions: plan.regions } : {}),
              },
            ]),
      );
      // Not awaited here: a failure surfaces through the ordered step below.
      analysis.catch(() => undefined);
      const step = inOrder(async () => {
        const {
          faces: [found = []],
          timings,
        } = await analysis;
        const plan = await planned;
        detectMs += timings.detectMs;
        embedMs += timings.embedMs;
        detectorRuns += timings.detectorRuns;
        if (timings.detectorRuns > 0) looks++;
        profile.add('faces', timings.modelCoreMs + timings.jsMs);
        const { rows, live } = profile.measure('faces', () => {
          const tracked = tracker.update(
            frame.ts,
            found,
            people.filter((p) => p.trackId > 0),
          );
          const rows: FaceRecord[] = [];
          const live: LiveFace[] = [];
          const outcomes = new Map<number, LookOutcome>();
          for (const f of tracked) {
            faces++;
            if (f.quality.good) goodFaces++;
            const n = seen.get(f.faceTrackId) ?? { all: 0, good: 0 };
            n.all++;
            if (f.quality.good && f.embedding) n.good++;
            seen.set(f.faceTrackId, n);
            if (f.personTrackId > 0)
              outcomes.set(
                f.personTrackId,
                n.good >= knownAfter ? 'known' : f.quality.reason === 'small' ? 'small' : 'seen',
              );
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
            const knownAs = assigned.get(f.faceTrackId);
            const match = knownAs?.personId
              ? { personId: knownAs.personId }
              : f.embedding
                ? deps.persons.match(f.embedding)
                : null;
            const lf: LiveFace = {
              box: [...f.box] as [number, number, number, number],
              faceTrackId: f.faceTrackId,
              personId: match?.personId ?? '',
              name: match ? deps.persons.nameOf(match.personId) : '',
            };
            live.push(lf);
            const p = people.find((q) => q.trackId === f.personTrackId);
            if (p && f.personTrackId > 0) lastLive.set(f.personTrackId, { face: lf, person: p.box });
          }
          if (plan) {
            for (const id of plan.looked) {
              // Looked at and no face: unknown again (every frame, slowly after a few misses).
              if (!outcomes.has(id)) {
                outcomes.set(id, 'missed');
                lastLive.delete(id);
              }
            }
            planner!.report(k, outcomes);
            // Persons not looked at keep their last face, moved with their box.
            for (const p of people) {
              const last = p.trackId > 0 && !plan.looked.has(p.trackId) ? lastLive.get(p.trackId) : undefined;
              if (last) live.push(carried(last.face, last.person, p.box));
            }
            if (lastLive.size > 256) lastLive.delete(lastLive.keys().next().value!);
          }
          return { rows, live };
        });
        if (rows.length > 0) await writer.push(rows);
        await finish(tracker.ended(frame.ts));
        return live;
      });
      done.set(
        k,
        step.catch(() => undefined),
      );
      return step;
    },
    cut: () => {
      planner?.cut(calls);
      lastLive.clear();
      return inOrder(() => finish(tracker.flush()));
    },
    get totals() {
      return { faces, goodFaces, appearances, persons: [...persons], detectMs, embedMs, looks, detectorRuns };
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

/** A live face carried to a frame where its person was not looked at: moved as the person box moved. */
function carried(face: LiveFace, was: PersonTrackBox['box'], now: PersonTrackBox['box']): LiveFace {
  const dx = (now[0] + now[2] - was[0] - was[2]) / 2;
  const dy = now[1] - was[1];
  const [x1, y1, x2, y2] = face.box;
  return { ...face, box: [x1 + dx, y1 + dy, x2 + dx, y2 + dy] };
}
