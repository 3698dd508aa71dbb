// The zero-shot tagger: a vocabulary's sentences embedded once (cached per text model and
// vocabulary, shared by every source), then crops of a frame scored against them in one batch.
import { InferenceError } from '../errors.ts';
import type { VideoInput } from '../analyzers/contract.ts';
import type { ImageInputSpec } from '../models/manifest.ts';
import type { ImageEncoder, TextEncoder } from './encoders.ts';
import {
  buildPromptPlan,
  classEmbeddings,
  l2normalize,
  scoreImage,
  CLIP_LOGIT_SCALE,
  type PromptPlan,
  type TagScore,
} from './prompts.ts';
import type { TagScope } from './records.ts';
import { CLIP_CONTEXT, type ClipTokenizer } from './tokenizer.ts';
import { frameBox, writeCrop, type Box } from './preprocess.ts';
import type { TagVocabulary } from './vocabulary.ts';

/** Sentences per text-tower call. */
const TEXT_BATCH = 32;
/** Most crops per image-tower call. */
export const MAX_CROPS = 16;

export interface TagCrop {
  /** Source pixels; null: the whole frame. */
  readonly box: Box | null;
  readonly scope: TagScope;
}

export interface ZeroShotTagger {
  readonly plan: PromptPlan;
  /** Scores per crop (same order); a crop outside the frame gets []. At most MAX_CROPS crops. */
  tag(frame: VideoInput, crops: readonly TagCrop[]): Promise<TagScore[][]>;
}

export interface ZeroShotTaggerOptions {
  readonly image: ImageEncoder;
  readonly text: TextEncoder;
  readonly tokenizer: ClipTokenizer;
  readonly input: ImageInputSpec;
  readonly vocabulary: TagVocabulary;
  readonly logitScale?: number;
}

// Text embeddings by text model and vocabulary: computing them is the expensive part of a start.
const cache = new Map<string, Promise<Float32Array[]>>();
const CACHE_LIMIT = 8;

/** Embeds every sentence of the plan in batches and folds them into class embeddings. */
export async function embedPlan(
  plan: PromptPlan,
  text: TextEncoder,
  tokenizer: ClipTokenizer,
): Promise<Float32Array[]> {
  const sentences: Float32Array[] = [];
  for (let i = 0; i < plan.texts.length; i += TEXT_BATCH) {
    const batch = plan.texts.slice(i, i + TEXT_BATCH);
    const ids = tokenizer.tokenize(batch, CLIP_CONTEXT);
    sentences.push(...(await text.encode(ids, batch.length, CLIP_CONTEXT, tokenizer.endToken)));
  }
  return classEmbeddings(plan, sentences);
}

export async function createZeroShotTagger(opts: ZeroShotTaggerOptions): Promise<ZeroShotTagger> {
  const plan = buildPromptPlan(opts.vocabulary);
  const key = `${opts.text.label}\n${JSON.stringify(opts.vocabulary.categories)}`;
  let pending = cache.get(key);
  if (!pending) {
    pending = embedPlan(plan, opts.text, opts.tokenizer);
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    cache.set(key, pending);
    // A failed embedding is not remembered: the next start tries again.
    pending.catch(() => cache.delete(key));
  }
  const classes = await pending;
  const { width: W, height: H } = opts.input;
  const size = 3 * W * H;
  const scale = opts.logitScale ?? CLIP_LOGIT_SCALE;
  return {
    plan,
    async tag(frame, crops) {
      if (crops.length > MAX_CROPS)
        throw new InferenceError('INFER_BAD_CONFIG', `zero-shot tagger: at most ${MAX_CROPS} crops per call`);
      const boxes = crops.map((c) => frameBox(frame, c.box));
      const live = boxes.flatMap((b, i) => (b ? [i] : []));
      if (live.length === 0) return crops.map(() => []);
      // A fresh buffer per call: it is transferred to the ORT worker.
      const pixels = new Float32Array(live.length * size);
      live.forEach((ci, j) => writeCrop(frame, boxes[ci] as Box, opts.input, pixels, j * size));
      const embeddings = await opts.image.encode(pixels, live.length, H, W);
      const out: TagScore[][] = crops.map(() => []);
      live.forEach((ci, j) => {
        const e = l2normalize(embeddings[j] as Float32Array);
        out[ci] = scoreImage(plan, classes, e, (crops[ci] as TagCrop).scope, scale);
      });
      return out;
    },
  };
}
