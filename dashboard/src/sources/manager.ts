import { rm } from 'node:fs/promises';
import path from 'node:path';
import { parseSource, type DecodeMode, type SourceRef } from '@aima/ingest';
import type { AnalysisEvent } from '@aima/inference';
import { applyRetention } from '@aima/storage';
import { DashboardError } from '../errors.ts';
import { recordingsRoot as recordingsRootOf } from '../ui-dir.ts';
import { errorFields, makeSourceId, type JobProgress, type LiveFrame } from '../jobs/analysis-job.ts';
import { localExecutor, type Executor, type Placement, type RemotePreview } from './executor.ts';
import type { SourceView } from '../protocol.ts';
import type { Runtime } from '../runtime.ts';
import { livePreview } from './preview.ts';
import { createInputVault, type InputVault } from './inputs.ts';
import { resumePlan } from './resume.ts';
import type {
  AddSourceRequest,
  SourceChangeListener,
  SourceListener,
  SourceLiveMessage,
  SourceManager,
  SourceManagerStats,
} from './types.ts';
import { median, toSourceView, toTrackView, type LiveConnection } from './views.ts';

export interface SourceManagerOptions {
  readonly runtime: Runtime;
  /** Where analyses run (default: in this process on `runtime`). */
  readonly executor?: Executor;
  /** Where the real inputs of redacted stream URLs are kept for restarts (default: under dataDir). */
  readonly vault?: InputVault;
  /** The source guard: sources resumed after a restart are checked again before they connect. */
  readonly guard?: { check(input: string): Promise<unknown> };
  readonly dataDir: string;
  /** Jobs analysed at once; more wait as 'pending' (default 4). */
  readonly maxConcurrent?: number;
  /** JPEG quality of live previews (default 70). */
  readonly previewQuality?: number;
  /** Length of recorded segments of live sources (default 10 s). */
  readonly segmentSeconds?: number;
  /**
   * Recordings retention, applied every `everyMs` (default 60 s): segments older than maxAgeMs
   * (default 7 days) or beyond maxBytes in total (default no limit) are deleted, rows and files together.
   */
  readonly retention?: { readonly maxAgeMs?: number; readonly maxBytes?: number; readonly everyMs?: number };
}

interface Entry {
  readonly id: string;
  readonly source: SourceRef;
  readonly fps: number;
  readonly realtime: boolean;
  readonly decode: DecodeMode | undefined;
  readonly priority: number;
  readonly analyzers: readonly string[] | null;
  readonly jobId: string;
  readonly placement: Placement;
  /** Times this source was resumed after an interrupted run (restart or crash). */
  readonly resumes: number;
  status: SourceView['status'];
  controller: AbortController;
  progress: JobProgress;
  /** Epoch ms of recent analysed frames (analysis fps over the last ~5 s). */
  readonly recent: number[];
  /** ffmpeg-handover → result latencies of the last 50 frames. */
  readonly latencies: number[];
  /**
   * Source clock minus arrival (frame ts − ffmpeg handover) of the last 50 frames: a live source's
   * timeline is anchored on its first item, which ffmpeg hands over only after probing, so the
   * live view adds this to the arrival time of what it shows (video/args.ts VideoInput).
   */
  readonly clockOffsets: number[];
  readonly listeners: Set<SourceListener>;
  /** Detections per class and distinct tracks since the last window closed. */
  counts: Record<string, number>;
  trackIds: Record<string, Set<number>>;
  /** Preview encodes in flight: at most one; a frame arriving meanwhile gets no preview. */
  encoding: boolean;
  /** Told when listeners go from none to some and back (remote runs send previews only then). */
  readonly watchers: Set<(watched: boolean) => void>;
  lastChangeAt: number;
  /** Live sources: the connection's state and last error. */
  connection: LiveConnection | null;
  done: Promise<void>;
  resolveDone: () => void;
}

const STATS_EVERY_MS = 1000;

/** Runs analysis jobs in the background and fans live results out (see SourceManager). */
export function createSourceManager(opts: SourceManagerOptions): SourceManager {
  const { store } = opts.runtime;
  const execute = opts.executor ?? localExecutor(opts.runtime);
  const vault = opts.vault ?? createInputVault(opts.dataDir);
  const maxConcurrent = Math.max(1, opts.maxConcurrent ?? 4);
  const entries = new Map<string, Entry>();
  const queue: Entry[] = [];
  const changeListeners = new Set<SourceChangeListener>();
  const timingListeners = new Set<(kind: 'infer' | 'store', ms: number) => void>();
  let running = 0;
  let closed = false;
  const recordingsRoot = recordingsRootOf(opts.dataDir);
  let retentionRun: Promise<unknown> = Promise.resolve();
  const retentionTimer = setInterval(() => {
    retentionRun = applyRetention({
      store,
      root: recordingsRoot,
      maxAgeMs: opts.retention?.maxAgeMs ?? 7 * 24 * 3600_000,
      maxBytes: opts.retention?.maxBytes,
    }).catch(() => undefined);
  }, opts.retention?.everyMs ?? 60_000);
  retentionTimer.unref();

  // A listener that throws must not break the job or the other listeners (mediasoup's safeEmit).
  const safe = <A extends unknown[]>(fn: (...a: A) => void, ...args: A): void => {
    try {
      fn(...args);
    } catch {
      // A subscriber's own failure is its problem; the analysis goes on.
    }
  };

  const liveStats = (e: Entry) => {
    const now = Date.now();
    while (e.recent.length > 0 && e.recent[0]! < now - 5000) e.recent.shift();
    const span = e.recent.length > 1 ? (e.recent.at(-1)! - e.recent[0]!) / 1000 : 0;
    return {
      framesAnalysed: e.progress.frames,
      framesDropped: e.progress.dropped,
      analysisFps: span > 0 ? (e.recent.length - 1) / span : 0,
      latencyMs: median(e.latencies),
      mediaMs: e.progress.mediaMs,
      totalMs: e.progress.totalMs,
    };
  };

  const viewOf = async (e: Entry): Promise<SourceView> => {
    const rec = await store.getSource(e.id);
    const active = e.status === 'running' || e.status === 'pending';
    const live = active ? liveStats(e) : undefined;
    if (rec) return toSourceView(rec, live, active ? e.status : undefined, active ? e.connection : null);
    const now = Date.now();
    return toSourceView(
      {
        id: e.id,
        kind: e.source.kind,
        display: e.source.display,
        live: e.source.live,
        status: e.status,
        errorCode: '',
        errorMessage: '',
        epochMs: now,
        createdAt: now,
        updatedAt: now,
        meta: JSON.stringify({ fps: e.fps }),
      },
      live,
    );
  };

  const changed = (e: Entry): void => {
    e.lastChangeAt = Date.now();
    if (changeListeners.size === 0) return;
    void viewOf(e).then(
      (v) => {
        for (const l of changeListeners) safe(l, e.id, v);
      },
      () => undefined,
    );
  };

  const deliver = (e: Entry, msg: SourceLiveMessage): void => {
    for (const l of e.listeners) safe(l, msg);
  };

  const onEvent = (e: Entry, ev: AnalysisEvent): void => {
    switch (ev.type) {
      case 'frame':
        e.recent.push(Date.now());
        // Pruned here too: liveStats (the other pruner) only runs when someone looks.
        while (e.recent.length > 0 && e.recent[0]! < Date.now() - 5000) e.recent.shift();
        for (const l of timingListeners) safe(l, 'infer', ev.frame.timings.inferMs);
        for (const d of ev.frame.detections) {
          e.counts[d.label] = (e.counts[d.label] ?? 0) + 1;
          if (d.trackId > 0) (e.trackIds[d.label] ??= new Set()).add(d.trackId);
        }
        return;
      case 'window': {
        const tracks = Object.fromEntries(Object.entries(e.trackIds).map(([k, v]) => [k, v.size]));
        deliver(e, {
          type: 'window',
          sourceId: e.id,
          windowId: ev.window.windowId,
          startTs: ev.window.startTs,
          endTs: ev.window.endTs,
          frames: ev.window.frames,
          counts: e.counts,
          tracks,
        });
        e.counts = {};
        e.trackIds = {};
        return;
      }
      case 'track-start':
        deliver(e, {
          type: 'track',
          sourceId: e.id,
          phase: 'start',
          track: toTrackView(e.id, ev.track, false),
        });
        return;
      case 'track-end':
        deliver(e, { type: 'track', sourceId: e.id, phase: 'end', track: toTrackView(e.id, ev.track, true) });
        return;
    }
  };

  const onFrame = (e: Entry, f: LiveFrame): void => {
    const readyAt = performance.timeOrigin + performance.now();
    if (f.frame.receivedAt !== undefined) {
      e.latencies.push(readyAt - f.frame.receivedAt);
      if (e.latencies.length > 50) e.latencies.shift();
      e.clockOffsets.push(f.frame.ts - f.frame.receivedAt);
      if (e.clockOffsets.length > 50) e.clockOffsets.shift();
    }
    if (e.listeners.size === 0 || e.encoding) return;
    e.encoding = true;
    livePreview(f, f.frame.receivedAt ?? readyAt, opts.previewQuality)
      .then((p) => onPreview(e, p))
      .catch(() => undefined)
      .finally(() => {
        e.encoding = false;
      });
  };

  // A preview (encoded here, or by a remote worker) becomes the live frame message.
  const onPreview = (e: Entry, p: RemotePreview): void => {
    if (e.listeners.size === 0) return;
    // Serialising and sending to every viewer happens inside deliver: the WebSocket stage.
    opts.runtime.profile.measure('ws', () =>
      deliver(e, {
        type: 'frame',
        sourceId: e.id,
        ...p,
        sentAt: performance.timeOrigin + performance.now(),
        detections: [...p.detections],
        faces: [...p.faces],
        skipped: 0,
      }),
    );
  };

  const start = (e: Entry): void => {
    running++;
    e.status = 'running';
    changed(e);
    void execute({
      placement: e.placement,
      jobId: e.jobId,
      source: e.source,
      sourceId: e.id,
      fps: e.fps,
      realtime: e.realtime,
      ...(e.decode ? { decode: e.decode } : {}),
      priority: e.priority,
      analyzers: e.analyzers,
      signal: e.controller.signal,
      meta: {
        realtime: e.realtime,
        ...(e.decode ? { decode: e.decode } : {}),
        priority: e.priority,
        requested: e.analyzers,
        resumes: e.resumes,
      },
      onProgress: (p) => {
        e.progress = p;
        if (Date.now() - e.lastChangeAt >= STATS_EVERY_MS) changed(e);
      },
      onEvent: (ev) => onEvent(e, ev),
      onFrame: (f) => onFrame(e, f),
      watch: {
        get watched() {
          return e.listeners.size > 0;
        },
        onChange(l) {
          e.watchers.add(l);
          return () => void e.watchers.delete(l);
        },
      },
      onPreview: (p) => onPreview(e, p),
      recordDir: e.source.live ? recordingsRoot : undefined,
      segmentSeconds: opts.segmentSeconds,
      onLiveState: (c) => {
        e.connection = {
          state: c.to,
          reconnects:
            c.to === 'reconnecting' ? (e.connection?.reconnects ?? 0) + 1 : (e.connection?.reconnects ?? 0),
          // A connection that came (back) up clears the last error.
          error: c.to === 'live' ? undefined : (c.error ?? e.connection?.error),
        };
        changed(e);
      },
      onStoreWrite: (ms) => {
        for (const l of timingListeners) safe(l, 'store', ms);
      },
      onAnalyzerLive: (analyzer, m) =>
        deliver(e, { type: 'analyzer', sourceId: e.id, analyzer, kind: m.kind, ts: m.ts, data: m.data }),
      onAnalyzerFailure: (f) =>
        deliver(e, {
          type: 'analyzer-error',
          sourceId: e.id,
          analyzer: f.analyzer,
          code: f.code,
          message: f.message,
        }),
    })
      .then(
        (summary) => {
          e.status = summary.status;
        },
        () => {
          // The job stored the failure (code + message) on the source row already.
          e.status = e.controller.signal.aborted ? 'stopped' : 'failed';
        },
      )
      .finally(() => {
        running--;
        changed(e);
        e.resolveDone();
        pump();
      });
  };

  const pump = (): void => {
    while (!closed && running < maxConcurrent && queue.length > 0) start(queue.shift()!);
  };

  const mustGet = (id: string): Entry | undefined => entries.get(id);

  // Files uploaded through the API belong to their source; files the user pointed at do not.
  const uploads = path.join(path.resolve(opts.dataDir), 'uploads') + path.sep;
  const removeUpload = async (file: string): Promise<void> => {
    if (path.resolve(file).startsWith(uploads)) await rm(file, { force: true });
  };

  const admit = async (
    req: AddSourceRequest & { readonly id: string },
    source: SourceRef,
    resumes: number,
    createdAt = Date.now(),
  ): Promise<SourceView> => {
    const { id } = req;
    let resolveDone = (): void => undefined;
    const done = new Promise<void>((r) => (resolveDone = r));
    const e: Entry = {
      id, source, fps: req.fps, realtime: req.realtime, decode: req.decode, priority: req.priority ?? 1, analyzers: req.analyzers ?? null, jobId: req.jobId ?? '', placement: req.placement ?? { kind: 'any' }, resumes, status: 'pending', controller: new AbortController(),
      progress: { frames: 0, mediaMs: 0, totalMs: null, dropped: 0, buffered: 0 },
      recent: [], latencies: [], clockOffsets: [], listeners: new Set(), counts: {}, trackIds: {}, encoding: false, watchers: new Set(), lastChangeAt: 0,
      connection: source.live ? { state: 'connecting', reconnects: 0 } : null,
      done, resolveDone,
    }; // prettier-ignore
    entries.set(id, e);
    await store.upsertSource({
      id,
      kind: source.kind,
      display: source.display,
      live: source.live,
      status: 'pending',
      errorCode: '',
      errorMessage: '',
      epochMs: Date.now(),
      createdAt,
      updatedAt: Date.now(),
      jobId: req.jobId ?? '',
      meta: JSON.stringify({
        fps: req.fps,
        realtime: req.realtime,
        ...(req.decode ? { decode: req.decode } : {}),
        priority: e.priority,
        requested: e.analyzers,
        resumes,
      }),
    });
    queue.push(e);
    pump();
    if (e.status === 'pending') changed(e);
    return viewOf(e);
  };

  return {
    async add(req: AddSourceRequest) {
      if (closed) throw new DashboardError('API_BAD_REQUEST', 'the server is shutting down');
      const source = req.source ?? parseSource(req.input);
      // An unknown analyzer is the caller's mistake: refused before anything is queued.
      if (req.analyzers) opts.runtime.analyzers.select(req.analyzers);
      const id = req.id ?? makeSourceId(source);
      const rec = await store.getSource(id);
      const running = entries.get(id);
      if (running || rec) {
        const idle =
          !running ||
          running.status === 'done' ||
          running.status === 'stopped' ||
          running.status === 'failed';
        if (!(req.continueIdle && idle && rec?.kind === source.kind)) {
          throw new DashboardError('SOURCE_EXISTS', `a source with id '${id}' exists already`);
        }
      }
      if (source.kind !== 'file' && source.kind !== 'images' && !req.source)
        await vault.set(id, source.input, source.display);
      return admit({ ...req, id }, source, 0, rec?.createdAt);
    },
    async recover() {
      const recovered: SourceView[] = [];
      for (const rec of await store.listSources()) {
        if (entries.has(rec.id)) continue;
        const plan = resumePlan(
          rec,
          rec.kind === 'file' || rec.kind === 'images' ? null : await vault.get(rec.id),
        );
        if (plan.action === 'leave') continue;
        if (plan.action === 'fail') {
          await store.upsertSource({
            ...rec,
            status: 'failed',
            errorCode: plan.code,
            errorMessage: plan.message,
            updatedAt: Date.now(),
          });
          continue;
        }
        let source: SourceRef;
        try {
          // Checked again: the policy or the media roots may have been tightened since it was added.
          await opts.guard?.check(plan.input);
          source = parseSource(plan.input);
        } catch (err) {
          const { code, message } = errorFields(err);
          await store.upsertSource({
            ...rec,
            status: 'failed',
            errorCode: code,
            errorMessage: message,
            updatedAt: Date.now(),
          });
          continue;
        }
        // A file starts over: its partial results go first, so nothing is stored twice.
        if (!source.live) await store.deleteSource(rec.id);
        recovered.push(
          await admit(
            { ...plan.request, id: rec.id, input: plan.input },
            source,
            plan.resumes,
            rec.createdAt,
          ),
        );
      }
      return recovered;
    },
    async list() {
      const rows = await store.listSources();
      return rows.map((r) => {
        const e = entries.get(r.id);
        const active = e && (e.status === 'pending' || e.status === 'running');
        return toSourceView(
          r,
          active ? liveStats(e) : undefined,
          active ? e.status : undefined,
          active ? e.connection : null,
        );
      });
    },
    async get(id) {
      const e = mustGet(id);
      if (e) return viewOf(e);
      const rec = await store.getSource(id);
      return rec ? toSourceView(rec) : null;
    },
    async stop(id) {
      const e = mustGet(id);
      if (!e) {
        const rec = await store.getSource(id);
        if (!rec) throw new DashboardError('SOURCE_NOT_FOUND', `no source with id '${id}'`);
        return toSourceView(rec);
      }
      const queued = queue.indexOf(e);
      if (queued >= 0) {
        queue.splice(queued, 1);
        e.status = 'stopped';
        const rec = await store.getSource(id);
        if (rec) await store.upsertSource({ ...rec, status: 'stopped', updatedAt: Date.now() });
        changed(e);
        e.resolveDone();
      } else {
        e.controller.abort();
        await e.done;
      }
      return viewOf(e);
    },
    async remove(id) {
      const e = mustGet(id);
      const rec = await store.getSource(id);
      if (!e && !rec) throw new DashboardError('SOURCE_NOT_FOUND', `no source with id '${id}'`);
      if (e) {
        await this.stop(id);
        entries.delete(id);
        e.listeners.clear();
      }
      // Recording files go with their rows: list them before the rows are deleted.
      await vault.delete(id);
      const segments = await store.listRecordings({ sourceId: id });
      await store.deleteSource(id);
      for (const seg of segments) {
        const file = path.resolve(recordingsRoot, seg.file);
        if (file.startsWith(recordingsRoot + path.sep)) await rm(file, { force: true });
      }
      // By the stored path, so sources of an earlier run lose their uploads too (files hold no credentials).
      const file = e?.source.kind === 'file' ? e.source.input : rec?.kind === 'file' ? rec.display : null;
      if (file) await removeUpload(file);
      for (const l of changeListeners) safe(l, id, null);
    },
    subscribe(id, listener) {
      const e = entries.get(id);
      if (!e) throw new DashboardError('SOURCE_NOT_FOUND', `no live source with id '${id}'`);
      const before = e.listeners.size;
      e.listeners.add(listener);
      if (before === 0 && e.listeners.size > 0) for (const w of e.watchers) safe(w, true);
      return () => {
        if (e.listeners.delete(listener) && e.listeners.size === 0) {
          for (const w of e.watchers) safe(w, false);
        }
      };
    },
    onChange(listener) {
      changeListeners.add(listener);
      return () => void changeListeners.delete(listener);
    },
    async settled(id) {
      const e = entries.get(id);
      if (e) await e.done;
      return this.get(id);
    },
    async videoInput(id) {
      const e = entries.get(id);
      if (!e || e.status !== 'running') return null;
      const rec = await store.getSource(id);
      if (!rec) return null;
      const clockOffsetMs = (): number => (e.source.live ? (median(e.clockOffsets) ?? 0) : 0);
      return { input: e.source, realtime: e.realtime, epochMs: rec.epochMs, clockOffsetMs };
    },
    onTiming(listener) {
      timingListeners.add(listener);
      return () => void timingListeners.delete(listener);
    },
    get stats(): SourceManagerStats {
      // Every source known to this process, finished ones too: Prometheus counters must not vanish.
      const perSource = [...entries.values()].map((e) => ({
        id: e.id,
        framesIn: e.progress.frames + e.progress.dropped,
        analysed: e.progress.frames,
        dropped: e.progress.dropped,
        queueDepth: e.progress.buffered,
        connection: e.status === 'running' ? (e.connection?.state ?? null) : null,
        reconnects: e.connection?.reconnects ?? 0,
      }));
      return { running, queued: queue.length, perSource };
    },
    async close() {
      closed = true;
      clearInterval(retentionTimer);
      await retentionRun;
      // Work cut off by the shutdown (not stopped by a user) is marked so that the next start
      // resumes it; a crash leaves 'running' rows, which recover() treats the same way.
      const interrupted = [...entries.values()].filter(
        (e) => e.status === 'pending' || e.status === 'running',
      );
      for (const e of queue.splice(0)) {
        e.status = 'stopped';
        e.resolveDone();
      }
      for (const e of entries.values()) e.controller.abort();
      await Promise.all([...entries.values()].map((e) => e.done));
      for (const e of interrupted) {
        const rec = await store.getSource(e.id).catch(() => null);
        if (!rec || rec.status === 'done' || rec.status === 'failed') continue;
        await store
          .upsertSource({
            ...rec,
            status: 'pending',
            errorCode: 'SOURCE_INTERRUPTED',
            errorMessage: 'interrupted by a shutdown; resumes when the server starts',
            updatedAt: Date.now(),
          })
          .catch(() => undefined);
      }
    },
  };
}
