// The one way a source's analyzers are started in this process: the analyzer host over the
// runtime's shared services (store, scheduler, detector, faces). Analysis jobs and the seed API both
// come through here, so both get the same analyzers, the same services and the same age gate
// (applied inside createAnalyzerHost).
import {
  createAnalyzerHost,
  type AnalyzerFailure,
  type AnalyzerHost,
  type AnalyzerId,
  type AnyAnalyzerDefinition,
  type LiveResult,
  type QuarantineRow,
  type ResolvedModel,
  type ResultBatch,
} from '@aima/inference';
import type { JobRuntime } from '../runtime.ts';

export interface JobHostOptions {
  readonly sourceId: string;
  readonly live: boolean;
  readonly epochMs: number;
  /** What runs, in dependency order, each with its raw config. */
  readonly analyzers: ReadonlyArray<{ readonly def: AnyAnalyzerDefinition; readonly config?: unknown }>;
  readonly models: ReadonlyMap<string, ResolvedModel>;
  readonly unavailable: ReadonlyMap<AnalyzerId, Error>;
  /** Persists a batch (the job's bounded result writer). */
  store(analyzer: AnalyzerId, batch: ResultBatch): Promise<void>;
  onBatch?(analyzer: AnalyzerId, batch: ResultBatch): void;
  onLive?(analyzer: AnalyzerId, msg: LiveResult): void;
  onFailure?(failure: AnalyzerFailure): void;
  /** The age gate quarantined the source (called before its row is stored). */
  onQuarantine?(q: QuarantineRow): void;
  readonly onStoreWrite?: ((ms: number) => void) | undefined;
  readonly signal?: AbortSignal | undefined;
}

/** Starts the analyzer host of one source over the runtime's services. */
export function openJobHost(deps: JobRuntime, o: JobHostOptions): Promise<AnalyzerHost> {
  return createAnalyzerHost({
    sourceId: o.sourceId,
    live: o.live,
    epochMs: o.epochMs,
    executionProvider: deps.executionProvider,
    // The installation's settings (AIMA_ANALYZER_CONFIG) first, the job's own over them.
    analyzers: o.analyzers.map(({ def, config }) => {
      const base = deps.analyzerConfig?.[def.id];
      return base ? { def, config: { ...base, ...(config as object | undefined) } } : { def, config };
    }),
    models: o.models,
    unavailable: o.unavailable,
    session: (id) => deps.session(id),
    profile: deps.profile,
    services: {
      profile: deps.profile,
      store: deps.store,
      scheduler: deps.scheduler,
      detector: deps.detector,
      faces: deps.faces,
      hooks: { onStoreWrite: o.onStoreWrite },
    },
    store: o.store,
    ...(o.onBatch ? { onBatch: o.onBatch } : {}),
    ...(o.onLive ? { onLive: o.onLive } : {}),
    ...(o.onFailure ? { onFailure: o.onFailure } : {}),
    ...(o.onQuarantine ? { onQuarantine: o.onQuarantine } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  });
}
