/** Messages between the main thread and an ORT worker (discriminated unions, structured-cloned). */

// uint8: image models quantised end to end take raw bytes (MoveNet, issue 11).
export type TensorType = 'float32' | 'int64' | 'uint8';

export interface TensorData {
  readonly type: TensorType;
  readonly data: Float32Array | BigInt64Array | Uint8Array;
  readonly dims: readonly number[];
}

export type TensorMap = Record<string, TensorData>;

/** 'auto' = CUDA (TensorRT first if asked for) when this onnxruntime build and machine have it, else CPU. */
export type ExecutionProvider = 'auto' | 'cpu' | 'cuda' | 'tensorrt';

export interface IoMeta {
  readonly name: string;
  /** Numbers for fixed dims, strings (symbolic) or -1 for dynamic ones. */
  readonly dims: ReadonlyArray<number | string>;
  readonly type: string;
}

export type WorkerRequest =
  | {
      readonly type: 'load';
      readonly id: number;
      readonly modelPath: string;
      readonly executionProvider: ExecutionProvider;
      readonly intraOpThreads: number;
      /** Let ORT's pool threads busy-wait between ops; fast alone, collapses when cores are shared. */
      readonly allowSpinning: boolean;
    }
  | {
      readonly type: 'run';
      readonly id: number;
      /** Transferred (ArrayBuffer) or shared (SharedArrayBuffer: copied by the worker, kept by the caller). */
      readonly feeds: TensorMap;
      /** Shared buffers the worker copies float outputs into when they fit (see SharedOutput). */
      readonly into?: Readonly<Record<string, Float32Array>>;
    }
  | { readonly type: 'close'; readonly id: number };

export type WorkerResponse =
  | {
      readonly type: 'loaded';
      readonly id: number;
      readonly inputs: readonly IoMeta[];
      readonly outputs: readonly IoMeta[];
      readonly executionProviders: readonly string[];
      /** The worker's Linux thread id (-1 where unknown). */
      readonly tid: number;
    }
  | {
      readonly type: 'result';
      readonly id: number;
      readonly outputs: Readonly<Record<string, TensorData | SharedOutput>>;
      /** The transferred feeds, handed back so the caller can reuse their buffers (not shared ones). */
      readonly feeds: TensorMap;
      readonly runMs: number;
      /** CPU time of the worker's thread during the run (0 where the OS cannot tell). */
      readonly cpuMs: number;
    }
  | { readonly type: 'closed'; readonly id: number }
  | {
      readonly type: 'error';
      readonly id: number;
      readonly code: 'MODEL_LOAD_FAILED' | 'INFER_FAILED';
      readonly message: string;
    };

/** An output the worker copied into the caller's `into` buffer: its first `shared` values. */
export interface SharedOutput {
  readonly type: 'float32';
  readonly shared: number;
  readonly dims: readonly number[];
}

export function isShared(data: TensorData['data']): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && data.buffer instanceof SharedArrayBuffer;
}

/** ArrayBuffers of a tensor map, for zero-copy postMessage transfer. */
export function transferList(map: TensorMap): ArrayBuffer[] {
  const seen = new Set<ArrayBuffer>();
  for (const t of Object.values(map)) {
    const buf = t.data.buffer;
    if (buf instanceof ArrayBuffer) seen.add(buf);
  }
  return [...seen];
}
