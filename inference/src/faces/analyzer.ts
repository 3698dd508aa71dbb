import os from 'node:os';
import type { DetectInput } from '../detect/detector.ts';
import { letterboxInto, letterboxTransform } from '../detect/letterbox.ts';
import type { BoxXYXY } from '../detect/types.ts';
import { InferenceError } from '../errors.ts';
import type { ImageInputSpec, ModelSpec } from '../models/manifest.ts';
import type { ExecutionProvider, TensorData } from '../ort/protocol.ts';
import { createModelSession, type ModelSession, type RunResult } from '../ort/session.ts';
import { modelCoreMs } from '../profile/session.ts';
import { ALIGNED_SIZE, alignFace, cropToTensor } from './align.ts';
import { decodeScrfd, decodeYunet, nmsFaces } from './decode.ts';
import { assessQuality, type FaceQualityOptions } from './quality.ts';
import { letterboxWindowInto, planWindows, type InputWindow } from './regions.ts';
import type { Face, FaceCandidate, FaceQuality } from './types.ts';

export interface FaceAnalyzerOptions {
  /** A face detector (task 'face-detect', decoder 'yunet' or 'scrfd'). */
  readonly detectModel: { readonly spec: ModelSpec; readonly path: string };
  /** A face embedder (task 'face-embed') taking 112×112 ArcFace-aligned crops. */
  readonly embedModel: { readonly spec: ModelSpec; readonly path: string };
  readonly executionProvider?: ExecutionProvider;
  /** Detector instances, each in its own worker (default: one per 2 cores up to 2, like the object detector). */
  readonly instances?: number;
  /** ORT intra-op threads per detector instance (default cores / instances); the embedder gets all cores. */
  readonly intraOpThreads?: number;
  /** Default 0.6 for YuNet, 0.5 for SCRFD (their upstream defaults). */
  readonly scoreThreshold?: number;
  /** Default 0.3 for YuNet, 0.4 for SCRFD. */
  readonly nmsIou?: number;
  /** Faces kept per image, best first (default 100). */
  readonly maxFaces?: number;
  /** Long side of the detector input, a multiple of 32 (default 640; exports with fixed output sizes keep theirs). */
  readonly maxSide?: number;
  /** When a face is good enough to embed; minScore defaults to 0.75 for YuNet, 0.6 for SCRFD. */
  readonly quality?: FaceQualityOptions;
}

export interface FaceTimings {
  /** Letterbox, detector runs and decoding, wall time for the whole call. */
  readonly detectMs: number;
  /** Alignment and quality scoring. */
  readonly alignMs: number;
  /** Embedder runs (one batch for all good faces of the call) and normalisation. */
  readonly embedMs: number;
  /** Core time of the detector and embedder runs (their worker threads' CPU, else run time). */
  readonly modelCoreMs: number;
  /** This thread's synchronous work: letterbox, decoding, alignment, quality, normalisation. */
  readonly jsMs: number;
  /** Detector runs (one per whole image, one per window where regions were given). */
  readonly detectorRuns: number;
}

/**
 * An image to find faces in. `regions` (source-frame pixels) says where faces can be: the
 * detector then runs only on grid-aligned windows around them (the same input pixels the
 * whole-image run would see there), or on the whole image when they cover most of it; an empty
 * list means nowhere (no run). Absent: the whole image.
 */
export interface FaceInput extends DetectInput {
  readonly regions?: readonly BoxXYXY[];
}

export interface FaceAnalysis {
  /** One list per input image, in input order; boxes and landmarks in source-frame pixels. */
  readonly faces: Face[][];
  readonly timings: FaceTimings;
}

/** Face detection, alignment, quality and embedding on RGB frames; owns its ORT worker threads. */
export interface FaceAnalyzer {
  readonly detectorId: string;
  readonly embedderId: string;
  /** Embedding length. */
  readonly dim: number;
  readonly closed: boolean;
  analyze(images: readonly FaceInput[], opts?: { readonly signal?: AbortSignal }): Promise<FaceAnalysis>;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const DYNAMIC_EMBED_BATCH = 32;
// Detector input sizes whose buffers are kept (a video has one, plus its windows' sizes; image
// folders bring many).
const MAX_INPUT_SIZES = 12;

/** Loads the detector (a pool of instances) and the embedder. MODEL_LOAD_FAILED if either fails. */
export async function createFaceAnalyzer(opts: FaceAnalyzerOptions): Promise<FaceAnalyzer> {
  const det = opts.detectModel.spec;
  const emb = opts.embedModel.spec;
  if (det.task !== 'face-detect' || !det.input || (det.decoder !== 'yunet' && det.decoder !== 'scrfd'))
    throw new InferenceError('INFER_BAD_CONFIG', `model ${det.id} is not a YuNet or SCRFD face detector`);
  if (emb.task !== 'face-embed' || !emb.input)
    throw new InferenceError('INFER_BAD_CONFIG', `model ${emb.id} is not a face embedder`);
  const maxSide = opts.maxSide ?? 640;
  if (!(maxSide >= 32 && maxSide % 32 === 0))
    throw new InferenceError('INFER_BAD_CONFIG', `maxSide must be a positive multiple of 32, got ${maxSide}`);
  const yunet = det.decoder === 'yunet';
  const scoreThreshold = opts.scoreThreshold ?? (yunet ? 0.6 : 0.5);
  const nmsIou = opts.nmsIou ?? (yunet ? 0.3 : 0.4);
  const maxFaces = opts.maxFaces ?? 100;
  // The two detectors' scores live on different scales: real faces score ≥ 0.9 with YuNet, where
  // its false positives (textures, paintings) reach 0.72; SCRFD gives real faces 0.7–0.9.
  const qualityOpts: FaceQualityOptions = {
    ...opts.quality,
    minScore: opts.quality?.minScore ?? (yunet ? 0.75 : 0.6),
  };
  const cores = os.availableParallelism();
  const instances = Math.max(
    1,
    opts.instances ?? Number(process.env.AIMA_ORT_INSTANCES || Math.min(2, cores)),
  );

  const opened: ModelSession[] = [];
  const open = async (path: string, label: string, threads: number): Promise<ModelSession> => {
    const s = await createModelSession(path, {
      executionProvider: opts.executionProvider,
      intraOpThreads: threads,
      label,
    });
    opened.push(s);
    return s;
  };
  let detectors: ModelSession[];
  let embedder: ModelSession;
  try {
    const detThreads = opts.intraOpThreads ?? Math.max(1, Math.floor(cores / instances));
    [detectors, embedder] = await Promise.all([
      Promise.all(Array.from({ length: instances }, () => open(opts.detectModel.path, det.id, detThreads))),
      open(opts.embedModel.path, emb.id, cores),
    ]);
  } catch (err) {
    await Promise.all(opened.map((s) => s.close()));
    throw err;
  }

  const detInput = detectors[0]!.inputs.find((i) => i.name === det.input!.name) ?? detectors[0]!.inputs[0];
  const embMeta = embedder.inputs.find((i) => i.name === emb.input!.name) ?? embedder.inputs[0];
  const embOut = embedder.outputs[0];
  if (!detInput || !embMeta || !embOut) {
    await Promise.all(opened.map((s) => s.close()));
    throw new InferenceError('MODEL_LOAD_FAILED', `model ${det.id} or ${emb.id} has no inputs or outputs`);
  }
  const embBatchDim = embMeta.dims[0];
  const embDynamic = !(typeof embBatchDim === 'number' && embBatchDim > 0);
  const embMaxBatch = embDynamic ? DYNAMIC_EMBED_BATCH : (embBatchDim as number);
  const embDim = embOut.dims[embOut.dims.length - 1];
  if (typeof embDim !== 'number' || embDim <= 0) {
    await Promise.all(opened.map((s) => s.close()));
    throw new InferenceError('MODEL_BAD_OUTPUT', `model ${emb.id}: embedding length is not fixed`);
  }
  const embSpec: ImageInputSpec = { ...emb.input!, name: embMeta.name };
  const sizes = createInputSizes(
    { ...det.input, name: detInput.name },
    maxSide,
    fixedInputSide(detectors[0]!),
    instances,
  );
  const embPool = createPool(
    (n) => ({
      type: 'float32',
      data: new Float32Array(n * 3 * ALIGNED_SIZE * ALIGNED_SIZE),
      dims: [n, 3, ALIGNED_SIZE, ALIGNED_SIZE],
    }),
    4,
  );
  const pick = (): ModelSession => detectors.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
  let closing: Promise<void> | null = null;

  // Per call: model core time and synchronous JS time, charged by the caller's profile.
  interface Costs {
    model: number;
    js: number;
    runs: number;
  }
  const timed = <T>(c: Costs, fn: () => T): T => {
    const t0 = performance.now();
    try {
      return fn();
    } finally {
      c.js += performance.now() - t0;
    }
  };
  const runDetector = async (
    spec: ImageInputSpec,
    pool: TensorPool,
    fill: (data: Float32Array) => void,
    c: Costs,
  ): Promise<FaceCandidate[]> => {
    const tensor = pool.take(1);
    timed(c, () => fill(tensor.data as Float32Array));
    const result: RunResult = await pick().run({ [spec.name]: tensor });
    c.model += modelCoreMs(result);
    c.runs++;
    const back = result.feeds[spec.name];
    if (back) pool.give(back);
    const p = { inputWidth: spec.width, inputHeight: spec.height, scoreThreshold };
    return timed(c, () =>
      yunet ? decodeYunet(result.outputs, p) : decodeScrfd(Object.values(result.outputs), p),
    );
  };

  const detectOne = async (img: FaceInput, c: Costs): Promise<{ cands: FaceCandidate[]; scale: number }> => {
    const size = sizes.get(img.width, img.height);
    // Top-left letterbox: input px = image px × scale, no padding offset.
    const { scale } = letterboxTransform(img.width, img.height, size.spec);
    const windows = img.regions ? regionWindows(img, size.spec, scale) : 'full';
    if (windows === 'full') {
      const raw = await runDetector(size.spec, size.pool, (d) => letterboxInto(img, size.spec, d), c);
      return { cands: timed(c, () => nmsFaces(raw, nmsIou, maxFaces)), scale };
    }
    const raw: FaceCandidate[] = [];
    const found = await Promise.all(
      windows.map((w) => {
        const ws = sizes.exact(w.w, w.h);
        return runDetector(ws.spec, ws.pool, (d) => letterboxWindowInto(img, size.spec, w, d), c);
      }),
    );
    windows.forEach((w, i) => {
      for (const f of found[i]!) {
        f.x1 += w.x;
        f.x2 += w.x;
        f.y1 += w.y;
        f.y2 += w.y;
        for (let j = 0; j < 5; j++) {
          f.landmarks[2 * j] = f.landmarks[2 * j]! + w.x;
          f.landmarks[2 * j + 1] = f.landmarks[2 * j + 1]! + w.y;
        }
        raw.push(f);
      }
    });
    // Windows do not overlap, but a face on the edge of two may be found in both.
    return { cands: timed(c, () => nmsFaces(raw, nmsIou, maxFaces)), scale };
  };

  /** The detector windows for an image's regions, or 'full' (also where the input size is fixed). */
  const regionWindows = (img: FaceInput, full: ImageInputSpec, scale: number): InputWindow[] | 'full' => {
    if (sizes.fixed) return 'full';
    const kx = (scale * img.width) / (img.sourceWidth ?? img.width);
    const ky = (scale * img.height) / (img.sourceHeight ?? img.height);
    const boxes = img.regions!.map((r): BoxXYXY => [r[0] * kx, r[1] * ky, r[2] * kx, r[3] * ky]);
    return planWindows(boxes, full.width, full.height);
  };

  const embed = async (crops: readonly Uint8Array[], c: Costs): Promise<Float32Array[]> => {
    const out: Float32Array[] = [];
    for (let i = 0; i < crops.length; i += embMaxBatch) {
      const chunk = crops.slice(i, i + embMaxBatch);
      // A fixed-batch export gets its full batch (the spare rows are ignored).
      const n = embDynamic ? chunk.length : embMaxBatch;
      const tensor = embPool.take(n);
      const data = tensor.data as Float32Array;
      timed(c, () =>
        chunk.forEach((crop, k) => cropToTensor(crop, embSpec, data, k * 3 * ALIGNED_SIZE * ALIGNED_SIZE)),
      );
      const result = await embedder.run({ [embSpec.name]: tensor });
      c.model += modelCoreMs(result);
      const back = result.feeds[embSpec.name];
      if (back) embPool.give(back);
      const o = result.outputs[embOut.name];
      if (!o || !(o.data instanceof Float32Array) || o.data.length < chunk.length * embDim)
        throw new InferenceError('MODEL_BAD_OUTPUT', `model ${emb.id}: no float embedding output`);
      const vectors = o.data;
      timed(c, () => {
        for (let k = 0; k < chunk.length; k++)
          out.push(l2Normalise(vectors.slice(k * embDim, (k + 1) * embDim)));
      });
    }
    return out;
  };

  const close = (): Promise<void> => {
    closing ??= Promise.all(opened.map((s) => s.close())).then(() => undefined);
    return closing;
  };

  return {
    detectorId: det.id,
    embedderId: emb.id,
    dim: embDim,
    get closed() {
      return closing !== null;
    },
    async analyze(images, o = {}) {
      if (closing) throw new InferenceError('INFER_CLOSED', `face analyzer (${det.id}) is closed`);
      o.signal?.throwIfAborted();
      const t0 = performance.now();
      const c: Costs = { model: 0, js: 0, runs: 0 };
      const detected = await Promise.all(images.map((img) => detectOne(img, c)));
      const t1 = performance.now();
      o.signal?.throwIfAborted();
      const pending: Array<{ face: MutableFace; crop: Uint8Array }> = [];
      const faces = images.map((img, i) => {
        const { cands, scale } = detected[i]!;
        const fx = (img.sourceWidth ?? img.width) / img.width;
        const fy = (img.sourceHeight ?? img.height) / img.height;
        return cands.map((c): Face => {
          const lmImg = new Float32Array(10);
          const lmSrc = new Float32Array(10);
          for (let j = 0; j < 5; j++) {
            lmImg[2 * j] = c.landmarks[2 * j]! / scale;
            lmImg[2 * j + 1] = c.landmarks[2 * j + 1]! / scale;
            lmSrc[2 * j] = lmImg[2 * j]! * fx;
            lmSrc[2 * j + 1] = lmImg[2 * j + 1]! * fy;
          }
          const box = clampBox(c, scale, img);
          const crop = alignFace(img, lmImg);
          const quality = assessQuality(
            { score: c.score, sizePx: Math.min(box[2] - box[0], box[3] - box[1]), landmarks: lmImg, crop },
            qualityOpts,
          );
          const face: MutableFace = {
            box: [box[0] * fx, box[1] * fy, box[2] * fx, box[3] * fy],
            score: c.score,
            landmarks: lmSrc,
            quality,
            embedding: null,
            crop,
          };
          if (quality.good) pending.push({ face, crop });
          return face;
        });
      });
      const t2 = performance.now();
      c.js += t2 - t1;
      if (pending.length > 0) {
        o.signal?.throwIfAborted();
        const vectors = await embed(
          pending.map((p) => p.crop),
          c,
        );
        pending.forEach((p, k) => (p.face.embedding = vectors[k]!));
      }
      const t3 = performance.now();
      return {
        faces,
        timings: {
          detectMs: t1 - t0,
          alignMs: t2 - t1,
          embedMs: t3 - t2,
          modelCoreMs: c.model,
          jsMs: c.js,
          detectorRuns: c.runs,
        },
      };
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

interface MutableFace {
  box: BoxXYXY;
  score: number;
  landmarks: Float32Array;
  quality: FaceQuality;
  embedding: Float32Array | null;
  crop: Uint8Array;
}

/** Face box in analysed-image pixels, clamped to the image. */
function clampBox(c: FaceCandidate, scale: number, img: DetectInput): BoxXYXY {
  const cx = (v: number): number => Math.min(Math.max(v / scale, 0), img.width);
  const cy = (v: number): number => Math.min(Math.max(v / scale, 0), img.height);
  return [cx(c.x1), cy(c.y1), cx(c.x2), cy(c.y2)];
}

/** In place; a zero vector stays zero. */
export function l2Normalise(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  if (s > 0) {
    const k = 1 / Math.sqrt(s);
    for (let i = 0; i < v.length; i++) v[i] = v[i]! * k;
  }
  return v;
}

/**
 * The square input side a detector's outputs were fixed to at export, or null when they are
 * dynamic. InsightFace's SCRFD exports declare their 640×640 output lengths (stride-8 scores
 * [12800, 1]): they run on other sizes, but ORT then warns on every run, so they get 640.
 */
function fixedInputSide(session: ModelSession): number | null {
  let most = 0;
  for (const o of session.outputs) {
    const n = o.dims.length === 2 ? o.dims[0] : null;
    if (typeof n !== 'number' || n <= 0) return null;
    most = Math.max(most, n);
  }
  // The stride-8 level has (side/8)² cells with 2 anchors each.
  const side = 8 * Math.sqrt(most / 2);
  return most > 0 && Number.isInteger(side) && side % 32 === 0 ? side : null;
}

interface TensorPool {
  take(n: number): TensorData;
  give(t: TensorData): void;
}

/**
 * Tensors by batch size, handed back by the worker for reuse. At most `maxSpare` are kept in all
 * (the embedder sees many batch sizes; keeping a few of each would pile up megabytes): the rest
 * go to GC.
 */
function createPool(make: (n: number) => TensorData, maxSpare: number): TensorPool {
  const free: TensorData[] = [];
  return {
    take(n) {
      const i = free.findIndex((t) => t.dims[0] === n);
      return i >= 0 ? free.splice(i, 1)[0]! : make(n);
    },
    give(t) {
      if (free.length >= maxSpare) free.shift();
      free.push(t);
    },
  };
}

interface InputSize {
  readonly spec: ImageInputSpec;
  readonly pool: TensorPool;
}

/**
 * The detector input for each frame size: the image scaled so its long side is `maxSide`, each
 * side rounded up to a multiple of 32 (both detectors take any such size), padded bottom-right.
 * Video frames share one size; image folders bring many, so only the recent few are kept.
 */
function createInputSizes(
  base: ImageInputSpec,
  maxSide: number,
  fixedSide: number | null,
  spares: number,
): InputSizes {
  const cache = new Map<string, InputSize>();
  const exact = (W: number, H: number): InputSize => {
    const key = `${W}x${H}`;
    let size = cache.get(key);
    if (size) {
      cache.delete(key); // re-insert: Map order is the recency order
    } else {
      const spec: ImageInputSpec = {
        ...base,
        width: W,
        height: H,
        letterbox: { ...base.letterbox, align: 'top-left' },
      };
      size = {
        spec,
        // One spare per detector instance covers the runs in flight.
        pool: createPool(
          (n) => ({ type: 'float32', data: new Float32Array(n * 3 * W * H), dims: [n, 3, H, W] }),
          spares,
        ),
      };
      if (cache.size >= MAX_INPUT_SIZES) cache.delete(cache.keys().next().value!);
    }
    cache.set(key, size);
    return size;
  };
  return {
    fixed: fixedSide !== null,
    get(w, h) {
      const s = maxSide / Math.max(w, h);
      const W = fixedSide ?? Math.max(32, Math.ceil((w * s) / 32) * 32);
      const H = fixedSide ?? Math.max(32, Math.ceil((h * s) / 32) * 32);
      return exact(W, H);
    },
    exact,
  };
}

interface InputSizes {
  /** The detector takes one input size only (no windows). */
  readonly fixed: boolean;
  /** The input for a whole w×h image. */
  get(w: number, h: number): InputSize;
  /** An input of exactly W×H (grid multiples): a window of a whole-image input. */
  exact(W: number, H: number): InputSize;
}
