import { stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import {
  createFeatureWindows,
  createKeypointSmoother,
  createModelRegistry,
  createModelSession,
  createPoseEstimator,
  InferenceError,
  isModelFile,
  profileOf,
  type AnalysisEvent,
  type AnalyzerContext,
  type AnalyzerDefinition,
  type LivePose,
  type ModelSession,
  type PoseDecoder,
  type PoseFeatureRow,
  type PoseRow,
  selectPersons,
} from '@aima/inference';
import { ANALYSIS_EVENTS } from './detect.ts';
import { createFrameKeeper } from './frame-keeper.ts';

/** The built-in pose model (shared/models): one person per square crop. */
export const MOVENET_ID = 'movenet-lightning';

export const PoseConfig = z
  .object({
    /**
     * A model id (movenet-lightning, rtmpose-t), or a YOLOv8/11-pose .onnx export's path inside
     * AIMA_MODELS_DIR or the model cache (relative paths are taken from AIMA_MODELS_DIR).
     */
    model: z.string().min(1).default(MOVENET_ID),
    /** Output layout of a model given by path (manifest models say their own). */
    decoder: z.enum(['movenet', 'yolov8-pose', 'rtmpose-simcc']).optional(),
    /** People per frame that get a pose (the biggest boxes first). */
    maxPersons: z.number().int().min(1).max(32).default(6),
    /** Detection labels that are people. */
    labels: z.array(z.string().min(1)).min(1).default(['person']),
    /** Feature window length, ms (pose_features rows per track and window). */
    windowMs: z.number().int().min(100).max(60_000).default(1000),
    /** Keypoints under this score are ignored by smoothing and features. */
    minScore: z.number().min(0).max(1).default(0.3),
    /** Square crops: share of the box's longer side added on each side. */
    padding: z.number().min(0).max(1).default(0.15),
    /** One-Euro smoothing: cut-off at rest (Hz) and speed coefficient. */
    smoothing: z
      .object({ minCutoff: z.number().positive().max(30), beta: z.number().min(0).max(100) })
      .partial()
      .default({}),
    /** Below this speed (box heights per second) a person is still (immobility time). */
    stillSpeed: z.number().min(0).max(10).default(0.05),
    /** Download a manifest model that is not local (default: only AIMA_MODELS_DIR and the cache). */
    download: z.boolean().default(false),
  })
  .strict();
export type PoseConfig = z.infer<typeof PoseConfig>;

interface Loaded {
  readonly session: ModelSession;
  readonly decoder: PoseDecoder;
  readonly modelId: string;
  /** Sessions this instance opened itself (downloaded/user models); the shared one is never closed. */
  readonly owned: boolean;
}

/** MoveNet is the runtime's shared session; other models are loaded for this instance. */
async function loadModel(ctx: AnalyzerContext, cfg: PoseConfig): Promise<Loaded> {
  if (cfg.model === MOVENET_ID) {
    return { session: await ctx.session(MOVENET_ID), decoder: 'movenet', modelId: MOVENET_ID, owned: false };
  }
  const opts = { executionProvider: ctx.executionProvider, intraOpThreads: 1, label: cfg.model };
  const registry = createModelRegistry({ modelsDir: process.env.AIMA_MODELS_DIR ?? null });
  if (isModelFile(cfg.model)) {
    // A user's own export, but only from the model folders: the config comes over the API too,
    // and must not make the server open any file it can read.
    const roots = [registry.modelsDir, registry.cacheDir].filter((r): r is string => r !== null);
    const file = path.resolve(roots[0] ?? '.', cfg.model);
    if (!roots.some((r) => file.startsWith(r + path.sep)))
      throw new InferenceError(
        'INFER_BAD_CONFIG',
        `pose.model: a model file must be inside ${roots.join(' or ')}`,
      );
    if (!(await stat(file).catch(() => null))?.isFile())
      throw new InferenceError('MODEL_NOT_FOUND', `pose model file ${file} not found`);
    const session = await createModelSession(file, opts);
    return {
      session,
      decoder: cfg.decoder ?? 'yolov8-pose',
      modelId: path.basename(file, '.onnx'),
      owned: true,
    };
  }
  const spec = registry.get(cfg.model);
  if (spec.task !== 'pose' || !['movenet', 'yolov8-pose', 'rtmpose-simcc'].includes(spec.decoder))
    throw new InferenceError('INFER_BAD_CONFIG', `pose.model: ${cfg.model} is not a pose model`);
  const m = await registry.resolve(cfg.model, { download: cfg.download, signal: ctx.signal });
  const session = await createModelSession(m.path, opts);
  return { session, decoder: spec.decoder as PoseDecoder, modelId: spec.id, owned: true };
}

/**
 * Pose on person tracks: each analysed frame's tracked people (detect's results), biggest first,
 * get 17 keypoints (MoveNet per crop by default; YOLOv8/11-pose per frame, matched to tracks by
 * IoU; RTMPose per crop), smoothed along the track; per track and window, posture and the
 * features the safety rules read (wrists together/behind the back, arms above the head, motion,
 * immobility).
 */
export const poseAnalyzer: AnalyzerDefinition<PoseConfig> = {
  id: 'pose',
  version: '1',
  title: 'Pose',
  description: 'Keypoints per person track (MoveNet on track crops; YOLOv8/11-pose, RTMPose decoders)',
  models: [MOVENET_ID],
  consumes: [{ kind: 'video' }, { kind: 'results', of: ['detect'], tables: [ANALYSIS_EVENTS] }],
  config: PoseConfig,
  defaultOn: false,
  produces: [
    { table: 'poses', live: 'pose', lane: 'pose' },
    { table: 'pose_features', live: '', lane: 'pose' },
  ],
  async create(ctx, cfg) {
    const model = await loadModel(ctx, cfg);
    // Model runs are charged to 'pose' by the session; this is the JS work around them.
    const profile = profileOf(ctx);
    const estimator = createPoseEstimator(model.session, {
      decoder: model.decoder,
      padding: cfg.padding,
      profile,
    });
    const smoother = createKeypointSmoother({ ...cfg.smoothing, minScore: cfg.minScore });
    const windows = createFeatureWindows({
      sourceId: ctx.sourceId,
      windowMs: cfg.windowMs,
      minScore: cfg.minScore,
      stillSpeed: cfg.stillSpeed,
    });
    const keeper = createFrameKeeper();
    const totals = { frames: 0, poses: 0, featureRows: 0, unmatched: 0 };
    const seen = new Set<number>();
    let closed = false;

    const emitFeatures = async (rows: PoseFeatureRow[]): Promise<void> => {
      if (rows.length === 0) return;
      totals.featureRows += rows.length;
      await ctx.emit({ table: 'pose_features', rows });
    };

    const frame = async (e: Extract<AnalysisEvent, { type: 'frame' }>): Promise<void> => {
      const f = keeper.take(e.frame.seq);
      if (!f) return;
      const persons = profile.measure('pose', () =>
        selectPersons(e.frame.detections, cfg.maxPersons, cfg.labels),
      );
      const found =
        model.decoder === 'yolov8-pose' || persons.length > 0 ? await estimator.estimate(f, persons) : [];
      const rows: PoseRow[] = [];
      profile.measure('pose', () => {
        for (const p of found.slice(0, cfg.maxPersons)) {
          const h = p.box[3] - p.box[1];
          const keypoints =
            p.trackId > 0 ? smoother.smooth(p.trackId, e.frame.ts, p.keypoints, h) : p.keypoints;
          if (p.trackId === 0) totals.unmatched++;
          else if (seen.size < 100_000) seen.add(p.trackId);
          rows.push({
            sourceId: ctx.sourceId,
            ts: e.frame.ts,
            seq: e.frame.seq,
            trackId: p.trackId,
            box: p.box,
            keypoints,
            score: p.score,
            modelId: model.modelId,
          });
        }
      });
      totals.frames++;
      totals.poses += rows.length;
      if (rows.length > 0) await ctx.emit({ table: 'poses', rows });
      const live: LivePose = {
        seq: e.frame.seq,
        persons: rows.map((r) => ({ trackId: r.trackId, keypoints: r.keypoints })),
      };
      ctx.pushLive({ kind: 'pose', ts: e.frame.ts, data: live });
      // Only tracked people have a history to window.
      await emitFeatures(
        profile.measure('pose', () => rows.filter((r) => r.trackId > 0).flatMap((r) => windows.add(r))),
      );
    };

    return {
      async video(f) {
        keeper.keep(f);
      },
      async results(_from, batch) {
        for (const e of batch.rows as AnalysisEvent[]) {
          if (e.type === 'frame') await frame(e);
          else if (e.type === 'track-end') {
            smoother.forget(e.track.id);
            await emitFeatures(windows.end(e.track.id));
          }
        }
      },
      async gap() {
        smoother.reset();
        await emitFeatures(windows.flush());
      },
      async finish() {
        await emitFeatures(windows.flush());
      },
      summary: () => ({
        ...totals,
        tracks: seen.size,
        modelId: model.modelId,
        modelRuns: estimator.runs,
        modelMs: Math.round(estimator.runMs),
      }),
      async close() {
        if (closed) return;
        closed = true;
        keeper.clear();
        if (model.owned) await model.session.close();
      },
    };
  },
};
