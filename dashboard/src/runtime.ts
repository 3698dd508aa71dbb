import { ffmpegCpu } from '@aima/ingest';
import path from 'node:path';
import {
  customDetectorModel,
  isModelFile,
  readLabelsFile,
  createDetector,
  createModelRegistry,
  createScheduler,
  createProfile,
  createFaceAnalyzer,
  DEFAULT_FACE_DETECTOR_ID,
  DEFAULT_FACE_EMBEDDER_ID,
  type Scheduler,
  type Profile,
  type Detector,
  type DownloadProgress,
  type ExecutionProvider,
  type ResolvedModel,
  type AnalyzerConfigMap,
  type AnalyzerRegistry,
  type AnyAnalyzerDefinition,
  type ModelRegistry,
  type ModelSession,
  createModelSession,
} from '@aima/inference';
import { ANALYZERS } from './analyzers/index.ts';
import { coalesceInserts, createStore, type Store } from '@aima/storage';
import type { FaceDeps } from './jobs/face-stage.ts';
import { createPersonsService, type PersonsService, type PersonThresholds } from './persons/service.ts';

/** What opening the analysis runtime needs; the CLI fills it from its parsed config. */
export interface RuntimeOptions {
  readonly dataDir: string;
  readonly modelsDir: string | null;
  readonly cacheDir?: string;
  readonly clickhouseUrl?: string;
  readonly executionProvider: ExecutionProvider;
  readonly threads?: number;
  /** Never download a missing model. */
  readonly offline: boolean;
  /** A manifest id, or the path of the user's own YOLO-family .onnx export. */
  readonly modelId: string;
  /** For a model file: its output layout (default yolov8) and class names file (default COCO-80). */
  readonly decoder?: 'yolov8' | 'yolox';
  readonly labelsFile?: string;
  readonly classes?: readonly string[];
  readonly scoreThreshold?: number;
  readonly classThresholds?: Readonly<Record<string, number>>;
  readonly onDownload?: (p: DownloadProgress) => void;
  readonly signal?: AbortSignal;
  /** Faces → persons (default on). Model ids default to YuNet and MobileFaceNet. */
  /** Analyzer ids run when a job does not choose (AIMA_ANALYZERS); null: each analyzer's default. */
  readonly analyzers?: readonly string[] | null;
  /** The installation's analyzer settings (AIMA_ANALYZER_CONFIG), under each job's own. */
  readonly analyzerConfig?: AnalyzerConfigMap | null;
  /**
   * A store to use instead of opening one (a remote worker's proxy to the control plane's store);
   * the caller owns it and closes it.
   */
  readonly store?: Store;
  /** With `store`: the persons service faces use instead of one built on that store. */
  readonly personsService?: PersonsService;
  /** A model registry to use instead of one over modelsDir/cacheDir (a worker's, with its mirror). */
  readonly models?: ModelRegistry;
  readonly faces?: {
    readonly enabled: boolean;
    readonly detectorId?: string | undefined;
    readonly embedderId?: string | undefined;
    readonly thresholds?: Partial<PersonThresholds>;
  };
}

/**
 * The shared pieces every analysis job uses: one store, one detector (its model instances), and
 * one scheduler that shares the detector fairly between sources and batches across them.
 */
export interface Runtime {
  readonly store: Store;
  readonly detector: Detector;
  readonly scheduler: Scheduler;
  /** Face models and the persons service; null when faces are off. */
  readonly faces: FaceDeps | null;
  /** Every analyzer this build has. */
  readonly analyzers: AnalyzerRegistry;
  /** The set a job runs when it does not choose (null: each analyzer's own default). */
  readonly defaultAnalyzers: readonly string[] | null;
  /** The installation's analyzer settings (AIMA_ANALYZER_CONFIG); a job's own config is laid over them. */
  readonly analyzerConfig?: AnalyzerConfigMap | null;
  readonly executionProvider: ExecutionProvider;
  /** The model registry (where each model is, download and verify). */
  readonly models: ModelRegistry;
  /** Resolves the models of these analyzers; one that cannot have its models is unavailable (coded error). */
  resolveAnalyzerModels(defs: readonly AnyAnalyzerDefinition[]): Promise<{
    models: ReadonlyMap<string, ResolvedModel>;
    unavailable: ReadonlyMap<string, Error>;
  }>;
  /** One ORT session per model id, shared by every job (loaded on first use). */
  session(modelId: string): Promise<ModelSession>;
  /** Where the cores go, per stage, over every job of this runtime (`aima analyze --profile`). */
  readonly profile: Profile;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Opens the store (embedded chDB under dataDir/clickhouse, or CLICKHOUSE_URL) and migrates it. */
export async function openStore(
  opts: Pick<RuntimeOptions, 'dataDir' | 'clickhouseUrl' | 'signal'>,
): Promise<Store> {
  const store = await createStore({
    dataDir: path.join(opts.dataDir, 'clickhouse'),
    url: opts.clickhouseUrl,
  });
  try {
    await store.migrate(opts.signal);
    return store;
  } catch (err) {
    await store.close();
    throw err;
  }
}

/**
 * Resolves the model first (a missing or corrupt model fails before anything is written), then
 * opens the store, then loads the detector. Closes what it opened if a later step fails.
 */
export async function openRuntime(opts: RuntimeOptions): Promise<Runtime> {
  const registry = opts.models ?? createModelRegistry({ modelsDir: opts.modelsDir, cacheDir: opts.cacheDir });
  // A bad AIMA_ANALYZERS fails here, before anything is opened.
  if (opts.analyzers) ANALYZERS.select(opts.analyzers);
  const model = isModelFile(opts.modelId)
    ? await customDetectorModel(opts.modelId, {
        decoder: opts.decoder,
        labels: opts.labelsFile ? await readLabelsFile(opts.labelsFile) : undefined,
      })
    : await registry.resolve(opts.modelId, {
        download: !opts.offline,
        onProgress: opts.onDownload,
        signal: opts.signal,
      });
  const faceModels =
    opts.faces?.enabled === false
      ? null
      : await Promise.all(
          [
            opts.faces?.detectorId ?? DEFAULT_FACE_DETECTOR_ID,
            opts.faces?.embedderId ?? DEFAULT_FACE_EMBEDDER_ID,
          ].map((id) =>
            registry.resolve(id, {
              download: !opts.offline,
              onProgress: opts.onDownload,
              signal: opts.signal,
            }),
          ),
        );
  // Every source's writers share one INSERT per table at a time (storage/src/coalesce.ts).
  const store = coalesceInserts(opts.store ?? (await openStore(opts)));
  const closeStore = (): Promise<void> => (opts.store ? Promise.resolve() : store.close());
  let detector: Detector;
  let faces: FaceDeps | null = null;
  try {
    detector = await createDetector({
      model,
      executionProvider: opts.executionProvider,
      intraOpThreads: opts.threads,
      classes: opts.classes,
      scoreThreshold: opts.scoreThreshold,
      classThresholds: opts.classThresholds,
    });
    if (faceModels) {
      const [detectModel, embedModel] = faceModels as [ResolvedModel, ResolvedModel];
      const analyzer = await createFaceAnalyzer({
        detectModel,
        embedModel,
        executionProvider: opts.executionProvider,
      }).catch(async (err: unknown) => {
        await detector.close();
        throw err;
      });
      const persons = await (
        opts.personsService
          ? Promise.resolve(opts.personsService)
          : createPersonsService(store, { thresholds: opts.faces?.thresholds })
      ).catch(async (err: unknown) => {
        await analyzer.close();
        await detector.close();
        throw err;
      });
      faces = { analyzer, persons };
    }
  } catch (err) {
    await closeStore();
    throw err;
  }
  const scheduler = createScheduler({ detector });
  const profile = createProfile();
  // ffmpeg decodes in child processes: their CPU is the profile's decode (and audio decode).
  profile.watch('decode', () => ffmpegCpu().decode);
  profile.watch('audio', () => ffmpegCpu().audio);
  const resolved = new Map<string, ResolvedModel>();
  const sessions = new Map<string, Promise<ModelSession>>();
  const resolveAnalyzerModels: Runtime['resolveAnalyzerModels'] = async (defs) => {
    const models = new Map<string, ResolvedModel>();
    const unavailable = new Map<string, Error>();
    for (const def of defs) {
      for (const id of def.models) {
        try {
          let m = resolved.get(id);
          if (!m) {
            m = await registry.resolve(id, {
              download: !opts.offline,
              onProgress: opts.onDownload,
              signal: opts.signal,
            });
            resolved.set(id, m);
          }
          models.set(id, m);
        } catch (err) {
          unavailable.set(def.id, err instanceof Error ? err : new Error(String(err)));
          break;
        }
      }
    }
    return { models, unavailable };
  };
  const session = (modelId: string): Promise<ModelSession> => {
    let s = sessions.get(modelId);
    if (!s) {
      const m = resolved.get(modelId);
      if (!m) return Promise.reject(new Error(`model ${modelId} was not resolved`));
      // One worker thread per audio model: they are small, and several sources share it in turn.
      s = createModelSession(m.path, {
        executionProvider: opts.executionProvider,
        intraOpThreads: 1,
        label: modelId,
      });
      // A model that failed to load is tried again by the next job.
      s.catch(() => sessions.delete(modelId));
      sessions.set(modelId, s);
    }
    return s;
  };
  let closing: Promise<void> | null = null;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      await scheduler.close();
      await faces?.analyzer.close();
      await detector.close();
      for (const s of sessions.values()) await (await s.catch(() => null))?.close();
      await closeStore();
      profile.close();
    })());
  return {
    store,
    detector,
    scheduler,
    faces,
    analyzers: ANALYZERS,
    defaultAnalyzers: opts.analyzers ?? null,
    analyzerConfig: opts.analyzerConfig ?? null,
    executionProvider: opts.executionProvider,
    models: registry,
    resolveAnalyzerModels,
    session,
    profile,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** What an analysis job needs of the runtime. */
export type JobRuntime = Pick<
  Runtime,
  | 'store'
  | 'detector'
  | 'scheduler'
  | 'faces'
  | 'analyzers'
  | 'defaultAnalyzers'
  | 'analyzerConfig'
  | 'executionProvider'
  | 'resolveAnalyzerModels'
  | 'session'
  | 'profile'
>;
