// Runs inside a worker thread: onnxruntime-node's run() blocks its thread, so it must not be the main one.
import { parentPort } from 'node:worker_threads';
import { existsSync, readlinkSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import {
  transferList,
  type ExecutionProvider,
  type IoMeta,
  type SharedOutput,
  type TensorData,
  type TensorMap,
  isShared,
  type WorkerRequest,
  type WorkerResponse,
} from './protocol.ts';
import { threadCpuMs } from '../profile/thread-cpu.ts';

if (!parentPort) throw new Error('ort worker must run in a worker thread');
const port = parentPort;
let session: ort.InferenceSession | null = null;

function send(msg: WorkerResponse, transfer: ArrayBuffer[] = []): void {
  port.postMessage(msg, transfer);
}

function gpuPresent(): boolean {
  return existsSync('/dev/nvidiactl') || existsSync('/dev/nvidia0');
}

function providers(ep: ExecutionProvider): string[] {
  const backends = new Set(
    (typeof ort.listSupportedBackends === 'function' ? ort.listSupportedBackends() : []).map((b) => b.name),
  );
  switch (ep) {
    case 'cpu':
      return ['cpu'];
    case 'cuda':
      return ['cuda', 'cpu'];
    case 'tensorrt':
      return ['tensorrt', 'cuda', 'cpu'];
    case 'auto':
      // The CUDA binaries are an optional download; only ask for them when they and a GPU exist.
      return backends.has('cuda') && gpuPresent() ? ['cuda', 'cpu'] : ['cpu'];
  }
}

function meta(names: readonly string[], md: readonly ort.InferenceSession.ValueMetadata[]): IoMeta[] {
  return names.map((name, i) => {
    const m = md[i];
    if (m && m.isTensor) return { name, dims: [...m.shape], type: m.type };
    return { name, dims: [], type: 'unknown' };
  });
}

async function load(req: Extract<WorkerRequest, { type: 'load' }>): Promise<void> {
  const eps = providers(req.executionProvider);
  try {
    session = await ort.InferenceSession.create(req.modelPath, {
      executionProviders: eps,
      intraOpNumThreads: req.intraOpThreads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      extra: {
        session: {
          intra_op: { allow_spinning: req.allowSpinning ? '1' : '0' },
          inter_op: { allow_spinning: '0' },
        },
      },
    });
  } catch (err) {
    send({
      type: 'error',
      id: req.id,
      code: 'MODEL_LOAD_FAILED',
      message: (err as Error).message.split('\n')[0] ?? '',
    });
    return;
  }
  send({
    type: 'loaded',
    id: req.id,
    inputs: meta(session.inputNames, session.inputMetadata),
    outputs: meta(session.outputNames, session.outputMetadata),
    executionProviders: eps,
    tid: ownTid(),
  });
}

/** This thread's Linux thread id (the profile tells ORT workers' CPU from the rest), or -1. */
function ownTid(): number {
  try {
    return Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return -1;
  }
}

/**
 * ORT cannot read shared memory, so a shared feed is copied into a buffer this worker keeps per
 * input (a memcpy, and no allocation per run); a transferred feed is used as it is.
 */
const copies = new Map<string, Float32Array | BigInt64Array | Uint8Array>();
function ownCopy(name: string, data: TensorData['data']): TensorData['data'] {
  if (!isShared(data)) return data;
  let own = copies.get(name);
  if (!own || own.length !== data.length || own.constructor !== data.constructor) {
    own = new (data.constructor as new (n: number) => typeof data)(data.length);
    copies.set(name, own);
  }
  (own as Float32Array).set(data as Float32Array);
  return own;
}

async function run(req: Extract<WorkerRequest, { type: 'run' }>): Promise<void> {
  if (!session) {
    send({ type: 'error', id: req.id, code: 'INFER_FAILED', message: 'no model loaded' });
    return;
  }
  const feeds: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(req.feeds))
    feeds[name] = new ort.Tensor(t.type, ownCopy(name, t.data), [...t.dims]);
  try {
    const t0 = performance.now();
    const c0 = threadCpuMs();
    const result = await session.run(feeds);
    const runMs = performance.now() - t0;
    // This thread's CPU: with one intra-op thread, the run's core time (wall time overstates it
    // whenever the cores are shared).
    const cpuMs = Math.max(0, threadCpuMs() - c0);
    const outputs: Record<string, TensorData | SharedOutput> = {};
    const transfer: TensorMap = {};
    for (const [name, value] of Object.entries(result)) {
      const data = value.data;
      if (!(data instanceof Float32Array) && !(data instanceof BigInt64Array)) continue;
      const dims = [...value.dims];
      const into = req.into?.[name];
      if (into && data instanceof Float32Array && into.length >= data.length) {
        // Copied into the caller's shared buffer: nothing is allocated on the caller's side.
        into.set(data);
        outputs[name] = { type: 'float32', shared: data.length, dims };
      } else {
        outputs[name] = transfer[name] = { type: value.type as 'float32' | 'int64', data, dims };
      }
    }
    // Shared feeds stay with the caller (sending them back would wrap them again there).
    const own = Object.fromEntries(Object.entries(req.feeds).filter(([, t]) => !isShared(t.data)));
    send({ type: 'result', id: req.id, outputs, feeds: own, runMs, cpuMs }, [
      ...transferList(transfer),
      ...transferList(own),
    ]);
  } catch (err) {
    send({
      type: 'error',
      id: req.id,
      code: 'INFER_FAILED',
      message: (err as Error).message.split('\n')[0] ?? '',
    });
  }
}

// Requests are handled strictly one at a time, in arrival order.
let chain: Promise<void> = Promise.resolve();
port.on('message', (req: WorkerRequest) => {
  chain = chain.then(async () => {
    if (req.type === 'load') await load(req);
    else if (req.type === 'run') await run(req);
    else {
      await session?.release();
      session = null;
      send({ type: 'closed', id: req.id });
    }
  });
});
