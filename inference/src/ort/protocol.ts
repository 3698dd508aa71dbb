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
  | { readonly type: 'run'; readonly id: number; readonly feeds: TensorMap }
  | { readonly type: 'close'; readonly id: number };

export type WorkerResponse =
  | {
      readonly type: 'loaded';
      readonly id: number;
      readonly inputs: readonly IoMeta[];
      readonly outputs: readonly IoMeta[];
      readonly executionProviders: readonly string[];
    }
  | {
      readonly type: 'result';
      readonly id: number;
      readonly outputs: TensorMap;
      /** The feeds, handed back so the caller can reuse their buffers. */
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

/** ArrayBuffers of a tensor map, for zero-copy postMessage transfer. */
export function transferList(map: TensorMap): ArrayBuffer[] {
  const seen = new Set<ArrayBuffer>();
  for (const t of Object.values(map)) {
    const buf = t.data.buffer;
    if (buf instanceof ArrayBuffer) seen.add(buf);
  }
  return [...seen];
}
