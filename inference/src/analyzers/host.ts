import { InferenceError } from '../errors.ts';
import type { ExecutionProvider } from '../ort/protocol.ts';
import type { ModelSession } from '../ort/session.ts';
import type { ResolvedModel } from '../models/registry.ts';
import type {
  AnalyzerContext,
  AnalyzerId,
  AnalyzerInstance,
  AnyAnalyzerDefinition,
  AudioInput,
  LiveResult,
  ResultBatch,
  VideoInput,
} from './contract.ts';
import { createLane, type Lane } from './lane.ts';
import type { Profile } from '../profile/profile.ts';
import { chargedSession } from '../profile/session.ts';
import type { QuarantineRow } from '../nsfw/records.ts';
import {
  AGE_ANALYZER_ID,
  createMinorGate,
  gateStartError,
  isGated,
  requiredChain,
  type MinorGate,
} from './minor-gate.ts';

/** An analyzer that stopped on this source (the others go on). */
export interface AnalyzerFailure {
  readonly analyzer: AnalyzerId;
  readonly code: string;
  readonly message: string;
}

export interface AnalyzerHostOptions {
  readonly sourceId: string;
  readonly live: boolean;
  readonly epochMs: number;
  readonly executionProvider: ExecutionProvider;
  /** What runs, in dependency order (AnalyzerRegistry.select), each with its raw config. */
  readonly analyzers: ReadonlyArray<{ readonly def: AnyAnalyzerDefinition; readonly config?: unknown }>;
  /** Models resolved for the chosen analyzers. */
  readonly models: ReadonlyMap<string, ResolvedModel>;
  /** Analyzers that cannot start (a model missing or failing its sha256): reported, never created. */
  readonly unavailable?: ReadonlyMap<AnalyzerId, Error>;
  session(modelId: string): Promise<ModelSession>;
  readonly services?: Readonly<Record<string, unknown>>;
  /** Persists a (non-transient) batch; may wait for room, must not drop. */
  store(analyzer: AnalyzerId, batch: ResultBatch): Promise<void>;
  /** Sees every batch, transient ones included, after it was stored. */
  onBatch?(analyzer: AnalyzerId, batch: ResultBatch): void;
  onLive?(analyzer: AnalyzerId, msg: LiveResult): void;
  onFailure?(failure: AnalyzerFailure): void;
  /**
   * The minor-protection gate quarantined this source (minor-gate.ts): called at once, before the
   * quarantines row is stored, so pixel guards can close before the row's batch is flushed.
   */
  onQuarantine?(q: QuarantineRow): void;
  /** Where the cores go: each analyzer's model runs are charged to a stage named after it. */
  readonly profile?: Profile;
  /** Calls waiting per analyzer before live media inputs are dropped (files wait). Default 256. */
  readonly queueLimit?: number;
  /** The same for analyzers that consume video frames. Default 8. */
  readonly videoQueueLimit?: number;
  readonly signal?: AbortSignal;
}

/** Runs the chosen analyzers of one source: routes inputs and results, stores what they emit. */
export interface AnalyzerHost {
  readonly ids: readonly AnalyzerId[];
  readonly wantsVideo: boolean;
  readonly wantsAudio: boolean;
  has(id: AnalyzerId): boolean;
  /** Media inputs: queued to every consumer (live: oldest dropped when behind; files: wait). */
  video(frame: VideoInput): Promise<void>;
  audio(chunk: AudioInput): Promise<void>;
  gap(atTs: number): Promise<void>;
  /** End of input: each analyzer finishes after the ones it consumes, so nothing is left behind. */
  finish(): Promise<void>;
  summaries(): Readonly<Record<AnalyzerId, Readonly<Record<string, unknown>>>>;
  readonly failures: readonly AnalyzerFailure[];
  /** The original error of a failed analyzer (in-process callers rethrow it as it was). */
  errorOf(id: AnalyzerId): unknown;
  /** Media inputs dropped per analyzer (live sources falling behind). */
  dropped(): Readonly<Record<AnalyzerId, number>>;
  close(): Promise<void>;
}

interface Running {
  readonly def: AnyAnalyzerDefinition;
  readonly instance: AnalyzerInstance;
  readonly lane: Lane;
  /** Consumers of this analyzer's results, in dependency order. */
  readonly consumers: Running[];
}

/** Creates every instance (in dependency order); a config error rejects before anything runs. */
export async function createAnalyzerHost(opts: AnalyzerHostOptions): Promise<AnalyzerHost> {
  // The minor-protection gate first: a gated analyzer without a complete, available age chain
  // rejects before any analyzer is created or fed (nothing analysed).
  const gateError = gateStartError(
    opts.analyzers.map((a) => a.def),
    opts.unavailable ?? new Map(),
  );
  if (gateError) throw gateError;
  let gate: MinorGate | null = null;
  const failures: AnalyzerFailure[] = [];
  const failedIds = new Set<AnalyzerId>();
  const errors = new Map<AnalyzerId, unknown>();
  const abort = new AbortController();
  const onAbort = (): void => abort.abort(opts.signal?.reason);
  if (opts.signal?.aborted) onAbort();
  else opts.signal?.addEventListener('abort', onAbort, { once: true });

  const fail = (analyzer: AnalyzerId, err: unknown): void => {
    // What breaks while the job is being stopped (a decode cut short) is not the analyzer's fault.
    if (failedIds.has(analyzer) || abort.signal.aborted) return;
    failedIds.add(analyzer);
    errors.set(analyzer, err);
    const e = err as { code?: unknown; message?: unknown };
    const f: AnalyzerFailure = {
      analyzer,
      code: typeof e?.code === 'string' ? e.code : 'INFER_ANALYZER_FAILED',
      message: (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '',
    };
    failures.push(f);
    try {
      opts.onFailure?.(f);
    } catch {
      // A listener's bug must not stop the analyzers.
    }
    // The age chain failing stops the gated analyzers and quarantines (fail closed).
    void gate?.onFailure(analyzer, f.code).catch(() => undefined);
  };

  for (const [id, err] of opts.unavailable ?? []) fail(id, err);
  const chosen = opts.analyzers.filter((a) => !failedIds.has(a.def.id));
  const runningIds = chosen.map((a) => a.def.id);
  const gatedIds = chosen.filter((a) => isGated(a.def)).map((a) => a.def.id);
  const ageChain = requiredChain(
    chosen.map((a) => a.def),
    AGE_ANALYZER_ID,
  );
  // Parse every config first: a bad config is the caller's error and nothing starts.
  const configs = chosen.map((a) => {
    const r = a.def.config.safeParse(a.config ?? {});
    if (!r.success) {
      const issue = r.error.issues[0];
      const where = [a.def.id, ...(issue?.path ?? [])].join('.');
      throw new InferenceError('INFER_BAD_CONFIG', `${where}: ${issue?.message ?? 'invalid'}`);
    }
    return r.data as unknown;
  });

  const byId = new Map<AnalyzerId, Running>();
  if (gatedIds.length > 0) {
    gate = createMinorGate({
      sourceId: opts.sourceId,
      gated: gatedIds,
      chain: ageChain,
      fail: (id, err) => fail(id, err),
      store: (id, batch) => opts.store(id, batch),
      pushLive: (id, msg) => {
        try {
          opts.onLive?.(id, msg);
        } catch {
          // Live viewers are best effort.
        }
      },
      onQuarantine: opts.onQuarantine,
    });
  }
  const limit = opts.queueLimit ?? 256;
  const videoLimit = opts.videoQueueLimit ?? 8;

  const deliver = async (from: AnalyzerId, batch: ResultBatch): Promise<void> => {
    const producer = byId.get(from);
    if (!producer) return;
    const targets = producer.consumers.filter(
      (c) => wants(c.def, from, batch.table) && !failedIds.has(c.def.id),
    );
    for (let i = 0; i < targets.length; i++) {
      const c = targets[i]!;
      const run = (): Promise<void> => c.instance.results!(from, batch);
      // A consumer that feeds a later receiver of the same batch handles it first (a shot cut
      // reaches faces before the frame it cuts at): wait for it to run; the others only queue it.
      const feedsLater = targets.slice(i + 1).some((t) => consumes(t.def, c.def.id));
      if (feedsLater) await c.lane.call(run);
      else await c.lane.results(run);
    }
  };

  const contextFor = (def: AnyAnalyzerDefinition): AnalyzerContext => ({
    sourceId: opts.sourceId,
    live: opts.live,
    epochMs: opts.epochMs,
    executionProvider: opts.executionProvider,
    models: new Map(
      def.models.flatMap((m) => (opts.models.has(m) ? [[m, opts.models.get(m)!] as const] : [])),
    ),
    running: runningIds,
    session: (modelId) => {
      if (!def.models.includes(modelId)) {
        return Promise.reject(
          new InferenceError('INFER_ANALYZER_FAILED', `${def.id} did not declare model ${modelId}`),
        );
      }
      const profile = opts.profile;
      if (!profile) return opts.session(modelId);
      return opts.session(modelId).then((s) => chargedSession(s, profile, def.id));
    },
    async emit(batch) {
      if (failedIds.has(def.id)) return;
      if (!batch.transient && batch.rows.length > 0) await opts.store(def.id, batch);
      try {
        opts.onBatch?.(def.id, batch);
      } catch {
        // Observers are best effort.
      }
      // Verdicts reach the gate before any consumer (a gated analyzer never sees a minor's frame).
      if (def.id === AGE_ANALYZER_ID) await gate?.onAgeBatch(batch);
      await deliver(def.id, batch);
    },
    pushLive(msg) {
      try {
        opts.onLive?.(def.id, msg);
      } catch {
        // Live viewers are best effort.
      }
    },
    fail: (err) => fail(def.id, err),
    service<T>(name: string): T {
      const s = opts.services?.[name];
      if (s === undefined) {
        throw new InferenceError('INFER_ANALYZER_FAILED', `${def.id} needs the ${name} service`);
      }
      return s as T;
    },
    signal: abort.signal,
  });

  try {
    for (let i = 0; i < chosen.length; i++) {
      const def = chosen[i]!.def;
      let instance: AnalyzerInstance;
      try {
        instance = await def.create(contextFor(def), configs[i]);
      } catch (err) {
        // The age chain must start whole when a gated analyzer runs: nothing starts otherwise.
        if (gatedIds.length > 0 && ageChain.has(def.id)) {
          const why = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
          throw new InferenceError(
            'SAFETY_AGE_GATE_REQUIRED',
            `${gatedIds.join(', ')} needs ${def.id}, which failed to start: ${why.slice(0, 200)}`,
            { cause: err },
          );
        }
        // A model that will not load stops this analyzer only.
        fail(def.id, err);
        continue;
      }
      // Frames are big (up to ~1.5 MB each), audio chunks small: a video consumer holds a few
      // frames, an audio one many seconds of sound (an utterance being transcribed takes a while).
      const lane = createLane({
        limit: def.consumes.some((c) => c.kind === 'video') ? videoLimit : limit,
        dropMedia: opts.live,
        onFailure: (err) => fail(def.id, err),
      });
      const r: Running = { def, instance, lane, consumers: [] };
      byId.set(def.id, r);
      for (const p of producersOf(def)) byId.get(p)?.consumers.push(r);
    }
  } catch (err) {
    await Promise.allSettled([...byId.values()].map((r) => r.instance.close()));
    throw err;
  }

  const all = [...byId.values()];
  const videoTargets = all.filter((r) => r.def.consumes.some((c) => c.kind === 'video') && r.instance.video);
  const audioTargets = all.filter((r) => r.def.consumes.some((c) => c.kind === 'audio') && r.instance.audio);
  let closing: Promise<void> | null = null;

  return {
    ids: all.map((r) => r.def.id),
    wantsVideo: videoTargets.length > 0,
    wantsAudio: audioTargets.length > 0,
    has: (id) => byId.has(id) && !failedIds.has(id),
    async video(frame) {
      // Consumers first, producers last: a frame is queued to faces before detect can have a
      // result for it, so a consumer never gets a frame's results before the frame itself.
      for (let i = videoTargets.length - 1; i >= 0; i--) {
        const r = videoTargets[i]!;
        if (!failedIds.has(r.def.id)) await r.lane.media(() => r.instance.video!(frame));
      }
    },
    async audio(chunk) {
      for (const r of audioTargets)
        if (!failedIds.has(r.def.id)) await r.lane.media(() => r.instance.audio!(chunk));
    },
    async gap(atTs) {
      for (const r of all) if (r.instance.gap) await r.lane.results(() => r.instance.gap!(atTs));
    },
    async finish() {
      // Producers first: what a producer emits while finishing still reaches its consumers.
      for (const r of all) {
        await r.lane.idle();
        if (!failedIds.has(r.def.id)) await r.lane.call(() => r.instance.finish());
        await r.lane.idle();
      }
    },
    summaries() {
      const out: Record<AnalyzerId, Readonly<Record<string, unknown>>> = {};
      for (const r of all) out[r.def.id] = r.instance.summary?.() ?? {};
      return out;
    },
    failures,
    errorOf: (id) => errors.get(id),
    dropped() {
      const out: Record<AnalyzerId, number> = {};
      for (const r of all) out[r.def.id] = r.lane.dropped;
      return out;
    },
    close() {
      return (closing ??= (async () => {
        opts.signal?.removeEventListener('abort', onAbort);
        const results = await Promise.allSettled(all.map((r) => r.instance.close()));
        const bad = results.find((x): x is PromiseRejectedResult => x.status === 'rejected');
        if (bad) throw bad.reason;
      })());
    },
  };
}

function producersOf(def: AnyAnalyzerDefinition): AnalyzerId[] {
  return def.consumes.flatMap((c) => (c.kind === 'results' ? c.of : []));
}

function consumes(def: AnyAnalyzerDefinition, producer: AnalyzerId): boolean {
  return producersOf(def).includes(producer);
}

function wants(def: AnyAnalyzerDefinition, from: AnalyzerId, table: string): boolean {
  return def.consumes.some(
    (c) =>
      c.kind === 'results' && c.of.includes(from) && (c.tables === undefined || c.tables.includes(table)),
  );
}
