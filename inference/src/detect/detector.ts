import os from 'node:os';
import { InferenceError } from '../errors.ts';
import type { ImageInputSpec, ModelSpec } from '../models/manifest.ts';
import { createModelSession, type ModelSession, type RunResult } from '../ort/session.ts';
import type { ExecutionProvider, TensorData } from '../ort/protocol.ts';
import { decodeYolov8, decodeYolox, type DecodeParams } from './decode.ts';
import { letterboxInto, type RgbImage } from './letterbox.ts';
import { nmsClasswise } from './nms.ts';
import { modelCoreMs } from '../profile/session.ts';
import { threadCpuMs } from '../profile/thread-cpu.ts';
import { buildThresholds, type ThresholdConfig } from './thresholds.ts';
import type { Detection, LetterboxTransform } from './types.ts';

export interface DetectorOptions extends Partial<ThresholdConfig> {
  readonly model: { readonly spec: ModelSpec; readonly path: string };
  readonly executionProvider?: ExecutionProvider;
  /**
   * Model instances, each in its own worker thread, taking consecutive batches in turn (like
   * Triton's instance groups). Default: one per 2 cores up to 2, so small models use both cores
   * through parallel frames rather than through intra-op threads, which scale poorly on them.
   */
  readonly instances?: number;
  /** ORT intra-op threads per instance (default: cores / instances). */
  readonly intraOpThreads?: number;
  /** IoU above which same-class boxes are suppressed (default 0.45). */
  readonly nmsIou?: number;
  readonly maxDetections?: number;
}

/** An image to detect on, plus the size of the source frame its boxes should be reported in. */
export interface DetectInput extends RgbImage {
  readonly sourceWidth?: number;
  readonly sourceHeight?: number;
}

export interface DetectTimings {
  readonly preMs: number;
  readonly inferMs: number;
  readonly postMs: number;
  /** Core time of the model runs (worker thread CPU; inferMs where the OS cannot tell). */
  readonly inferCpuMs?: number;
  /** Core time of pre- and post-processing (this thread's CPU; wall time where the OS cannot tell). */
  readonly preCpuMs?: number;
  readonly postCpuMs?: number;
}

export interface DetectResult {
  /** One list per input image, in input order. */
  readonly detections: Detection[][];
  /** Totals for the whole batch. */
  readonly timings: DetectTimings;
}

export interface Detector {
  readonly spec: ModelSpec;
  readonly labels: readonly string[];
  /** Model instances running in parallel; the analyzer keeps this many calls (plus one) in flight. */
  readonly instances: number;
  /** Largest batch one model call takes (1 for fixed-batch exports such as YOLOX-Nano). */
  readonly maxBatch: number;
  readonly executionProviders: readonly string[];
  /** Detects on up to `maxBatch` images in one model call (more are split into several calls). */
  detect(images: readonly DetectInput[]): Promise<DetectResult>;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const DYNAMIC_BATCH_LIMIT = 8;

export async function createDetector(opts: DetectorOptions): Promise<Detector> {
  const { spec } = opts.model;
  if (spec.task !== 'detect' || !spec.input || !spec.classes) {
    throw new InferenceError('INFER_BAD_CONFIG', `model ${spec.id} is not an object detector`);
  }
  const labels = spec.classes;
  const thresholds = buildThresholds(labels, {
    scoreThreshold: opts.scoreThreshold ?? 0.35,
    classThresholds: opts.classThresholds,
    classes: opts.classes,
  });
  const decode = spec.decoder === 'yolov8' ? decodeYolov8 : spec.decoder === 'yolox' ? decodeYolox : null;
  if (!decode) {
    throw new InferenceError(
      'INFER_BAD_CONFIG',
      `model ${spec.id}: decoder ${spec.decoder} cannot detect objects`,
    );
  }
  const cores = os.availableParallelism();
  const instances = Math.max(
    1,
    opts.instances ?? Number(process.env.AIMA_ORT_INSTANCES || Math.min(2, cores)),
  );
  const sessions = await openInstances(instances, () =>
    createModelSession(opts.model.path, {
      executionProvider: opts.executionProvider,
      intraOpThreads: opts.intraOpThreads ?? Math.max(1, Math.floor(cores / instances)),
      label: spec.id,
    }),
  );
  // Least busy instance first; ties go to the lowest index, so one instance serves a slow stream alone.
  const pick = (): (typeof sessions)[number] => sessions.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
  const session = sessions[0]!;
  const inMeta = session.inputs.find((i) => i.name === spec.input!.name) ?? session.inputs[0];
  if (!inMeta) {
    await Promise.all(sessions.map((x) => x.close()));
    throw new InferenceError('MODEL_LOAD_FAILED', `model ${spec.id} has no inputs`);
  }
  // A fixed input size in the model wins over the spec (user exports at 320, 480, 640, ...).
  const [, , h, w] = inMeta.dims;
  const input: ImageInputSpec = {
    ...spec.input,
    name: inMeta.name,
    width: typeof w === 'number' && w > 0 ? w : spec.input.width,
    height: typeof h === 'number' && h > 0 ? h : spec.input.height,
  };
  const params: DecodeParams = {
    inputWidth: input.width,
    inputHeight: input.height,
    numClasses: labels.length,
    thresholds,
    minThreshold: Math.min(...thresholds),
  };
  const batchDim = inMeta.dims[0];
  const maxBatch = typeof batchDim === 'number' && batchDim > 0 ? batchDim : DYNAMIC_BATCH_LIMIT;
  const inputName = inMeta.name;
  const nmsIou = opts.nmsIou ?? 0.45;
  const maxDetections = opts.maxDetections ?? 300;
  const pool = createTensorPool(input);
  const outName = session.outputs[0]?.name ?? '';
  const outPool = createOutputPool(session.outputs[0]?.dims ?? []);

  const runChunk = async (
    images: readonly DetectInput[],
  ): Promise<{ dets: Detection[][]; t: DetectTimings }> => {
    const t0 = performance.now();
    const c0 = threadCpuMs();
    const n = images.length;
    const tensor = pool.take(n);
    const transforms: LetterboxTransform[] = images.map((img, i) =>
      letterboxInto(img, input, tensor.data as Float32Array, i * 3 * input.width * input.height),
    );
    const t1 = performance.now();
    const preCpuMs = threadCpuMs() - c0;
    const into = outPool.take(n);
    let result: RunResult;
    try {
      result = await pick().run({ [inputName]: tensor }, into ? { into: { [outName]: into } } : {});
    } catch (err) {
      if (into) outPool.give(n, into);
      throw err;
    }
    const t2 = performance.now();
    const c2 = threadCpuMs();
    const returned = result.feeds[inputName];
    if (returned) pool.give(returned);
    const out = result.outputs[outName];
    if (!out || !(out.data instanceof Float32Array))
      throw new InferenceError('MODEL_BAD_OUTPUT', `model ${spec.id}: no float output`);
    const dets = images.map((img, i) => {
      const cands = nmsClasswise(
        decode(out.data as Float32Array, out.dims, params, i),
        nmsIou,
        maxDetections,
      );
      const t = transforms[i]!;
      const fx = (img.sourceWidth ?? img.width) / img.width;
      const fy = (img.sourceHeight ?? img.height) / img.height;
      const maxX = img.sourceWidth ?? img.width;
      const maxY = img.sourceHeight ?? img.height;
      return cands.map((c): Detection => {
        const clampX = (v: number): number => Math.min(Math.max(((v - t.padX) / t.scale) * fx, 0), maxX);
        const clampY = (v: number): number => Math.min(Math.max(((v - t.padY) / t.scale) * fy, 0), maxY);
        return {
          label: labels[c.classId]!,
          classId: c.classId,
          score: c.score,
          box: [clampX(c.x1), clampY(c.y1), clampX(c.x2), clampY(c.y2)],
        };
      });
    });
    // Decoded above: the shared output buffer can serve the next run.
    if (into) outPool.give(n, into);
    // ORT time comes from the worker; the rest of t1..t2 is queueing behind earlier runs.
    return {
      dets,
      t: {
        preMs: t1 - t0,
        inferMs: result.runMs,
        postMs: performance.now() - t2,
        inferCpuMs: modelCoreMs(result),
        preCpuMs,
        postCpuMs: threadCpuMs() - c2,
      },
    };
  };

  async function closeAll(): Promise<void> {
    await Promise.all(sessions.map((x) => x.close()));
  }

  return {
    // The spec as loaded: its input is the model's real input size.
    spec: { ...spec, input },
    labels,
    maxBatch,
    instances,
    executionProviders: session.executionProviders,
    async detect(images) {
      const chunks: Promise<{ dets: Detection[][]; t: DetectTimings }>[] = [];
      for (let i = 0; i < images.length; i += maxBatch) chunks.push(runChunk(images.slice(i, i + maxBatch)));
      const done = await Promise.all(chunks);
      return {
        detections: done.flatMap((d) => d.dets),
        timings: {
          preMs: done.reduce((s, d) => s + d.t.preMs, 0),
          inferMs: done.reduce((s, d) => s + d.t.inferMs, 0),
          postMs: done.reduce((s, d) => s + d.t.postMs, 0),
          inferCpuMs: done.reduce((s, d) => s + (d.t.inferCpuMs ?? d.t.inferMs), 0),
          preCpuMs: done.reduce((s, d) => s + (d.t.preCpuMs ?? d.t.preMs), 0),
          postCpuMs: done.reduce((s, d) => s + (d.t.postCpuMs ?? d.t.postMs), 0),
        },
      };
    },
    close: closeAll,
    [Symbol.asyncDispose]: closeAll,
  };
}

/** Opens n sessions; if any fails, closes the others before rethrowing (no stray worker threads). */
async function openInstances(n: number, open: () => Promise<ModelSession>): Promise<ModelSession[]> {
  const settled = await Promise.allSettled(Array.from({ length: n }, open));
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  const opened = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  if (failed) {
    await Promise.all(opened.map((x) => x.close()));
    throw failed.reason;
  }
  return opened;
}

/**
 * Input tensors are allocated once per batch size, in shared memory (the worker copies them; no
 * buffer changes hands, so the JS heap sees no allocation per frame), and reused.
 */
function createTensorPool(input: ImageInputSpec): { take(n: number): TensorData; give(t: TensorData): void } {
  const free = new Map<number, TensorData[]>();
  const per = 3 * input.width * input.height;
  return {
    take(n) {
      const t = free.get(n)?.pop();
      return t ?? { type: 'float32', data: sharedFloats(n * per), dims: [n, 3, input.height, input.width] };
    },
    give(t) {
      const n = t.dims[0] ?? 1;
      const list = free.get(n) ?? [];
      // A few spare buffers per size cover the pipeline depth; beyond that let GC have them.
      if (list.length < 4) list.push(t);
      free.set(n, list);
    },
  };
}

/** A Float32Array in shared memory where the platform has it (else a plain one: then transferred). */
function sharedFloats(n: number): Float32Array {
  return typeof SharedArrayBuffer === 'undefined'
    ? new Float32Array(n)
    : new Float32Array(new SharedArrayBuffer(n * Float32Array.BYTES_PER_ELEMENT));
}

/**
 * Shared buffers the worker copies the model's output into, per batch size, when the output's
 * shape is fixed apart from the batch (YOLOX, YOLOv8 exports): decoding reads them in place.
 * null when the shape is dynamic (the output is then transferred as before).
 */
function createOutputPool(dims: ReadonlyArray<number | string>): {
  take(n: number): Float32Array | null;
  give(n: number, buf: Float32Array): void;
} {
  const rest = dims.slice(1);
  const fixed = rest.length > 0 && rest.every((d) => typeof d === 'number' && d > 0);
  const per = fixed ? (rest as number[]).reduce((a, b) => a * b, 1) : 0;
  const free = new Map<number, Float32Array[]>();
  return {
    take(n) {
      if (!fixed) return null;
      return free.get(n)?.pop() ?? sharedFloats(n * per);
    },
    give(n, buf) {
      const list = free.get(n) ?? [];
      if (list.length < 4) list.push(buf);
      free.set(n, list);
    },
  };
}
