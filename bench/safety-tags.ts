// Issue 11 benchmark, tags: cost per person crop through the tags analyzer (the definition the jobs
// run: crop + CLIP pre-processing at 224×224, the image tower, 100·cos softmax per category over
// the built-in vocabulary, window aggregation, rows and live messages) against the floor: bare runs
// of the same image-tower session on tensors prepared up front, all people of a frame in one call.
// No CLIP weights exist here, so the towers are the tests' fixture graphs (the image tower is a
// ReduceMean: its own cost is near zero, so this measures AIMA's overhead per crop, not CLIP's).
// People come from the real YOLOX-Nano + ByteTrack on vtest.mp4.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Frame } from '@aima/ingest';
import {
  analyzeFrames,
  buildPromptPlan,
  CLIP_BPE_ID,
  createDetector,
  createModelRegistry,
  createModelSession,
  frameBox,
  loadTagVocabulary,
  MOBILECLIP_S0_IMAGE_ID,
  MOBILECLIP_S0_TEXT_ID,
  writeCrop,
  type AnalysisEvent,
  type ModelSession,
  type VideoInput,
} from '@aima/inference';
import { ANALYZERS } from '@aima/dashboard';
import { alternate, benchContext, decodeClip, median, MODELS_DIR, timeDetectEvents } from './safety-media.ts';
import { fixtureSpecs, resolvedFixtures, writeTagFixtures } from '../inference/test/tags-fixtures.ts';

const CLIP = 'video/vtest.mp4';
const W = 480;
const H = 360;
const FPS = 5;
const SECONDS = Number(process.env.AIMA_BENCH_TAGS_SECONDS ?? 12);
const MAX_PERSONS = 6;
const SIZE = 224;
const ROUNDS = 3;

export async function benchTags(): Promise<Record<string, unknown>> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'aima-bench-tags-'));
  try {
    const files = await writeTagFixtures(tmp, SIZE);
    const ids = { image: MOBILECLIP_S0_IMAGE_ID, text: MOBILECLIP_S0_TEXT_ID, bpe: CLIP_BPE_ID };
    const models = resolvedFixtures(fixtureSpecs(files, ids, SIZE));
    const frames = await decodeClip(CLIP, { seconds: SECONDS, fps: FPS, width: W, height: H });
    const events: AnalysisEvent[] = [];
    {
      const registry = createModelRegistry({ modelsDir: MODELS_DIR });
      await using detector = await createDetector({ model: await registry.resolve('yolox-nano') });
      async function* feed(): AsyncGenerator<Frame> {
        yield* frames;
      }
      for await (const e of analyzeFrames(feed(), { detector })) events.push(e);
    }
    const video = (f: Frame): VideoInput => ({ ...f, sourceWidth: W, sourceHeight: H });
    const byFrame = events.flatMap((e) =>
      e.type === 'frame'
        ? [
            {
              e,
              persons: e.frame.detections
                .filter((d) => d.label === 'person' && d.trackId > 0)
                .sort(
                  (a, b) =>
                    (b.box[2] - b.box[0]) * (b.box[3] - b.box[1]) -
                    (a.box[2] - a.box[0]) * (a.box[3] - a.box[1]),
                )
                .slice(0, MAX_PERSONS),
            },
          ]
        : [],
    );
    const crops = byFrame.reduce((n, f) => n + f.persons.length, 0);
    const sessions = new Map<string, Promise<ModelSession>>();
    const session = (id: string): Promise<ModelSession> => {
      let s = sessions.get(id);
      if (!s) {
        s = createModelSession(models.get(id)!.path, {
          executionProvider: 'cpu',
          intraOpThreads: 1,
          label: id,
        });
        sessions.set(id, s);
      }
      return s;
    };
    const image = await session(ids.image);
    const spec = models.get(ids.image)!.spec.input!;
    const plane = 3 * SIZE * SIZE;

    // The floor: the same crops as tensors made before the clock starts, one call per frame.
    const tensors = byFrame.map(({ e, persons }) => {
      const data = new Float32Array(Math.max(1, persons.length) * plane);
      persons.forEach((p, i) =>
        writeCrop(
          video(frames[e.frame.seq]!),
          frameBox(video(frames[e.frame.seq]!), p.box)!,
          spec,
          data,
          i * plane,
        ),
      );
      return { data, n: persons.length };
    });
    const input = image.inputs[0]!.name;
    const bare = async (): Promise<number> => {
      const t0 = performance.now();
      for (const t of tensors) {
        if (t.n === 0) continue;
        await image.run({ [input]: { type: 'float32', data: t.data.slice(), dims: [t.n, 3, SIZE, SIZE] } });
      }
      return performance.now() - t0;
    };

    const def = ANALYZERS.get('tags')!;
    let emitted = 0;
    let startMs = 0;
    const analyzer = async (): Promise<number> => {
      emitted = 0;
      const ctx = benchContext({
        running: ['detect', 'tags'],
        models,
        session,
        onEmit: (b) => {
          if (b.table === 'tags') emitted += b.rows.length;
        },
      });
      const t0 = performance.now();
      const inst = await def.create(
        ctx,
        def.config.parse({ everyMs: 100, maxPersons: MAX_PERSONS, frames: false }),
      );
      // The first start embeds the vocabulary; later ones hit the cache.
      if (startMs === 0) startMs = performance.now() - t0;
      return timeDetectEvents(inst, events, (seq) => video(frames[seq]!));
    };

    const { bareMs, analyzerMs } = await alternate(ROUNDS, bare, analyzer);
    for (const s of sessions.values()) await (await s).close();
    const sentences = buildPromptPlan(await loadTagVocabulary()).texts.length;
    const perCropBare = median(bareMs) / crops;
    const perCropAnalyzer = median(analyzerMs) / crops;
    const out = {
      clip: 'video/vtest.mp4',
      models: 'fixture towers (no CLIP weights here), 224×224 input',
      frames: byFrame.length,
      crops,
      rowsPerRun: emitted,
      vocabularySentences: sentences,
      startMs: Number(startMs.toFixed(1)),
      bareMsPerCrop: Number(perCropBare.toFixed(2)),
      analyzerMsPerCrop: Number(perCropAnalyzer.toFixed(2)),
      overheadMsPerCrop: Number((perCropAnalyzer - perCropBare).toFixed(2)),
      cropsPerSecond: Number((1000 / perCropAnalyzer).toFixed(1)),
    };
    console.log(
      `tags: ${crops} person crops in ${byFrame.length} frames; fixture tower bare ${out.bareMsPerCrop} ms/crop, ` +
        `analyzer ${out.analyzerMsPerCrop} ms/crop (+${out.overheadMsPerCrop} ms AIMA overhead), ` +
        `${out.cropsPerSecond} crops/s; first start (text embeddings of ${sentences} sentences, then cached) ${out.startMs} ms`,
    );
    return out;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

// Run on its own: `npx tsx bench/safety-tags.ts`.
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  benchTags().then(
    (r) => console.log(JSON.stringify(r)),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
