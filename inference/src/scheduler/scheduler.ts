import type { Frame } from '@aima/ingest';
import type { DetectInput, DetectResult } from '../detect/detector.ts';
import { InferenceError } from '../errors.ts';
import { createFairPicker } from './fair.ts';
import { createDropOldestQueue, type DropOldestQueue } from './queue.ts';
import { createResultChannel, type ResultChannel, type ResultSlot } from './results.ts';
import type {
  AttachOptions,
  FrameMeta,
  ScheduledResult,
  ScheduledSource,
  Scheduler,
  SchedulerOptions,
} from './types.ts';

interface Source {
  readonly id: string;
  readonly priority: number;
  readonly opts: AttachOptions;
  readonly queue: DropOldestQueue<Frame>;
  readonly channel: ResultChannel<ScheduledResult>;
  /** open: takes frames; draining: detached, queue still analysed; gone: removed. */
  state: 'open' | 'draining' | 'gone';
  submitted: number;
  dropped: number;
  analysed: number;
  failed: number;
  inFlight: number;
  readyWaiters: (() => void)[];
}

interface Item {
  readonly source: Source;
  readonly frame: Frame;
  readonly slot: ResultSlot<ScheduledResult>;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

export function createScheduler(opts: SchedulerOptions): Scheduler {
  const { detector } = opts;
  const maxBatch = positiveInt('maxBatch', opts.maxBatch ?? detector.maxBatch);
  const maxInFlight = positiveInt('maxInFlight', opts.maxInFlight ?? detector.instances + 1);
  const queueCapacity = positiveInt('queueCapacity', opts.queueCapacity ?? 4);
  const batchTimeoutMs = opts.batchTimeoutMs ?? 10;
  if (!(batchTimeoutMs >= 0 && batchTimeoutMs <= MAX_TIMER_MS))
    throw new InferenceError(
      'INFER_BAD_CONFIG',
      `batchTimeoutMs must be 0..${MAX_TIMER_MS}, got ${batchTimeoutMs}`,
    );
  // Results the reader has not taken yet hold the source's place: past this, its frames wait in
  // its queue (and the oldest drop) instead of results piling up behind a stalled reader.
  const resultCapacity = queueCapacity + maxBatch * maxInFlight;

  const sources = new Map<string, Source>();
  const picker = createFairPicker<Source>();
  let inFlight = 0;
  let calls = 0;
  let framesSent = 0;
  let closed = false;
  let closing: Promise<void> | null = null;
  let pumpQueued = false;
  let timer: NodeJS.Timeout | null = null;
  let timedOut = false;
  let idleWaiters: (() => void)[] = [];

  const available = (s: Source): number =>
    s.state === 'gone' ? 0 : Math.min(s.queue.length, resultCapacity - s.channel.outstanding);

  const wakeReady = (s: Source): void => {
    if (s.state === 'open' && s.queue.length >= queueCapacity) return;
    const ws = s.readyWaiters;
    s.readyWaiters = [];
    for (const w of ws) w();
  };

  /** Takes the source out of the rotation; whatever it still had queued is dropped and counted. */
  const remove = (s: Source): void => {
    if (s.state === 'gone') return;
    s.state = 'gone';
    s.dropped += s.queue.clear().length;
    s.channel.end();
    if (sources.get(s.id) === s) sources.delete(s.id);
    picker.remove(s);
    wakeReady(s);
  };

  const schedulePump = (): void => {
    if (pumpQueued) return;
    pumpQueued = true;
    // A microtask: submit() returns before any pre-processing runs, and frames submitted in the
    // same tick share a batch.
    queueMicrotask(pump);
  };

  function clearTimer(): void {
    if (timer) clearTimeout(timer);
    timer = null;
  }

  function pump(): void {
    pumpQueued = false;
    while (inFlight < maxInFlight) {
      let ready = 0;
      for (const s of sources.values()) ready += available(s);
      if (ready === 0) {
        clearTimer();
        timedOut = false;
        return;
      }
      // Adaptive batching: an idle model takes what is there (no added latency for a lone stream);
      // a busy one gets full batches, or a partial one once it has waited batchTimeoutMs.
      if (ready < maxBatch && inFlight > 0 && !timedOut) {
        timer ??= setTimeout(() => {
          timer = null;
          timedOut = true;
          pump();
        }, batchTimeoutMs).unref();
        return;
      }
      clearTimer();
      timedOut = false;
      dispatch(picker.pick(maxBatch, available));
    }
  }

  function dispatch(picked: readonly Source[]): void {
    const items: Item[] = picked.map((source) => {
      const frame = source.queue.shift()!;
      source.inFlight++;
      return { source, frame, slot: source.channel.reserve() };
    });
    for (const s of new Set(picked)) {
      if (s.state === 'draining' && s.queue.length === 0) remove(s);
      wakeReady(s);
    }
    inFlight++;
    calls++;
    framesSent += items.length;
    const images: DetectInput[] = items.map(({ source, frame }) => ({
      width: frame.width,
      height: frame.height,
      data: frame.data,
      bgr: frame.format === 'bgr24',
      sourceWidth: source.opts.sourceWidth,
      sourceHeight: source.opts.sourceHeight,
    }));
    let call: Promise<DetectResult>;
    try {
      call = detector.detect(images);
    } catch (err) {
      call = Promise.reject(err);
    }
    call
      .then(
        (r) => settle(items, r),
        (err: unknown) => fail(items, err),
      )
      .finally(() => {
        inFlight--;
        if (inFlight === 0) {
          const ws = idleWaiters;
          idleWaiters = [];
          for (const w of ws) w();
        }
        schedulePump();
      });
  }

  function settle(items: readonly Item[], r: DetectResult): void {
    const n = items.length;
    const timings = {
      preMs: r.timings.preMs / n,
      inferMs: r.timings.inferMs / n,
      postMs: r.timings.postMs / n,
      inferCpuMs: (r.timings.inferCpuMs ?? r.timings.inferMs) / n,
      preCpuMs: (r.timings.preCpuMs ?? r.timings.preMs) / n,
      postCpuMs: (r.timings.postCpuMs ?? r.timings.postMs) / n,
    };
    items.forEach(({ source, frame, slot }, i) => {
      source.inFlight--;
      source.analysed++;
      slot.settle({ frame: metaOf(frame), detections: r.detections[i] ?? [], timings, batchSize: n });
    });
  }

  function fail(items: readonly Item[], err: unknown): void {
    for (const { source, slot } of items) {
      source.inFlight--;
      source.failed++;
      slot.fail(err);
    }
    // The reader sees the error after the results before it, and that ends the source.
    for (const s of new Set(items.map((it) => it.source))) remove(s);
  }

  const close = (): Promise<void> => {
    closing ??= (async () => {
      closed = true;
      for (const s of [...sources.values()]) remove(s);
      clearTimer();
      if (inFlight > 0) await new Promise<void>((resolve) => idleWaiters.push(resolve));
    })();
    return closing;
  };

  return {
    maxBatch,
    maxInFlight,
    get stats() {
      return { calls, frames: framesSent, inFlight, sources: sources.size };
    },
    get closed() {
      return closed;
    },
    attach(sourceId, attachOpts = {}) {
      if (closed) throw new InferenceError('INFER_CLOSED', 'scheduler is closed');
      if (sources.has(sourceId))
        throw new InferenceError('INFER_BAD_CONFIG', `source ${sourceId} is already attached`);
      const priority = attachOpts.priority ?? 1;
      if (!(priority >= 0.01 && priority <= 100))
        throw new InferenceError(
          'INFER_BAD_CONFIG',
          `priority of ${sourceId} must be 0.01..100, got ${priority}`,
        );
      const s: Source = {
        id: sourceId,
        priority,
        opts: attachOpts,
        queue: createDropOldestQueue<Frame>(queueCapacity),
        channel: createResultChannel<ScheduledResult>(
          `source ${sourceId}`,
          () => remove(s),
          () => schedulePump(),
        ),
        state: 'open',
        submitted: 0,
        dropped: 0,
        analysed: 0,
        failed: 0,
        inFlight: 0,
        readyWaiters: [],
      };
      sources.set(sourceId, s);
      picker.add(s, priority);
      return publicSource(s);
    },
    close,
    [Symbol.asyncDispose]: close,
  };

  function publicSource(s: Source): ScheduledSource {
    return {
      id: s.id,
      priority: s.priority,
      get detached() {
        return s.state !== 'open';
      },
      get stats() {
        const { submitted, dropped, analysed, failed, inFlight: running } = s;
        return { submitted, dropped, analysed, failed, queued: s.queue.length, inFlight: running };
      },
      submit(frame) {
        if (s.state !== 'open') throw new InferenceError('INFER_CLOSED', `source ${s.id} is detached`);
        s.submitted++;
        if (s.queue.push(frame) !== undefined) s.dropped++;
        schedulePump();
      },
      ready() {
        if (s.state !== 'open' || s.queue.length < queueCapacity) return Promise.resolve();
        return new Promise((resolve) => s.readyWaiters.push(resolve));
      },
      // Only the iterable: reserve()/end() stay the scheduler's.
      results: { [Symbol.asyncIterator]: () => s.channel[Symbol.asyncIterator]() },
      detach() {
        if (s.state !== 'open') return;
        s.state = 'draining';
        if (s.queue.length === 0) remove(s);
        else schedulePump();
        wakeReady(s);
      },
    };
  }
}

function metaOf(f: Frame): FrameMeta {
  const meta = { seq: f.seq, ts: f.ts, ptsMs: f.ptsMs };
  return f.receivedAt === undefined ? meta : { ...meta, receivedAt: f.receivedAt };
}

function positiveInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1)
    throw new InferenceError('INFER_BAD_CONFIG', `${name} must be a positive integer, got ${v}`);
  return v;
}
