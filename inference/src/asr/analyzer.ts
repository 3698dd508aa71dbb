import type { AnalyzerDefinition } from '../analyzers/contract.ts';
import type { ModelRegistry } from '../models/registry.ts';
import { asrConfigSchema, type AsrConfig } from './config.ts';
import { createTranscriber } from './factory.ts';
import { createAsrInstance } from './instance.ts';
import type { AsrModelSet } from './model-sets.ts';
import type { PocketsphinxTranscriberOptions } from './pocketsphinx/transcriber.ts';
import type { Transcriber } from './types.ts';

export interface AsrAnalyzerOptions {
  /** Where sherpa model sets are looked up (default: AIMA_MODELS_DIR, then the cache). */
  readonly registry?: ModelRegistry;
  readonly sets?: readonly AsrModelSet[];
  readonly pocketsphinx?: PocketsphinxTranscriberOptions;
}

/**
 * The `asr` analyzer definition. Engines resolve their own model sets through the registry, so
 * `models` is empty: a missing or altered sherpa file fails this analyzer alone (ctx.fail with
 * MODEL_NOT_FOUND / MODEL_HASH_MISMATCH), never the job.
 */
export function createAsrAnalyzer(opts: AsrAnalyzerOptions = {}): AnalyzerDefinition<AsrConfig> {
  return {
    id: 'asr',
    version: '1.0.0',
    title: 'Speech recognition',
    description:
      "Transcribes the VAD's speech segments: sherpa-onnx Whisper or streaming zipformer when their models are present, else pocketsphinx (weak, English only). Live sources get partial results while someone speaks.",
    models: [],
    consumes: [
      { kind: 'audio', sampleRate: 16000 },
      { kind: 'results', of: ['vad'], tables: ['speech_segments'] },
    ],
    config: asrConfigSchema,
    defaultOn: true,
    produces: [{ table: 'transcript_segments', live: 'transcript', lane: 'transcript' }],
    async create(ctx, config) {
      let transcriber: Transcriber | null = null;
      try {
        transcriber = await createTranscriber({
          engine: config.engine,
          language: config.language,
          modelSet: config.modelSet,
          registry: opts.registry,
          sets: opts.sets,
          download: config.download,
          pocketsphinx: opts.pocketsphinx,
          signal: ctx.signal,
        });
      } catch (err) {
        // The instance stays inert; the rest of the job goes on.
        ctx.fail(err instanceof Error ? err : new Error(String(err)));
      }
      return createAsrInstance(ctx, config, transcriber);
    },
  };
}

/** The `asr` analyzer with default options. */
export const asrAnalyzer: AnalyzerDefinition<AsrConfig> = createAsrAnalyzer();
