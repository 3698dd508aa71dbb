import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { AssignmentInput } from '@aima/inference';
import { DashboardError } from '../errors.ts';
import type { AnalysisSummary } from '../jobs/analysis-job.ts';
import type { ExecuteOptions, Executor, Placement } from '../sources/executor.ts';
import type { HubCore, Session } from './hub.ts';
import type { Assignment } from './rpc-server.ts';

const isLost = (e: unknown): boolean => (e as { code?: unknown })?.code === 'WORKER_LOST';

/**
 * The executor the source manager calls when workers exist. 'local' runs here; 'any' takes a
 * connected worker with a free slot, else runs here; 'workers' and 'instance' wait for a fitting
 * worker. A worker lost mid-run (socket gone past the grace period, heartbeats missed) costs that
 * attempt: a file starts again from scratch elsewhere after the attempt's partial results are
 * deleted (late results of the old attempt are refused by attempt number); a live source simply
 * restarts elsewhere, its earlier results stay.
 */
export function createWorkerExecutor(core: HubCore, local: Executor | null): Executor {
  const maxAttempts = core.opts.maxAttempts ?? 3;
  return async (opts) => {
    const placement: Placement = opts.placement ?? { kind: 'any' };
    if (placement.kind === 'local') return runLocal(local, opts);
    let lastLoss: unknown = null;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const target = await pick(core, placement, opts, local !== null).catch(async (err: unknown) => {
        const e = err as { code?: unknown; message?: unknown };
        await markFailed(core, opts, String(e.code ?? 'WORKER_UNAVAILABLE'), String(e.message ?? ''));
        throw err;
      });
      if (target === 'local') return runLocal(local, opts);
      let stream = opts.source.live;
      try {
        return await runRemote(core, target, opts, attempt, () => (stream = true));
      } catch (err) {
        if (!isLost(err) || opts.signal?.aborted) throw err;
        lastLoss = err;
        // Files from scratch: the dead attempt's partial rows go (the next attempt re-creates the row).
        // A stream restarts where it is now; what it analysed so far stays.
        if (!stream) await core.opts.store.deleteSource(opts.sourceId);
      }
    }
    const msg = (lastLoss as Error | null)?.message ?? 'worker lost';
    await markFailed(core, opts, 'WORKER_LOST', `${msg} (${maxAttempts} attempts)`);
    throw new DashboardError('WORKER_LOST', `${msg} (${maxAttempts} attempts)`);
  };
}

function runLocal(local: Executor | null, opts: ExecuteOptions): Promise<AnalysisSummary> {
  if (!local) {
    return Promise.reject(new DashboardError('WORKER_UNAVAILABLE', 'this server runs no local worker'));
  }
  return local(opts);
}

const freeSlots = (core: HubCore, s: Session): number =>
  (core.opts.slotsPerWorker ?? 4) - core.view(s).assignments;

/** Rented boxes never get loopback/private URLs (they would reach the provider's network). */
async function allowed(core: HubCore, s: Session, opts: ExecuteOptions): Promise<boolean> {
  if (!s.rented || opts.source.kind === 'file') return true;
  if (!core.opts.guard) return false; // No guard wired: a rented worker gets files only.
  try {
    await core.opts.guard.check(opts.source.input, { target: 'rented', signal: opts.signal });
    return true;
  } catch {
    return false;
  }
}

async function pick(
  core: HubCore,
  placement: Placement,
  opts: ExecuteOptions,
  hasLocal: boolean,
): Promise<Session | 'local'> {
  // Image folders are many files on this machine: they run here.
  const remotable = opts.source.kind !== 'images';
  if (placement.kind === 'any' && !remotable && hasLocal) return 'local';
  const until = Date.now() + (core.opts.waitForWorkerMs ?? 120_000);
  let refused = false;
  for (;;) {
    if (opts.signal?.aborted)
      throw new DashboardError('WORKER_UNAVAILABLE', 'stopped while waiting for a worker');
    const online = [...core.sessions.values()]
      .filter((s) => s.socket && freeSlots(core, s) > 0)
      .filter((s) => placement.kind !== 'instance' || s.instanceId === placement.instanceId)
      .sort((a, b) => freeSlots(core, b) - freeSlots(core, a));
    for (const s of remotable ? online : []) {
      if (await allowed(core, s, opts)) return s;
      refused = true;
    }
    if (placement.kind === 'any' && hasLocal) return 'local';
    if (refused && placement.kind === 'instance') {
      throw new DashboardError(
        'WORKER_SOURCE_REFUSED',
        'this source may not go to a worker on a rented instance',
      );
    }
    const left = until - Date.now();
    if (left <= 0 || !remotable) {
      const which = placement.kind === 'instance' ? `of instance ${placement.instanceId} ` : '';
      throw new DashboardError('WORKER_UNAVAILABLE', `no worker ${which}is connected with a free slot`);
    }
    await core.nextChange(Math.min(left, 1000), opts.signal);
  }
}

async function runRemote(
  core: HubCore,
  s: Session,
  opts: ExecuteOptions,
  attempt: number,
  onStream: () => void,
): Promise<AnalysisSummary> {
  const id = randomUUID();
  const file = opts.source.kind === 'file' ? path.resolve(opts.source.input) : null;
  const input: AssignmentInput = file
    ? {
        kind: 'file',
        url: `/api/v1/workers/files/${core.signFile({ assignmentId: id, path: file })}`,
        name: path.basename(file),
      }
    : { kind: 'url', url: opts.source.input };
  const done = new Promise<AnalysisSummary>((resolve, reject) => {
    const a: Assignment = {
      id, attempt, sourceId: opts.sourceId, opts, workerId: s.id, filePath: file,
      applied: { floor: 0, above: new Set() }, applying: new Map(), resolve, reject, lostTimer: null, settled: false, stream: false,
    }; // prettier-ignore
    core.assignments.set(id, a);
  });
  const a = core.assignments.get(id)!;
  const onAbort = (): void => {
    const w = core.sessions.get(a.workerId);
    // A worker that is away cannot confirm the stop: the attempt ends here.
    if (!w?.socket) core.lose(a, 'stopped while its worker was away');
    else core.send(w, { type: 'cancel', assignmentId: id });
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  core.send(s, {
    type: 'assign',
    assignmentId: id,
    attempt,
    sourceId: opts.sourceId,
    display: opts.source.display,
    input,
    fps: opts.fps,
    realtime: opts.realtime ?? false,
    analyzers: opts.analyzers ? [...opts.analyzers] : null,
    jobId: opts.jobId ?? '',
    priority: opts.priority,
    durationMs: opts.durationMs,
    maxAttempts: opts.maxAttempts,
    meta: opts.meta ? { ...opts.meta } : undefined,
  });
  // Previews cross the network only while someone watches, and only to workers that know `watch`.
  const watch = opts.watch;
  const unwatch =
    watch && s.capabilities.previews
      ? watch.onChange((on) => {
          const w = core.sessions.get(a.workerId);
          if (w) core.send(w, { type: 'watch', assignmentId: id, on });
        })
      : null;
  if (unwatch && watch?.watched) core.send(s, { type: 'watch', assignmentId: id, on: true });
  core.changed(s);
  try {
    return await done;
  } catch (err) {
    if (isLost(err)) await core.rpc.drain(a);
    if (isLost(err) && opts.signal?.aborted) await markFailed(core, opts, '', '', 'stopped');
    // A worker that failed before its job could say so itself (fetch, guard): the row says it here.
    else if (!isLost(err)) {
      const e = err as { code?: unknown; message?: unknown };
      await markFailed(core, opts, String(e.code ?? 'WORKER_FAILED'), String(e.message ?? ''));
    }
    throw err;
  } finally {
    unwatch?.();
    if (a.stream) onStream();
    opts.signal?.removeEventListener('abort', onAbort);
    if (a.lostTimer) clearTimeout(a.lostTimer);
    a.settled = true;
    core.assignments.delete(id);
    await core.rpc.flush().catch(() => undefined);
    const w = core.sessions.get(a.workerId);
    if (w) core.changed(w);
  }
}

/** The source row of an attempt nobody can finish any more. */
async function markFailed(
  core: HubCore,
  opts: ExecuteOptions,
  code: string,
  message: string,
  status: 'failed' | 'stopped' = 'failed',
): Promise<void> {
  const now = Date.now();
  // A file whose attempts were all lost has no row any more (each loss deleted it): one is written.
  const rec = (await core.opts.store.getSource(opts.sourceId).catch(() => null)) ?? {
    id: opts.sourceId,
    kind: opts.source.kind,
    display: opts.source.display,
    live: opts.source.live,
    status,
    errorCode: '',
    errorMessage: '',
    epochMs: now,
    createdAt: now,
    updatedAt: now,
    jobId: opts.jobId ?? '',
    meta: JSON.stringify({ ...opts.meta, fps: opts.fps }),
  };
  await core.opts.store
    .upsertSource({ ...rec, status, errorCode: code, errorMessage: message, updatedAt: now })
    .catch(() => undefined);
}
