// Issue 11 benchmark, the age gate: age per face and NSFW per frame through the analyzer
// definitions the jobs run (crop/resize/normalise, model, decode, verdicts, rows, live messages)
// against the floor: bare runs of the same shared sessions on tensors prepared up front. Faces come
// from the real YuNet on short_hamilton_clip.mp4 (960 px wide, 1–3 faces per frame); every frame's
// verdict is clear for the NSFW pass, so it classifies each one (nothing of the gate is skipped).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AGE_INPUTS,
  AGE_VERDICTS,
  createFaceAnalyzer,
  createModelRegistry,
  createModelSession,
  faceRegion,
  nsfwjsTensor,
  regionToTensor,
  type AnalyzerContext,
  type AnalyzerDefinition,
  type ModelSession,
} from '@aima/inference';
import { ANALYZERS, FRAME_FACES } from '@aima/dashboard';
import { benchContext, decodeClip, median, MODELS_DIR } from './safety-media.ts';

const CLIP = 'video/short_hamilton_clip.mp4';
const W = 960;
const H = 540;
const FPS = 5;
const SECONDS = Number(process.env.AIMA_BENCH_GATE_SECONDS ?? 6);
const ROUNDS = 3;

/** A bench context whose only session is `modelId`'s. */
function context(modelId: string, session: ModelSession, running: string[]): AnalyzerContext {
  return benchContext({
    running,
    session: (id) => (id === modelId ? Promise.resolve(session) : Promise.reject(new Error(id))),
  });
}

type Face = { box: [number, number, number, number]; faceTrackId: number; personId: string; name: string };

export async function benchGate(): Promise<Record<string, unknown>> {
  const registry = createModelRegistry({ modelsDir: MODELS_DIR });
  const frames = await decodeClip(CLIP, { seconds: SECONDS, fps: FPS, width: W, height: H });
  // Faces per frame from the real YuNet (once; not part of either measurement).
  const faces: Face[][] = [];
  {
    await using fa = await createFaceAnalyzer({
      detectModel: await registry.resolve('yunet-2026may'),
      embedModel: await registry.resolve('mobilefacenet'),
      executionProvider: 'cpu',
    });
    for (const f of frames) {
      const found = (await fa.analyze([f])).faces[0]!;
      faces.push(
        found.map((x, i) => ({ box: [...x.box] as Face['box'], faceTrackId: i, personId: '', name: '' })),
      );
    }
  }
  const nFaces = faces.reduce((n, f) => n + f.length, 0);
  const open = async (id: string): Promise<ModelSession> =>
    createModelSession((await registry.resolve(id)).path, {
      executionProvider: 'cpu',
      intraOpThreads: 1,
      label: id,
    });
  await using ssr = await open('ssrnet');
  await using nsfw = await open('nsfwjs-mobilenet-v2');
  const ageDef = ANALYZERS.get('age') as AnalyzerDefinition;
  const nsfwDef = ANALYZERS.get('nsfw') as AnalyzerDefinition;

  // Bare: tensors prepared up front (each round anew: a run hands its buffers to the ORT worker
  // thread), one run each, the same batch-of-one the analyzers submit.
  const ssrIn = ssr.inputs[0]!.name;
  const nsfwIn = nsfw.inputs[0]!.name;
  const faceTensors = (): Float32Array[] =>
    frames.flatMap((f, i) =>
      faces[i]!.flatMap((face) => {
        const r = faceRegion(f, face.box, 'ssrnet');
        if (!r) return [];
        const t = new Float32Array(3 * 64 * 64);
        regionToTensor(f, r, AGE_INPUTS.ssrnet, t);
        return [t];
      }),
    );
  const frameTensors = (): Float32Array[] => frames.map((f) => nsfwjsTensor(f));
  const bareAge: number[] = [];
  const bareNsfw: number[] = [];
  const pathAge: number[] = [];
  const pathNsfw: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const ft = faceTensors();
    let t0 = performance.now();
    for (const t of ft) await ssr.run({ [ssrIn]: { type: 'float32', data: t, dims: [1, 3, 64, 64] } });
    bareAge.push((performance.now() - t0) / Math.max(1, ft.length));
    const fr = frameTensors();
    t0 = performance.now();
    for (const t of fr) await nsfw.run({ [nsfwIn]: { type: 'float32', data: t, dims: [1, 224, 224, 3] } });
    bareNsfw.push((performance.now() - t0) / fr.length);

    const age = await ageDef.create(
      context('ssrnet', ssr, ['detect', 'faces', 'age']),
      ageDef.config.parse({}),
    );
    let ms = 0;
    for (const [i, f] of frames.entries()) {
      await age.video!(f);
      const s = performance.now();
      await age.results!('faces', {
        table: FRAME_FACES,
        rows: [{ seq: f.seq, faces: faces[i] }],
        transient: true,
      });
      ms += performance.now() - s;
    }
    await age.close();
    pathAge.push(ms / Math.max(1, nFaces));

    const n = await nsfwDef.create(
      context('nsfwjs-mobilenet-v2', nsfw, ['age', 'nsfw']),
      nsfwDef.config.parse({}),
    );
    ms = 0;
    for (const f of frames) {
      await n.video!(f);
      const s = performance.now();
      const verdict = { seq: f.seq, ts: f.ts, faces: 1, minAge: 40, verdict: 'clear' as const };
      await n.results!('age', { table: AGE_VERDICTS, rows: [verdict], transient: true });
      ms += performance.now() - s;
    }
    await n.close();
    pathNsfw.push(ms / frames.length);
  }
  const r = (x: number): number => Math.round(x * 100) / 100;
  return {
    clip: 'video/short_hamilton_clip.mp4',
    frames: frames.length,
    faces: nFaces,
    agePerFaceMs: {
      analyzer: r(median(pathAge)),
      bareModel: r(median(bareAge)),
      ratio: r(median(pathAge) / median(bareAge)),
    },
    nsfwPerFrameMs: {
      analyzer: r(median(pathNsfw)),
      bareModel: r(median(bareNsfw)),
      ratio: r(median(pathNsfw) / median(bareNsfw)),
    },
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await benchGate(), null, 2));
}
