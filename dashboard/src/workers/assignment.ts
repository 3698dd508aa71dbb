import { parseSource, type SourceRef } from '@aima/ingest';
import type { AssignMessage, WorkerMessage } from '@aima/inference';
import { DashboardError } from '../errors.ts';
import { errorFields, runAnalysisJob } from '../jobs/analysis-job.ts';
import type { JobRuntime, Runtime } from '../runtime.ts';
import { fetchToTemp, type FetchedFile } from './fetch-file.ts';
import { previewSender } from './preview.ts';
import type { SourceGuardLike } from './hub.ts';
import { remotePersons, remoteStore, type ProxyContext } from './proxies.ts';
import type { RpcClient } from './rpc-client.ts';

export interface AssignmentEnv {
  readonly server: string;
  readonly rented?: boolean;
  readonly guard?: SourceGuardLike | null;
  readonly rpc: RpcClient;
  /**
   * Sends a message. Under backpressure previews are dropped first, then live events and progress;
   * control messages (store calls, done, failed) always go.
   */
  readonly send: (msg: WorkerMessage, cls?: SendClass) => boolean;
  readonly runtime: () => Promise<Runtime>;
}

/** What a message may be dropped for: never (control), a backed-up socket (event), or sooner (preview). */
export type SendClass = 'control' | 'event' | 'preview';

type Final = Extract<WorkerMessage, { type: 'done' | 'failed' }>;
type EventKind = Extract<WorkerMessage, { type: 'event' }>['kind'];

/**
 * Runs one assignment on this worker: the same runAnalysisJob as in process, on a runtime whose
 * store and persons are proxies to the control plane for this assignment (its writes numbered by
 * seq). The input is re-checked (URLs) or fetched through its signed URL (files) first. Resolves
 * with the final message (done with the summary, or failed with a code); never rejects.
 */
export async function runAssignmentJob(
  env: AssignmentEnv,
  a: AssignMessage,
  signal: AbortSignal,
  watched: () => boolean = () => false,
): Promise<Final> {
  const ctx: ProxyContext = { assignmentId: a.assignmentId, attempt: a.attempt, seq: 0 };
  let fetched: FetchedFile | null = null;
  let lastProgress = 0;
  const event = (kind: EventKind, data: unknown, analyzer?: string): void => {
    const sentAt = performance.timeOrigin + performance.now();
    env.send({ type: 'event', assignmentId: a.assignmentId, kind, data, analyzer, sentAt }, 'event');
  };
  const preview = previewSender(env, a.assignmentId, watched);
  try {
    const rt = await env.runtime();
    let source: SourceRef;
    if (a.input.kind === 'url') {
      // Checked again here, before any connection: the control plane may be older, or wrong.
      if (env.rented && !env.guard) {
        throw new DashboardError(
          'WORKER_SOURCE_REFUSED',
          'a rented worker without a source guard takes files only',
        );
      }
      await env.guard?.check(a.input.url, { target: env.rented ? 'rented' : 'local', signal });
      source = { ...parseSource(a.input.url), display: a.display };
    } else {
      fetched = await fetchToTemp(new URL(a.input.url, env.server).href, a.input.name, signal);
      source = { ...parseSource(fetched.path), display: a.display };
    }
    const job: JobRuntime = {
      ...rt,
      store: remoteStore(env.rpc, ctx),
      faces: rt.faces
        ? { analyzer: rt.faces.analyzer, persons: remotePersons(env.rpc, ctx, rt.faces.persons.thresholds) }
        : null,
    };
    const summary = await runAnalysisJob(job, {
      source,
      sourceId: a.sourceId,
      fps: a.fps,
      realtime: a.realtime,
      analyzers: a.analyzers,
      jobId: a.jobId,
      priority: a.priority,
      durationMs: a.durationMs,
      maxAttempts: a.maxAttempts,
      meta: a.meta,
      signal,
      onProgress: (p) => {
        const now = Date.now();
        if (now - lastProgress < 250) return;
        lastProgress = now;
        env.send({ type: 'progress', assignmentId: a.assignmentId, progress: p }, 'event');
      },
      onFrame: preview,
      onEvent: (e) => event('analysis', e),
      onLiveState: (c) => event('live-state', c),
      onAnalyzerLive: (analyzer, m) => event('analyzer-live', m, analyzer),
      onAnalyzerFailure: (f) => event('analyzer-failure', f),
    });
    return { type: 'done', assignmentId: a.assignmentId, summary };
  } catch (err) {
    const f = errorFields(err);
    const own = (err as { code?: unknown } | null)?.code;
    const code = f.code === 'INTERNAL' && typeof own === 'string' ? own : f.code;
    return { type: 'failed', assignmentId: a.assignmentId, code, message: f.message };
  } finally {
    await fetched?.remove();
  }
}
