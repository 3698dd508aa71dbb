// The `tags` analyzer definition (its thin dashboard line passes detect's event table and where the
// user's vocabulary lives). Models: the configured image tower, text tower and the BPE merges file.
import { stat } from 'node:fs/promises';
import type { AnalyzerContext, AnalyzerDefinition } from '../analyzers/contract.ts';
import { InferenceError } from '../errors.ts';
import { CLIP_BPE_ID, MOBILECLIP_S0_IMAGE_ID, MOBILECLIP_S0_TEXT_ID } from '../models/manifest-tags.ts';
import { tagsConfigSchema, type TagsConfig } from './config.ts';
import { createImageEncoder, createTextEncoder } from './encoders.ts';
import { createTagsInstance } from './instance.ts';
import { createZeroShotTagger } from './tagger.ts';
import { loadClipTokenizer, type ClipTokenizer } from './tokenizer.ts';
import { loadTagVocabulary, DEFAULT_TAG_VOCABULARY_URL } from './vocabulary.ts';

export interface TagsAnalyzerOptions {
  /** detect's transient table of analysis events. */
  readonly detectEvents: string;
  readonly imageModel?: string;
  readonly textModel?: string;
  readonly bpeModel?: string;
  /** The user's vocabulary override (used when it exists and the config names none). */
  readonly userVocabularyFile?: () => string | null;
}

// Tokenizers by merges file: the real one has 48,894 merges, worth parsing once per process.
const tokenizers = new Map<string, Promise<ClipTokenizer>>();

function tokenizerFor(file: string): Promise<ClipTokenizer> {
  let t = tokenizers.get(file);
  if (!t) {
    t = loadClipTokenizer(file);
    tokenizers.set(file, t);
    t.catch(() => tokenizers.delete(file));
  }
  return t;
}

/** The source's job id from the store's source row; '' when there is none or no store. */
async function jobIdOf(ctx: AnalyzerContext): Promise<string> {
  try {
    const store = ctx.service<{ getSource(id: string): Promise<{ jobId?: string } | null> }>('store');
    return (await store.getSource(ctx.sourceId))?.jobId ?? '';
  } catch {
    return '';
  }
}

async function vocabularyFile(
  cfg: TagsConfig,
  user: (() => string | null) | undefined,
): Promise<string | URL> {
  if (cfg.vocabularyFile) return cfg.vocabularyFile;
  const own = user?.() ?? null;
  if (own && (await stat(own).catch(() => null))?.isFile()) return own;
  return DEFAULT_TAG_VOCABULARY_URL;
}

export function createTagsAnalyzer(opts: TagsAnalyzerOptions): AnalyzerDefinition<TagsConfig> {
  const imageId = opts.imageModel ?? MOBILECLIP_S0_IMAGE_ID;
  const textId = opts.textModel ?? MOBILECLIP_S0_TEXT_ID;
  const bpeId = opts.bpeModel ?? CLIP_BPE_ID;
  return {
    id: 'tags',
    version: '1',
    title: 'Tags',
    description:
      'Zero-shot tags (CLIP-family image/text towers) on person crops, wrists/ankles and frames against the vocabulary: clothing, restraint, context, scene',
    models: [imageId, textId, bpeId],
    consumes: [
      { kind: 'video' },
      { kind: 'results', of: ['detect'], tables: [opts.detectEvents] },
      { kind: 'results', of: ['pose'], tables: ['poses'], optional: true },
    ],
    config: tagsConfigSchema,
    defaultOn: false,
    produces: [{ table: 'tags', live: 'tags', lane: 'tags' }],
    async create(ctx, cfg) {
      const image = ctx.models.get(imageId);
      const bpe = ctx.models.get(bpeId);
      if (!image || !bpe || !ctx.models.get(textId))
        throw new InferenceError(
          'MODEL_NOT_FOUND',
          `analyzer tags: models ${imageId}, ${textId}, ${bpeId} not resolved`,
        );
      const input = image.spec.input;
      if (!input)
        throw new InferenceError(
          'INFER_BAD_CONFIG',
          `analyzer tags: model ${imageId} has no image input spec`,
        );
      const [tokenizer, vocabulary, imageSession, textSession, jobId] = await Promise.all([
        tokenizerFor(bpe.path),
        vocabularyFile(cfg, opts.userVocabularyFile).then((f) => loadTagVocabulary(f)),
        ctx.session(imageId),
        ctx.session(textId),
        jobIdOf(ctx),
      ]);
      const tagger = await createZeroShotTagger({
        image: createImageEncoder(imageSession),
        text: createTextEncoder(textSession),
        tokenizer,
        input,
        vocabulary,
      });
      return createTagsInstance(ctx, cfg, {
        tagger,
        modelId: imageId,
        jobId,
        detectEvents: opts.detectEvents,
      });
    },
  };
}
