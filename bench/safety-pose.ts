// Issue 11 benchmark, pose: cost per person crop through the pose analyzer (the definition the
// jobs run: crop, uint8 tensor, MoveNet, decode, One-Euro smoothing, feature windows, rows and live
// messages) against the floor: bare runs of the same shared MoveNet session on the same crops,
// prepared up front (no cropping counted), submitted the same way (all people of a frame at once).
// People come from the real YOLOX-Nano + ByteTrack on vtest.mp4 (3–8 pedestrians per frame).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Frame } from '@aima/ingest';
import {
  analyzeFrames,
  createDetector,
  createModelRegistry,
  createModelSession,
  cropRgbInto,
  MOVENET_SIZE,
  selectPersons,
  squareCrop,
  type AnalysisEvent,
  type ModelSession,
  type ResolvedModel,
  type VideoInput,
} from '@aima/inference';
import { ANALYZERS } from '@aima/dashboard';
import { alternate, benchContext, decodeClip, median, MODELS_DIR, timeDetectEvents } from './safety-media.ts';

const CLIP = 'video/vtest.mp4';
const W = 480;
const H = 360;
const FPS = 5;
const SECONDS = Number(process.env.AIMA_BENCH_POSE_SECONDS ?? 12);
/** Persons the pose analyzer crops per frame in these benches. */
export const MAX_PERSONS = 6;
const ROUNDS = 3;

/** What both pose benches start from: tracked people on vtest and the shared MoveNet session. */
export interface PoseSetup {
  readonly frames: readonly VideoInput[];
  readonly events: readonly AnalysisEvent[];
  /** Each analysed frame with the persons the analyzer crops (at most MAX_PERSONS). */
  readonly byFrame: ReadonlyArray<{
    readonly seq: number;
    readonly persons: ReturnType<typeof selectPersons>;
  }>;
  readonly crops: number;
  /** The crops as uint8 MoveNet tensors, made before any clock starts, per frame. */
  readonly tensors: readonly (readonly Uint8Array[])[];
  readonly movenet: ResolvedModel;
  /** The session every source shares; the caller disposes of it. */
  readonly session: ModelSession;
  readonly inputName: string;
}

/** Decodes `seconds` of vtest, tracks its people with the real detector, and opens MoveNet. */
export async function poseSetup(seconds: number): Promise<PoseSetup> {
  const registry = createModelRegistry({ modelsDir: MODELS_DIR });
  const frames = await decodeClip(CLIP, { seconds, fps: FPS, width: W, height: H });
  // Tracked people per frame from the real detector (once; not part of any measurement).
  const events: AnalysisEvent[] = [];
  {
    await using detector = await createDetector({ model: await registry.resolve('yolox-nano') });
    async function* feed(): AsyncGenerator<Frame> {
      yield* frames;
    }
    for await (const e of analyzeFrames(feed(), { detector })) events.push(e);
  }
  const movenet = await registry.resolve('movenet-lightning');
  const session = await createModelSession(movenet.path, {
    executionProvider: 'cpu',
    intraOpThreads: 1,
    label: 'movenet-lightning',
  });
  const byFrame = events.flatMap((e) =>
    e.type === 'frame' ? [{ seq: e.frame.seq, persons: selectPersons(e.frame.detections, MAX_PERSONS) }] : [],
  );
  const tensors = byFrame.map(({ seq, persons }) =>
    persons.map((p) => {
      const data = new Uint8Array(MOVENET_SIZE * MOVENET_SIZE * 3);
      cropRgbInto(frames[seq]!, squareCrop(p.box), MOVENET_SIZE, MOVENET_SIZE, data);
      return data;
    }),
  );
  return {
    frames,
    events,
    byFrame,
    crops: byFrame.reduce((n, f) => n + f.persons.length, 0),
    tensors,
    movenet,
    session,
    inputName: session.inputs[0]!.name,
  };
}

export async function benchPose(): Promise<Record<string, unknown>> {
  const {
    frames,
    events,
    byFrame,
    crops,
    tensors,
    movenet,
    session: shared,
    inputName,
  } = await poseSetup(SECONDS);
  await using session = shared;
  const bare = async (): Promise<number> => {
    const t0 = performance.now();
    for (const list of tensors) {
      await Promise.all(
        list.map((d) =>
          session.run({
            [inputName]: { type: 'uint8', data: d.slice(), dims: [1, MOVENET_SIZE, MOVENET_SIZE, 3] },
          }),
        ),
      );
    }
    return performance.now() - t0;
  };

  // The analyzer path: the registered definition, fed as the job host feeds it.
  const def = ANALYZERS.get('pose')!;
  let emitted = 0;
  const analyzer = async (): Promise<number> => {
    emitted = 0;
    const ctx = benchContext({
      running: ['detect', 'pose'],
      models: new Map([['movenet-lightning', movenet]]),
      session: () => Promise.resolve(session),
      onEmit: (b) => {
        if (b.table === 'poses') emitted += b.rows.length;
      },
    });
    const inst = await def.create(ctx, def.config.parse({ maxPersons: MAX_PERSONS }));
    return timeDetectEvents(inst, events, (seq) => frames[seq]!);
  };

  // Warm-up, then alternate the two paths; the median of each.
  const { bareMs, analyzerMs } = await alternate(ROUNDS, bare, analyzer);
  const perCropBare = median(bareMs) / crops;
  const perCropAnalyzer = median(analyzerMs) / crops;
  const out = {
    clip: 'video/vtest.mp4',
    frames: byFrame.length,
    crops,
    posesPerRun: emitted,
    bareMsPerCrop: Number(perCropBare.toFixed(2)),
    analyzerMsPerCrop: Number(perCropAnalyzer.toFixed(2)),
    ratio: Number((perCropAnalyzer / perCropBare).toFixed(3)),
    cropsPerSecond: Number((1000 / perCropAnalyzer).toFixed(1)),
  };
  console.log(
    `pose: ${crops} person crops in ${byFrame.length} frames; MoveNet bare ${out.bareMsPerCrop} ms/crop, ` +
      `analyzer ${out.analyzerMsPerCrop} ms/crop (×${out.ratio}), ${out.cropsPerSecond} crops/s`,
  );
  return out;
}

// Run on its own: `npx tsx bench/safety-pose.ts`.
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  benchPose().then(
    (r) => console.log(JSON.stringify(r)),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
