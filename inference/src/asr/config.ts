import { z } from 'zod';

/** Config of the `asr` analyzer (parsed once; errors name the key). */
export const asrConfigSchema = z
  .object({
    /** 'auto': a sherpa model set present in the models dir or cache, else pocketsphinx. */
    engine: z.enum(['auto', 'pocketsphinx', 'sherpa-whisper', 'sherpa-zipformer']).default('auto'),
    /** 'auto' or a language code ('en', 'de', ...). */
    language: z
      .string()
      .regex(/^(auto|[a-z]{2,3})$/, "a language code like 'en', or 'auto'")
      .default('auto'),
    /** A model set id (ASR_MODEL_SETS) for sherpa engines. */
    modelSet: z.string().min(1).optional(),
    /** Longer speech is cut into pieces of at most this length (Whisper takes at most 28 s). */
    maxUtteranceMs: z.number().int().min(1000).max(30_000).default(30_000),
    /** Shorter VAD segments are not transcribed (clicks, breaths). */
    minUtteranceMs: z.number().int().min(0).max(5000).default(250),
    /** Live sources: a partial result at most this often while speech goes on. */
    partialIntervalMs: z.number().int().min(250).max(10_000).default(1000),
    /** Live sources: the last 0.5 s must be this loud (dBFS) to count as speech going on. */
    partialMinDbfs: z.number().min(-100).max(0).default(-45),
    /** Audio kept for segments the VAD has not closed yet. */
    bufferMs: z.number().int().min(10_000).max(600_000).default(120_000),
    /** Let sherpa engines download missing model files into the cache. */
    download: z.boolean().default(false),
  })
  .strict();

export type AsrConfig = z.infer<typeof asrConfigSchema>;
