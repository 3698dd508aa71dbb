// The side-effect adapter of the pose analyzer: crops/letterboxes frames into a model session's
// input, runs it, and decodes with the pure decoders. Input buffers are recycled (the session
// transfers them to its worker and hands them back), so steady state allocates no pixel buffers.
//
// Batching: the exports are batch 1 (MoveNet Lightning's input is [1,192,192,3]; ORT refuses any
// other batch), so one model call takes one crop. What batching can still do is done here: every
// crop of a frame is cropped and submitted before the first result is awaited, and all sources
// share the runtime's one session, whose worker runs whatever is queued back to back (crops of
// every source in one FIFO). The recycled input buffers are pooled per session, not per source.
import { letterboxInto } from '../detect/letterbox.ts';
import { InferenceError } from '../errors.ts';
import type { ImageInputSpec } from '../models/manifest.ts';
import type { TensorData } from '../ort/protocol.ts';
import type { ModelSession } from '../ort/session.ts';
import { NO_PROFILE, type Profile } from '../profile/profile.ts';
import { aspectCrop, matchByIou, meanScore, squareCrop, type Box } from './geometry.ts';
import { decodeMovenet, MOVENET_SIZE } from './movenet.ts';
import { decodeSimcc, RTMPOSE_INPUT, RTMPOSE_MEAN, RTMPOSE_STD } from './rtmpose.ts';
import { cropRgbInto, rgbToNchw, type FramePixels } from './sample.ts';
import { decodeYoloPose, DEFAULT_YOLO_POSE, type YoloPoseOptions } from './yolov8-pose.ts';

export type PoseDecoder = 'movenet' | 'yolov8-pose' | 'rtmpose-simcc';

/** A person to estimate: detect's track and box (source pixels). */
export interface PersonBox {
  readonly trackId: number;
  readonly box: Box;
}

export interface EstimatedPose {
  /** The person's track; 0 for a multi-person model's pose no track matched. */
  readonly trackId: number;
  readonly box: Box;
  /** 17 × [x, y, score], source pixels (raw, not smoothed). */
  readonly keypoints: number[];
  readonly score: number;
}

export interface PoseEstimatorOptions {
  readonly decoder: PoseDecoder;
  /** Square crops: share of the box's longer side added on each side (MoveNet). */
  readonly padding?: number;
  /** YOLO-pose thresholds; its input side is read from the model (640 when dynamic). */
  readonly yolo?: Partial<YoloPoseOptions>;
  /** Charged with the JS work (cropping, tensors, decoding) as stage 'pose'. */
  readonly profile?: Profile;
}

export interface PoseEstimator {
  readonly decoder: PoseDecoder;
  /** One pose per person (top-down models: one model run per person; YOLO-pose: one per frame). */
  estimate(frame: FramePixels, persons: readonly PersonBox[]): Promise<EstimatedPose[]>;
  /** Time spent inside the model's run() so far, ms, and the runs (for the bench). */
  readonly runMs: number;
  readonly runs: number;
}

function fixedSide(session: ModelSession, fallback: number): number {
  const d = session.inputs[0]?.dims ?? [];
  const h = d[2];
  return typeof h === 'number' && h > 0 ? h : fallback;
}

/** Input buffers handed back by a session, shared by every estimator on it (one input shape). */
const SPARE_PER_SESSION = 16;
const spares = new WeakMap<ModelSession, TensorData[]>();

export function createPoseEstimator(session: ModelSession, opts: PoseEstimatorOptions): PoseEstimator {
  const inputName = session.inputs[0]?.name ?? 'input';
  const profile = opts.profile ?? NO_PROFILE;
  const pool = spares.get(session) ?? [];
  spares.set(session, pool);
  let runMs = 0;
  let runs = 0;
  const take = (make: () => TensorData): TensorData => pool.pop() ?? make();
  const run = async (feed: TensorData) => {
    const r = await session.run({ [inputName]: feed });
    runMs += r.runMs;
    runs++;
    const back = r.feeds[inputName];
    if (back && pool.length < SPARE_PER_SESSION) pool.push(back);
    return r.outputs;
  };
  const first = (outs: Record<string, TensorData>, name?: string): TensorData => {
    const t = (name ? outs[name] : undefined) ?? Object.values(outs)[0];
    if (!t) throw new RangeError('pose model returned no output');
    return t;
  };

  const movenet = (frame: FramePixels, p: PersonBox): Promise<EstimatedPose> => {
    const crop = squareCrop(p.box, opts.padding ?? 0.15);
    const feed = take(() => ({
      type: 'uint8',
      data: new Uint8Array(MOVENET_SIZE * MOVENET_SIZE * 3),
      dims: [1, MOVENET_SIZE, MOVENET_SIZE, 3],
    }));
    profile.measure('pose', () =>
      cropRgbInto(frame, crop, MOVENET_SIZE, MOVENET_SIZE, feed.data as Uint8Array),
    );
    return run(feed).then((outs) =>
      profile.measure('pose', () => {
        const keypoints = decodeMovenet(first(outs).data as Float32Array, crop);
        return { trackId: p.trackId, box: p.box, keypoints, score: meanScore(keypoints) };
      }),
    );
  };

  const { width: RW, height: RH } = RTMPOSE_INPUT;
  const rgb = new Uint8Array(RW * RH * 3);
  const rtmpose = async (frame: FramePixels, p: PersonBox): Promise<EstimatedPose> => {
    const crop = aspectCrop(p.box, RW, RH);
    const feed = take(() => ({ type: 'float32', data: new Float32Array(3 * RW * RH), dims: [1, 3, RH, RW] }));
    profile.measure('pose', () => {
      cropRgbInto(frame, crop, RW, RH, rgb);
      rgbToNchw(rgb, RW, RH, RTMPOSE_MEAN, RTMPOSE_STD, feed.data as Float32Array);
    });
    const outs = await run(feed);
    const x = first(outs, 'simcc_x');
    const y = outs['simcc_y'] ?? Object.values(outs)[1];
    if (!y) throw new RangeError('rtmpose model needs simcc_x and simcc_y outputs');
    const keypoints = decodeSimcc(x.data as Float32Array, x.dims, y.data as Float32Array, y.dims, crop);
    return { trackId: p.trackId, box: p.box, keypoints, score: meanScore(keypoints) };
  };

  const side = fixedSide(session, 640);
  // Ultralytics pre-processing: RGB, /255, centred letterbox padded with 114.
  const yoloSpec: ImageInputSpec = {
    name: inputName,
    width: side,
    height: side,
    colorOrder: 'RGB',
    mean: [0, 0, 0],
    std: [255, 255, 255],
    letterbox: { pad: 114, align: 'center' },
  };
  const yoloOpts = { ...DEFAULT_YOLO_POSE, ...opts.yolo };
  const yolo = async (frame: FramePixels, persons: readonly PersonBox[]): Promise<EstimatedPose[]> => {
    const feed = take(() => ({
      type: 'float32',
      data: new Float32Array(3 * side * side),
      dims: [1, 3, side, side],
    }));
    const t = profile.measure('pose', () =>
      letterboxInto(
        { width: frame.width, height: frame.height, data: frame.data, bgr: frame.format === 'bgr24' },
        yoloSpec,
        feed.data as Float32Array,
      ),
    );
    const out = first(await run(feed));
    const found = decodeYoloPose(
      out.data as Float32Array,
      out.dims,
      {
        ...t,
        toSourceX: frame.sourceWidth / frame.width,
        toSourceY: frame.sourceHeight / frame.height,
      },
      yoloOpts,
    );
    const match = matchByIou(
      found.map((f) => f.box),
      persons.map((p) => p.box),
    );
    return found.map((f, i) => ({
      trackId: match[i]! >= 0 ? persons[match[i]!]!.trackId : 0,
      box: match[i]! >= 0 ? persons[match[i]!]!.box : f.box,
      keypoints: f.keypoints,
      score: meanScore(f.keypoints),
    }));
  };

  return {
    decoder: opts.decoder,
    async estimate(frame, persons) {
      try {
        if (opts.decoder === 'yolov8-pose') return await yolo(frame, persons);
        if (persons.length === 0) return [];
        if (opts.decoder === 'rtmpose-simcc') {
          // One shared RGB scratch buffer: RTMPose crops go one at a time.
          const out: EstimatedPose[] = [];
          for (const p of persons) out.push(await rtmpose(frame, p));
          return out;
        }
        return await Promise.all(persons.map((p) => movenet(frame, p)));
      } catch (err) {
        // The decoders refuse outputs of the wrong shape: a model that is not what it claims.
        if (err instanceof RangeError)
          throw new InferenceError('MODEL_BAD_OUTPUT', `${session.label}: ${err.message}`);
        throw err;
      }
    },
    get runMs() {
      return runMs;
    },
    get runs() {
      return runs;
    },
  };
}
