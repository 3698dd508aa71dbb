import { Worker } from 'node:worker_threads';
import os from 'node:os';
import { InferenceError } from '../errors.ts';
import {
  transferList,
  type ExecutionProvider,
  type IoMeta,
  type TensorMap,
  type WorkerRequest,
  type WorkerResponse,
} from './protocol.ts';

export interface ModelSessionOptions {
  readonly executionProvider?: ExecutionProvider;
  /** ORT intra-op threads (default: all cores). */
  readonly intraOpThreads?: number;
  /** ORT pool threads busy-wait between ops (default false: the pipeline shares cores with ffmpeg). */
  readonly allowSpinning?: boolean;
  /** Label used in error messages (the model id). */
  readonly label?: string;
}

export interface RunResult {
  readonly outputs: TensorMap;
  /** The input buffers, returned for reuse (they were transferred to the worker and back). */
  readonly feeds: TensorMap;
  /** Time inside ORT's run(), measured in the worker. */
  readonly runMs: number;
  /**
   * CPU time of the worker's thread during the run (Linux; 0 elsewhere). With one intra-op thread
   * this is the run's core time; with more, ORT's pool threads are not in it.
   */
  readonly cpuMs: number;
}

/** One ONNX model loaded once in its own worker thread; runs are queued there in order. */
export interface ModelSession {
  readonly label: string;
  readonly inputs: readonly IoMeta[];
  readonly outputs: readonly IoMeta[];
  readonly executionProviders: readonly string[];
  /** Runs submitted and not yet answered. */
  readonly inFlight: number;
  readonly closed: boolean;
  /**
   * Feeds are transferred (zero-copy): do not touch them until the result hands them back. Feeds
   * in SharedArrayBuffers are not moved (the worker copies them) and float outputs are copied into
   * the `into` buffers given for them (a result's data is then a view of that buffer): a caller
   * running thousands of frames allocates nothing per run, which spares its heap many garbage
   * collections. Neither may be touched until the run settles.
   */
  run(
    feeds: TensorMap,
    opts?: { readonly into?: Readonly<Record<string, Float32Array>> },
  ): Promise<RunResult>;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

interface Pending {
  resolve(msg: WorkerResponse): void;
  reject(err: Error): void;
}

const WORKER_URL = new URL('./worker-entry.mjs', import.meta.url);

/** Thread ids of the ORT workers alive in this process (the profile's per-thread split). */
export const ortWorkerTids = new Set<number>();

/** Loads `modelPath` in a new worker thread. MODEL_LOAD_FAILED if ORT cannot load it. */
export async function createModelSession(
  modelPath: string,
  opts: ModelSessionOptions = {},
): Promise<ModelSession> {
  const label = opts.label ?? modelPath;
  const worker = new Worker(WORKER_URL);
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let closed = false;
  let closing: Promise<void> | null = null;

  const failAll = (err: Error): void => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  worker.on('message', (msg: WorkerResponse) => {
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (msg.type === 'error') p.reject(new InferenceError(msg.code, `model ${label}: ${msg.message}`));
    else p.resolve(msg);
  });
  worker.on('error', (err) => {
    closed = true;
    failAll(
      new InferenceError('INFER_FAILED', `model ${label}: worker crashed: ${err.message}`, { cause: err }),
    );
  });
  worker.on('exit', (code) => {
    closed = true;
    failAll(new InferenceError('INFER_CLOSED', `model ${label}: worker exited (code ${code})`));
  });

  const request = (req: WorkerRequest, transfer: ArrayBuffer[] = []): Promise<WorkerResponse> => {
    if (closed)
      return Promise.reject(new InferenceError('INFER_CLOSED', `model ${label}: session is closed`));
    return new Promise((resolve, reject) => {
      pending.set(req.id, { resolve, reject });
      worker.postMessage(req, transfer);
    });
  };

  const terminate = async (): Promise<void> => {
    closed = true;
    await worker.terminate();
  };

  let loaded: WorkerResponse;
  try {
    loaded = await request({
      type: 'load',
      id: nextId++,
      modelPath,
      executionProvider: opts.executionProvider ?? 'auto',
      intraOpThreads: opts.intraOpThreads ?? os.availableParallelism(),
      allowSpinning: opts.allowSpinning ?? process.env.AIMA_ORT_SPIN === '1',
    });
  } catch (err) {
    await terminate();
    throw err;
  }
  if (loaded.type !== 'loaded')
    throw new InferenceError('MODEL_LOAD_FAILED', `model ${label}: unexpected reply`);
  const { inputs, outputs, executionProviders, tid } = loaded;
  if (tid > 0) ortWorkerTids.add(tid);

  const close = (): Promise<void> => {
    closing ??= (async () => {
      if (!closed) {
        await request({ type: 'close', id: nextId++ }).catch(() => undefined);
        await terminate();
      }
      ortWorkerTids.delete(tid);
    })();
    return closing;
  };

  return {
    label,
    inputs,
    outputs,
    executionProviders,
    get inFlight() {
      return pending.size;
    },
    get closed() {
      return closed;
    },
    async run(feeds, o = {}) {
      const req: WorkerRequest = o.into
        ? { type: 'run', id: nextId++, feeds, into: o.into }
        : { type: 'run', id: nextId++, feeds };
      const msg = await request(req, transferList(feeds));
      if (msg.type !== 'result') throw new InferenceError('INFER_FAILED', `model ${label}: unexpected reply`);
      const outputs: TensorMap = {};
      for (const [name, t] of Object.entries(msg.outputs)) {
        outputs[name] =
          'shared' in t ? { type: t.type, data: o.into![name]!.subarray(0, t.shared), dims: t.dims } : t;
      }
      return { outputs, feeds: { ...feeds, ...msg.feeds }, runMs: msg.runMs, cpuMs: msg.cpuMs };
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
