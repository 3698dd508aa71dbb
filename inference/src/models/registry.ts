import { stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { InferenceError } from '../errors.ts';
import { downloadVerified, type DownloadProgress } from './download.ts';
import { sha256File } from './hash.ts';
import { BUILTIN_MODELS, DOWNLOAD_ONLY_MODELS, type ModelSpec } from './manifest.ts';

/** Where a model file came from: AIMA_MODELS_DIR, the download cache, or a path the user gave. */
export type ModelOrigin = 'models-dir' | 'cache' | 'file';

export interface ResolvedModel {
  readonly spec: ModelSpec;
  readonly path: string;
  readonly origin: ModelOrigin;
}

export interface ModelStatus {
  readonly spec: ModelSpec;
  /** Where the file was found, or null when it must be pulled. */
  readonly origin: ModelOrigin | null;
  readonly path: string | null;
}

export interface ModelRegistryOptions {
  /** Searched first (AIMA_MODELS_DIR). */
  readonly modelsDir?: string | null;
  /** Downloads land here; default $XDG_CACHE_HOME/aima/models or ~/.cache/aima/models. */
  readonly cacheDir?: string;
  readonly models?: readonly ModelSpec[];
  readonly fetchImpl?: typeof fetch;
  /**
   * A mirror tried before each model's upstream URL: `${mirror}/${id}` (a worker's control plane).
   * The file is sha256-checked against the manifest either way.
   */
  readonly mirror?: string;
}

export interface ResolveOptions {
  /** Download into the cache when the file is nowhere local (default false). */
  readonly download?: boolean;
  readonly onProgress?: (p: DownloadProgress) => void;
  readonly signal?: AbortSignal;
}

export interface ModelRegistry {
  readonly modelsDir: string | null;
  readonly cacheDir: string;
  list(): Promise<ModelStatus[]>;
  /** The manifest entry; MODEL_UNKNOWN for ids not in the manifest. */
  get(id: string): ModelSpec;
  /** Finds the file (models dir, then cache, then download if allowed) and checks its sha256. */
  resolve(id: string, opts?: ResolveOptions): Promise<ResolvedModel>;
  /** Downloads into the cache (unless already there and valid) and verifies it. */
  pull(id: string, opts?: Omit<ResolveOptions, 'download'>): Promise<ResolvedModel>;
  /** Re-hashes the local file; MODEL_HASH_MISMATCH or MODEL_NOT_FOUND on failure. */
  verify(id: string, signal?: AbortSignal): Promise<ResolvedModel>;
}

export function defaultCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'aima', 'models');
}

export function createModelRegistry(opts: ModelRegistryOptions = {}): ModelRegistry {
  // Download-only models (stronger face embedders) are known too, so `aima models pull` fetches them.
  const models = new Map((opts.models ?? [...BUILTIN_MODELS, ...DOWNLOAD_ONLY_MODELS]).map((m) => [m.id, m]));
  const modelsDir = opts.modelsDir ? path.resolve(opts.modelsDir) : null;
  const cacheDir = path.resolve(opts.cacheDir ?? defaultCacheDir());
  // Hashing is cheap but not free: remember files already verified (by path, size and mtime).
  const verified = new Map<string, string>();

  const get = (id: string): ModelSpec => {
    const spec = models.get(id);
    if (!spec) {
      throw new InferenceError(
        'MODEL_UNKNOWN',
        `unknown model '${id}' (known: ${[...models.keys()].join(', ')})`,
      );
    }
    return spec;
  };

  const candidates = (spec: ModelSpec): Array<{ path: string; origin: ModelOrigin }> => {
    const out: Array<{ path: string; origin: ModelOrigin }> = [];
    if (modelsDir) {
      out.push({ path: path.join(modelsDir, spec.file), origin: 'models-dir' });
      out.push({ path: path.join(modelsDir, path.basename(spec.file)), origin: 'models-dir' });
    }
    out.push({ path: path.join(cacheDir, spec.file), origin: 'cache' });
    return out;
  };

  const findLocal = async (spec: ModelSpec): Promise<{ path: string; origin: ModelOrigin } | null> => {
    for (const c of candidates(spec)) {
      const s = await stat(c.path).catch(() => null);
      if (s?.isFile()) return c;
    }
    return null;
  };

  const check = async (spec: ModelSpec, file: string, signal?: AbortSignal): Promise<void> => {
    const s = await stat(file);
    const key = `${file}:${s.size}:${s.mtimeMs}`;
    if (verified.get(key) === spec.sha256) return;
    const actual = await sha256File(file, signal);
    if (actual !== spec.sha256) {
      throw new InferenceError(
        'MODEL_HASH_MISMATCH',
        `model ${spec.id}: ${file} has sha256 ${actual}, expected ${spec.sha256}`,
      );
    }
    verified.set(key, spec.sha256);
  };

  const notFound = (spec: ModelSpec): InferenceError =>
    new InferenceError(
      'MODEL_NOT_FOUND',
      `model ${spec.id} not found; looked in ${candidates(spec)
        .map((c) => c.path)
        .join(', ')} (run 'aima models pull ${spec.id}' or set AIMA_MODELS_DIR)`,
    );

  const pull = async (id: string, o: Omit<ResolveOptions, 'download'> = {}): Promise<ResolvedModel> => {
    const spec = get(id);
    const dest = path.join(cacheDir, spec.file);
    const existing = await stat(dest).catch(() => null);
    if (existing?.isFile()) {
      try {
        await check(spec, dest, o.signal);
        return { spec, path: dest, origin: 'cache' };
      } catch {
        // A corrupt cached copy is replaced by a fresh download below.
      }
    }
    if (opts.mirror) {
      try {
        await downloadVerified({
          modelId: spec.id,
          url: `${opts.mirror.replace(/\/+$/, '')}/${encodeURIComponent(spec.id)}`,
          dest,
          sha256: spec.sha256,
          expectedBytes: spec.bytes,
          onProgress: o.onProgress,
          signal: o.signal,
          fetchImpl: opts.fetchImpl,
        });
        return { spec, path: dest, origin: 'cache' };
      } catch (err) {
        // The mirror lacks it or sent a bad copy: the upstream URL is the fallback.
        if (o.signal?.aborted) throw err;
      }
    }
    await downloadVerified({
      modelId: spec.id,
      url: spec.url,
      dest,
      sha256: spec.sha256,
      expectedBytes: spec.bytes,
      onProgress: o.onProgress,
      signal: o.signal,
      fetchImpl: opts.fetchImpl,
    });
    return { spec, path: dest, origin: 'cache' };
  };

  return {
    modelsDir,
    cacheDir,
    get,
    pull,
    async list() {
      const out: ModelStatus[] = [];
      for (const spec of models.values()) {
        const local = await findLocal(spec);
        out.push({ spec, origin: local?.origin ?? null, path: local?.path ?? null });
      }
      return out;
    },
    async resolve(id, o = {}) {
      const spec = get(id);
      const local = await findLocal(spec);
      if (local) {
        await check(spec, local.path, o.signal);
        return { spec, ...local };
      }
      if (!o.download) throw notFound(spec);
      try {
        return await pull(id, o);
      } catch (err) {
        // Say where we looked as well as why the download failed: both are what the user must fix.
        if (err instanceof InferenceError && err.code === 'MODEL_DOWNLOAD_FAILED') {
          throw new InferenceError('MODEL_DOWNLOAD_FAILED', `${notFound(spec).message}; ${err.message}`, {
            cause: err,
          });
        }
        throw err;
      }
    },
    async verify(id, signal) {
      const spec = get(id);
      const local = await findLocal(spec);
      if (!local) throw notFound(spec);
      await check(spec, local.path, signal);
      return { spec, ...local };
    },
  };
}
