// A real host for one analyzer instance in tests: models resolved from AIMA_MODELS_DIR (sha256
// checked by the registry), real ORT sessions in worker threads, emitted batches and live messages
// collected in order. Not a mock: the analyzer runs exactly as the job host runs it.
import {
  createModelRegistry,
  createModelSession,
  type ModelSession,
  type ResolvedModel,
} from '@aima/inference';
import type {
  AnalyzerContext,
  AnalyzerDefinition,
  AnalyzerInstance,
  LiveResult,
  ResultBatch,
} from '../src/analyzers/contract.ts';

export interface Harness {
  readonly instance: AnalyzerInstance;
  readonly ctx: AnalyzerContext;
  /** Every batch emitted, in order. */
  readonly batches: ResultBatch[];
  readonly lives: LiveResult[];
  readonly failures: Error[];
  /** Rows of one table, in emission order. */
  rows<R>(table: string): R[];
  close(): Promise<void>;
}

export interface HarnessOptions {
  readonly sourceId?: string;
  readonly live?: boolean;
  readonly epochMs?: number;
  /** Extra resolved models (e.g. fixture graphs) by id, used instead of the registry. */
  readonly models?: ReadonlyMap<string, ResolvedModel>;
  /** Called with every emitted batch (e.g. to forward it to a dependent harness). */
  readonly onEmit?: (b: ResultBatch) => Promise<void> | void;
  /** Analyzers running beside this one (default: only it). */
  readonly running?: readonly string[];
  /** Runtime services by name (see AnalyzerContext.service). */
  readonly services?: Readonly<Record<string, unknown>>;
}

export async function createHarness<C>(
  def: AnalyzerDefinition<C>,
  config: unknown = {},
  opts: HarnessOptions = {},
): Promise<Harness> {
  const registry = createModelRegistry({ modelsDir: process.env.AIMA_MODELS_DIR ?? null });
  const models = new Map<string, ResolvedModel>(opts.models ?? []);
  for (const id of def.models) {
    if (!models.has(id)) models.set(id, await registry.resolve(id, { download: false }));
  }
  const sessions = new Map<string, Promise<ModelSession>>();
  const batches: ResultBatch[] = [];
  const lives: LiveResult[] = [];
  const failures: Error[] = [];
  const abort = new AbortController();
  const ctx: AnalyzerContext = {
    sourceId: opts.sourceId ?? 'test-source',
    live: opts.live ?? false,
    epochMs: opts.epochMs ?? 0,
    executionProvider: 'cpu',
    running: opts.running ?? [def.id],
    models,
    session(modelId) {
      let s = sessions.get(modelId);
      if (!s) {
        const m = models.get(modelId);
        if (!m) return Promise.reject(new Error(`model ${modelId} was not declared by ${def.id}`));
        s = createModelSession(m.path, { executionProvider: 'cpu', intraOpThreads: 1, label: modelId });
        sessions.set(modelId, s);
      }
      return s;
    },
    async emit(b) {
      batches.push(b);
      await opts.onEmit?.(b);
    },
    pushLive(m) {
      lives.push(m);
    },
    fail(err) {
      failures.push(err);
    },
    service<T>(name: string): T {
      const s = opts.services?.[name];
      if (s === undefined) throw new Error(`no service ${name} in this harness`);
      return s as T;
    },
    signal: abort.signal,
  };
  const instance = await def.create(ctx, def.config.parse(config));
  return {
    instance,
    ctx,
    batches,
    lives,
    failures,
    rows: <R>(table: string) => batches.filter((b) => b.table === table).flatMap((b) => b.rows as R[]),
    async close() {
      abort.abort();
      await instance.close();
      for (const s of sessions.values()) await (await s.catch(() => null))?.close();
    },
  };
}
