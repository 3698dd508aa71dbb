// Issue 5 benchmark, faces and persons:
// (a) faces/s through detect + align + quality + embed (createFaceAnalyzer) on every frame of
//     short_hamilton_clip.mp4 (decoded up front, so decoding is not counted), against the floor:
//     bare ORT runs of both models on the same inputs (the same letterboxed frames, the same
//     aligned crops in the same batches), no pre/post-processing;
// (b) incremental clustering of 10,000 embeddings (gallery search + decision + add, every
//     embedding kept) against the floor: the same dot products in a plain loop. The embeddings are
//     synthetic (128-d, around 200 random identity centres): there are not 10,000 labelled faces here.
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { resolveFfmpeg } from '@aima/ingest';
import {
  ALIGNED_SIZE,
  createFaceAnalyzer,
  createGallery,
  createModelRegistry,
  createModelSession,
  cropToTensor,
  decideAssignment,
  DEFAULT_FACE_DETECTOR_ID,
  DEFAULT_FACE_EMBEDDER_ID,
  DEFAULT_PERSON_THRESHOLDS,
  letterboxInto,
  type ImageInputSpec,
} from '@aima/inference';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const shared = process.env.AIMA_SHARED_DIR ?? path.resolve(root, '../shared');
const modelsDir = process.env.AIMA_MODELS_DIR ?? path.join(shared, 'models');
const HAMILTON = path.join(
  process.env.AIMA_MEDIA_DIR ?? path.join(shared, 'media'),
  'video/short_hamilton_clip.mp4',
);
const W = 640;
const H = 360;

async function decodeAll(file: string): Promise<Uint8Array[]> {
  const { ffmpeg } = resolveFfmpeg();
  const p = spawn(ffmpeg, [
    '-v',
    'error',
    '-i',
    file,
    '-vf',
    `scale=${W}:${H}`,
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    'pipe:1',
  ]);
  const chunks: Buffer[] = [];
  for await (const c of p.stdout) chunks.push(c as Buffer);
  const all = Buffer.concat(chunks);
  const size = W * H * 3;
  return Array.from(
    { length: Math.floor(all.length / size) },
    (_, i) => new Uint8Array(all.subarray(i * size, (i + 1) * size)),
  );
}

interface PipelineRun {
  readonly ms: number;
  readonly faces: number;
  readonly goodFaces: number;
  /** The good faces' aligned crops per frame: the embedder's inputs, for the floor. */
  readonly crops: Uint8Array[][];
  readonly timings: { detectMs: number; alignMs: number; embedMs: number };
}

async function pipeline(frames: readonly Uint8Array[]): Promise<PipelineRun> {
  const reg = createModelRegistry({ modelsDir });
  await using analyzer = await createFaceAnalyzer({
    detectModel: await reg.resolve(DEFAULT_FACE_DETECTOR_ID),
    embedModel: await reg.resolve(DEFAULT_FACE_EMBEDDER_ID),
    executionProvider: 'cpu',
  });
  for (const f of frames.slice(0, 5)) await analyzer.analyze([{ width: W, height: H, data: f }]);
  const crops: Uint8Array[][] = [];
  const timings = { detectMs: 0, alignMs: 0, embedMs: 0 };
  let faces = 0;
  let goodFaces = 0;
  const t0 = performance.now();
  // One frame at a time, as the analysis job calls it.
  for (const f of frames) {
    const r = await analyzer.analyze([{ width: W, height: H, data: f }]);
    const found = r.faces[0]!;
    faces += found.length;
    const good = found.filter((x) => x.embedding !== null);
    goodFaces += good.length;
    crops.push(good.map((x) => x.crop));
    timings.detectMs += r.timings.detectMs;
    timings.alignMs += r.timings.alignMs;
    timings.embedMs += r.timings.embedMs;
  }
  return { ms: performance.now() - t0, faces, goodFaces, crops, timings };
}

interface FloorInputs {
  /** Per frame: the letterboxed detector input, and the embedder batch (null: no good face). */
  readonly det: { data: Float32Array; dims: number[] }[];
  readonly emb: ({ data: Float32Array; dims: number[] } | null)[];
  readonly detPath: string;
  readonly embPath: string;
}

async function floorInputs(
  frames: readonly Uint8Array[],
  crops: readonly Uint8Array[][],
): Promise<FloorInputs> {
  const reg = createModelRegistry({ modelsDir });
  const det = await reg.resolve(DEFAULT_FACE_DETECTOR_ID);
  const emb = await reg.resolve(DEFAULT_FACE_EMBEDDER_ID);
  // The analyzer's input for a 640×360 frame: long side 640, sides rounded up to multiples of 32.
  const detSpec: ImageInputSpec = { ...det.spec.input!, width: 640, height: 384 };
  const cropLen = 3 * ALIGNED_SIZE * ALIGNED_SIZE;
  return {
    detPath: det.path,
    embPath: emb.path,
    det: frames.map((f) => {
      const data = new Float32Array(3 * detSpec.width * detSpec.height);
      letterboxInto({ width: W, height: H, data: f }, detSpec, data);
      return { data, dims: [1, 3, detSpec.height, detSpec.width] };
    }),
    emb: crops.map((cs) => {
      if (cs.length === 0) return null;
      const data = new Float32Array(cs.length * cropLen);
      cs.forEach((c, k) => cropToTensor(c, emb.spec.input!, data, k * cropLen));
      return { data, dims: [cs.length, 3, ALIGNED_SIZE, ALIGNED_SIZE] };
    }),
  };
}

/** Bare ORT in this thread, one session per model, all cores, spin-waiting on (ORT's default). */
async function floorInThread(x: FloorInputs): Promise<number> {
  const opts: ort.InferenceSession.SessionOptions = {
    executionProviders: ['cpu'],
    intraOpNumThreads: os.availableParallelism(),
    graphOptimizationLevel: 'all',
  };
  const detSession = await ort.InferenceSession.create(x.detPath, opts);
  const embSession = await ort.InferenceSession.create(x.embPath, opts);
  const detName = detSession.inputNames[0]!;
  const embName = embSession.inputNames[0]!;
  const run = async (i: number): Promise<void> => {
    const d = x.det[i]!;
    await detSession.run({ [detName]: new ort.Tensor('float32', d.data, d.dims) });
    const e = x.emb[i];
    if (e) await embSession.run({ [embName]: new ort.Tensor('float32', e.data, e.dims) });
  };
  for (let i = 0; i < Math.min(5, x.det.length); i++) await run(i);
  const t0 = performance.now();
  for (let i = 0; i < x.det.length; i++) await run(i);
  const ms = performance.now() - t0;
  await detSession.release();
  await embSession.release();
  return ms;
}

/** Bare ORT in worker sessions threaded as the analyzer threads them, buffers transferred back and forth. */
async function floorWorkers(x: FloorInputs): Promise<number> {
  const cores = os.availableParallelism();
  const detThreads = Math.max(1, Math.floor(cores / Math.min(2, cores)));
  await using detSession = await createModelSession(x.detPath, { intraOpThreads: detThreads });
  await using embSession = await createModelSession(x.embPath, { intraOpThreads: cores });
  const detName = detSession.inputs[0]!.name;
  const embName = embSession.inputs[0]!.name;
  const run = async (i: number): Promise<void> => {
    const d = x.det[i]!;
    const r = await detSession.run({ [detName]: { type: 'float32', data: d.data, dims: d.dims } });
    d.data = r.feeds[detName]!.data as Float32Array; // handed back after the transfer
    const e = x.emb[i];
    if (!e) return;
    const q = await embSession.run({ [embName]: { type: 'float32', data: e.data, dims: e.dims } });
    e.data = q.feeds[embName]!.data as Float32Array;
  };
  for (let i = 0; i < Math.min(5, x.det.length); i++) await run(i);
  const t0 = performance.now();
  for (let i = 0; i < x.det.length; i++) await run(i);
  return performance.now() - t0;
}

/** Deterministic pseudo-random numbers (xorshift). */
function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

function unit(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  const k = 1 / Math.sqrt(n);
  return v.map((x) => x * k);
}

function syntheticEmbeddings(
  n: number,
  identities: number,
  dim: number,
): { e: Float32Array[]; truth: number[] } {
  const rand = rng(12345);
  const centres = Array.from({ length: identities }, () =>
    unit(Float32Array.from({ length: dim }, () => rand() - 0.5)),
  );
  const truth: number[] = [];
  const e: Float32Array[] = [];
  for (let i = 0; i < n; i++) {
    const id = Math.floor(rand() * identities);
    const noise = unit(Float32Array.from({ length: dim }, () => rand() - 0.5));
    // cosine to the centre ≈ 0.86, between two faces of one identity ≈ 0.74 (real same-person
    // pairs here measured 0.57–0.80)
    e.push(unit(centres[id]!.map((c, k) => c + 0.6 * noise[k]!)));
    truth.push(id);
  }
  return { e, truth };
}

async function benchClustering(n: number, identities: number): Promise<Record<string, number>> {
  const dim = 128;
  const { e, truth } = syntheticEmbeddings(n, identities, dim);
  // Every embedding is kept (no per-person bound), so the last searches scan all 10,000.
  const gallery = createGallery({ dim, maxExemplarsPerPerson: n });
  const labels = new Int32Array(n);
  const sizes = new Int32Array(n);
  let next = 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    sizes[i] = gallery.size;
    const d = decideAssignment(gallery.search(e[i]!, 5), DEFAULT_PERSON_THRESHOLDS);
    const label = d.kind === 'assign' ? Number(d.personId) : next++;
    labels[i] = label;
    gallery.add(String(label), String(i), e[i]!);
  }
  const ms = performance.now() - t0;
  // The search at full size, alone.
  const q0 = performance.now();
  for (let i = 0; i < 100; i++) gallery.search(e[i]!, 5);
  const searchMs = (performance.now() - q0) / 100;
  // Floor: the same dot products over a plain matrix with the gallery's kernel (4 accumulators),
  // nothing else: no per-person best, no sorting, no bookkeeping.
  const matrix = new Float32Array(n * dim);
  e.forEach((v, i) => matrix.set(v, i * dim));
  let sink = 0;
  const f0 = performance.now();
  for (let i = 0; i < n; i++) {
    const q = e[i]!;
    for (let r = 0; r < sizes[i]!; r++) {
      const o = r * dim;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let k = 0; k < dim; k += 4) {
        s0 += matrix[o + k]! * q[k]!;
        s1 += matrix[o + k + 1]! * q[k + 1]!;
        s2 += matrix[o + k + 2]! * q[k + 2]!;
        s3 += matrix[o + k + 3]! * q[k + 3]!;
      }
      const s = s0 + s1 + s2 + s3;
      if (s > sink) sink = s;
    }
  }
  const floorMs = performance.now() - f0;
  const clusters = new Map<number, Map<number, number>>();
  labels.forEach((l, i) => {
    const m = clusters.get(l) ?? new Map<number, number>();
    m.set(truth[i]!, (m.get(truth[i]!) ?? 0) + 1);
    clusters.set(l, m);
  });
  let majority = 0;
  for (const m of clusters.values()) majority += Math.max(...m.values());
  return { ms, floorMs, searchMs, clusters: clusters.size, purity: majority / n, sink };
}

export async function benchFaces(): Promise<Record<string, unknown>> {
  const frames = await decodeAll(HAMILTON);
  console.log(`short_hamilton_clip.mp4: ${frames.length} frames at ${W}x${H}, decoded up front`);
  const p = await pipeline(frames);
  const inputs = await floorInputs(frames, p.crops);
  const inThreadMs = await floorInThread(inputs);
  const workersMs = await floorWorkers(inputs);
  // The floor is the best bare configuration on this machine, whichever the analyzer uses.
  const floorMs = Math.min(inThreadMs, workersMs);
  const facesPerSec = (p.faces * 1000) / p.ms;
  const floorFacesPerSec = (p.faces * 1000) / floorMs;
  console.log(
    `(a) detect+align+quality+embed (${DEFAULT_FACE_DETECTOR_ID} + ${DEFAULT_FACE_EMBEDDER_ID}): ` +
      `${facesPerSec.toFixed(1)} faces/s, ${((frames.length * 1000) / p.ms).toFixed(1)} frames/s ` +
      `(${p.faces} faces, ${p.goodFaces} good and embedded)`,
  );
  console.log(
    `    per frame: detect ${(p.timings.detectMs / frames.length).toFixed(2)} ms, align+quality ${(p.timings.alignMs / frames.length).toFixed(2)} ms, ` +
      `embed ${(p.timings.embedMs / frames.length).toFixed(2)} ms`,
  );
  console.log(
    `    floor, bare ORT runs of both models on the same inputs: ${floorFacesPerSec.toFixed(1)} faces/s ` +
      `= max(in-thread sessions x ${os.availableParallelism()} threads: ${((p.faces * 1000) / inThreadMs).toFixed(1)}; ` +
      `worker sessions threaded like the analyzer: ${((p.faces * 1000) / workersMs).toFixed(1)})`,
  );
  console.log(`    pipeline/floor = ${(facesPerSec / floorFacesPerSec).toFixed(3)}`);
  const n = 10_000;
  const c = await benchClustering(n, 200);
  console.log(
    `(b) incremental clustering of ${n} synthetic 128-d embeddings (200 identities, every embedding kept): ` +
      `${c.ms!.toFixed(0)} ms (${((1000 * c.ms!) / n).toFixed(0)} µs each), ${c.clusters} clusters, purity ${c.purity!.toFixed(3)}`,
  );
  console.log(
    `    one search over all ${n}: ${c.searchMs!.toFixed(2)} ms; floor, the same dot products alone: ` +
      `${c.floorMs!.toFixed(0)} ms → clustering/floor = ${(c.ms! / c.floorMs!).toFixed(2)}`,
  );
  return {
    frames: frames.length,
    faces: p.faces,
    goodFaces: p.goodFaces,
    facesPerSec,
    framesPerSec: (frames.length * 1000) / p.ms,
    floorFacesPerSec,
    floorInThreadFacesPerSec: (p.faces * 1000) / inThreadMs,
    floorWorkersFacesPerSec: (p.faces * 1000) / workersMs,
    pipelineOverFloor: facesPerSec / floorFacesPerSec,
    perFrameMs: {
      detect: p.timings.detectMs / frames.length,
      align: p.timings.alignMs / frames.length,
      embed: p.timings.embedMs / frames.length,
    },
    clustering: {
      embeddings: n,
      identities: 200,
      synthetic: true,
      ms: c.ms,
      usPerEmbedding: (1000 * c.ms!) / n,
      searchMsAtFull: c.searchMs,
      floorMs: c.floorMs,
      overFloor: c.ms! / c.floorMs!,
      clusters: c.clusters,
      purity: c.purity,
    },
  };
}
