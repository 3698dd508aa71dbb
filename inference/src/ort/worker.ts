// Runs inside a worker thread: onnxruntime-node's run() blocks its thread, so it must not be the main one.
import { parentPort } from 'node:worker_threads';
import { existsSync, readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import {
  transferList,
  type ExecutionProvider,
  type IoMeta,
  type TensorMap,
  type WorkerRequest,
  type WorkerResponse,
} from './protocol.ts';

if (!parentPort) throw new Error('ort worker must run in a worker thread');
const port = parentPort;
let session: ort.InferenceSession | null = null;

function send(msg: WorkerResponse, transfer: ArrayBuffer[] = []): void {
  port.postMessage(msg, transfer);
}

/**
 * CPU time of this thread in ms (Linux schedstat, ns resolution): with one intra-op thread, a run's
 * core time, which its wall time overstates whenever the cores are shared. -1 where unavailable.
 */
function threadCpuMs(): number {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ')[0]) / 1e6;
  } catch {
    return -1;
  }
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
  });
}

async function run(req: Extract<WorkerRequest, { type: 'run' }>): Promise<void> {
  if (!session) {
    send({ type: 'error', id: req.id, code: 'INFER_FAILED', message: 'no model loaded' });
    return;
  }
  const feeds: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(req.feeds))
    feeds[name] = new ort.Tensor(t.type, t.data, [...t.dims]);
  try {
    const t0 = performance.now();
    const c0 = threadCpuMs();
    const result = await session.run(feeds);
    const runMs = performance.now() - t0;
    const cpuMs = Math.max(0, threadCpuMs() - c0);
    const outputs: TensorMap = {};
    for (const [name, value] of Object.entries(result)) {
      const data = value.data;
      if (!(data instanceof Float32Array) && !(data instanceof BigInt64Array)) continue;
      outputs[name] = { type: value.type as 'float32' | 'int64', data, dims: [...value.dims] };
    }
    send({ type: 'result', id: req.id, outputs, feeds: req.feeds, runMs, cpuMs }, [
      ...transferList(outputs),
      ...transferList(req.feeds),
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
