import { InferenceError } from '../errors.ts';
import type { DownloadProgress } from '../models/download.ts';
import { createModelRegistry, type ModelRegistry } from '../models/registry.ts';
import { ASR_MODEL_SETS, findLocalModelSet, resolveModelSet, type AsrModelSet } from './model-sets.ts';
import {
  createPocketsphinxTranscriber,
  type PocketsphinxTranscriberOptions,
} from './pocketsphinx/transcriber.ts';
import { createSherpaWhisperTranscriber } from './sherpa/whisper.ts';
import { createSherpaZipformerTranscriber } from './sherpa/zipformer.ts';
import type { AsrEngineId, Transcriber } from './types.ts';

export type AsrEngineChoice = AsrEngineId | 'auto';

export interface CreateTranscriberOptions {
  /** 'auto': the best sherpa set present in the models dir or cache, else pocketsphinx. */
  readonly engine?: AsrEngineChoice;
  /** 'auto' or a language code. */
  readonly language?: string;
  /** A model set id (ASR_MODEL_SETS) for sherpa engines; default the best one present. */
  readonly modelSet?: string;
  readonly registry?: ModelRegistry;
  /** Sets to choose from (default ASR_MODEL_SETS). */
  readonly sets?: readonly AsrModelSet[];
  /** Download missing sherpa files into the cache (default false: MODEL_NOT_FOUND). */
  readonly download?: boolean;
  readonly onProgress?: (p: DownloadProgress) => void;
  readonly pocketsphinx?: PocketsphinxTranscriberOptions;
  readonly numThreads?: number;
  readonly signal?: AbortSignal;
}

/** Picks the set for a sherpa engine: the one named, else the best present, else the best known. */
async function pickSet(
  engine: 'sherpa-whisper' | 'sherpa-zipformer',
  registry: ModelRegistry,
  sets: readonly AsrModelSet[],
  named: string | undefined,
): Promise<AsrModelSet> {
  if (named) {
    const set = sets.find((s) => s.id === named);
    if (!set || set.engine !== engine) {
      throw new InferenceError(
        'INFER_BAD_CONFIG',
        `asr.modelSet: '${named}' is not a ${engine} set (known: ${sets
          .filter((s) => s.engine === engine)
          .map((s) => s.id)
          .join(', ')})`,
      );
    }
    return set;
  }
  const local = await findLocalModelSet(registry, sets, engine);
  const fallback = sets.find((s) => s.engine === engine);
  if (!local && !fallback) throw new InferenceError('INFER_BAD_CONFIG', `asr: no model set for ${engine}`);
  return (local ?? fallback)!;
}

/**
 * Creates a transcriber. Sherpa engines resolve their files through the model registry (sha256
 * checked; MODEL_NOT_FOUND or MODEL_HASH_MISMATCH when missing or altered); pocketsphinx needs
 * Debian's pocketsphinx and pocketsphinx-en-us only.
 */
export async function createTranscriber(opts: CreateTranscriberOptions = {}): Promise<Transcriber> {
  const language = opts.language ?? 'auto';
  const sets = opts.sets ?? ASR_MODEL_SETS;
  const registry = opts.registry ?? createModelRegistry({ modelsDir: process.env.AIMA_MODELS_DIR ?? null });
  let engine = opts.engine ?? 'auto';
  let set: AsrModelSet | null = null;
  if (engine === 'auto') {
    set = opts.modelSet
      ? (sets.find((s) => s.id === opts.modelSet) ?? null)
      : await findLocalModelSet(registry, sets);
    engine = set?.engine ?? 'pocketsphinx';
  }
  if (engine === 'pocketsphinx') {
    if (language !== 'auto' && language !== 'en') {
      throw new InferenceError(
        'INFER_BAD_CONFIG',
        `asr.language: pocketsphinx recognises English only, not '${language}'`,
      );
    }
    return createPocketsphinxTranscriber(opts.pocketsphinx);
  }
  set ??= await pickSet(engine, registry, sets, opts.modelSet);
  const resolved = await resolveModelSet(registry, set, {
    download: opts.download ?? false,
    onProgress: opts.onProgress,
    signal: opts.signal,
  });
  if (engine === 'sherpa-whisper') {
    return createSherpaWhisperTranscriber({
      paths: resolved.paths,
      multilingual: set.multilingual,
      language,
      label: set.label,
      numThreads: opts.numThreads,
    });
  }
  if (language !== 'auto' && language !== set.language) {
    throw new InferenceError(
      'INFER_BAD_CONFIG',
      `asr.language: model set ${set.id} recognises '${set.language}' only`,
    );
  }
  return createSherpaZipformerTranscriber({
    paths: resolved.paths,
    language: set.language,
    label: set.label,
    numThreads: opts.numThreads,
  });
}
