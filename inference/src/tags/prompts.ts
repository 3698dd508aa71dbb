// Prompt building and the zero-shot maths (pure): a vocabulary becomes one list of sentences for the
// text tower; each class (a tag, or a category's "none") is the re-normalised mean of its
// sentences' normalised embeddings (CLIP's prompt ensembling); an image embedding scores a
// category by softmax(100 · cos) over its classes.
import type { TagCategory, TagScope } from './records.ts';
import { tagPhrases, type TagVocabulary } from './vocabulary.ts';

/** CLIP's learned logit scale (exp(4.6052) = 100), the same for OpenCLIP and MobileCLIP. */
export const CLIP_LOGIT_SCALE = 100;

export interface PromptClass {
  readonly category: TagCategory;
  /** null: the category's "none of these". */
  readonly tag: string | null;
  /** Range of this class's sentences in `PromptPlan.texts`. */
  readonly from: number;
  readonly to: number;
}

export interface PlannedCategory {
  readonly id: TagCategory;
  readonly scopes: readonly TagScope[];
  readonly threshold: number | undefined;
  /** Indices into `PromptPlan.classes` (tags first, "none" last). */
  readonly classes: readonly number[];
}

export interface PromptPlan {
  readonly texts: readonly string[];
  readonly classes: readonly PromptClass[];
  readonly categories: readonly PlannedCategory[];
}

/** Fills a template's {} with a phrase. */
export function fillTemplate(template: string, phrase: string): string {
  return template.replace('{}', phrase);
}

/** Every sentence the text tower must embed, grouped by class. */
export function buildPromptPlan(vocab: TagVocabulary): PromptPlan {
  const texts: string[] = [];
  const classes: PromptClass[] = [];
  const categories: PlannedCategory[] = [];
  const add = (
    category: TagCategory,
    tag: string | null,
    phrases: readonly string[],
    templates: readonly string[],
  ): number => {
    const from = texts.length;
    for (const p of phrases) for (const t of templates) texts.push(fillTemplate(t, p));
    classes.push({ category, tag, from, to: texts.length });
    return classes.length - 1;
  };
  for (const c of vocab.categories) {
    const ids = c.tags.map((t) => add(c.id, t.tag, tagPhrases(t), c.templates));
    ids.push(add(c.id, null, c.none, c.templates));
    categories.push({ id: c.id, scopes: c.scopes, threshold: c.threshold, classes: ids });
  }
  return { texts, classes, categories };
}

/** L2-normalises in place; a zero vector stays zero. */
export function l2normalize(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const n = Math.sqrt(s);
  if (n > 0) for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) / n;
  return v;
}

/** One embedding per class: the normalised mean of its sentences' normalised embeddings. */
export function classEmbeddings(plan: PromptPlan, sentences: readonly Float32Array[]): Float32Array[] {
  return plan.classes.map((c) => {
    const dim = sentences[c.from]?.length ?? 0;
    const mean = new Float32Array(dim);
    for (let i = c.from; i < c.to; i++) {
      const e = l2normalize(Float32Array.from(sentences[i] as Float32Array));
      for (let d = 0; d < dim; d++) mean[d] = (mean[d] as number) + (e[d] as number);
    }
    return l2normalize(mean);
  });
}

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

/** Numerically stable softmax. */
export function softmax(logits: readonly number[]): number[] {
  const m = Math.max(...logits);
  const e = logits.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

export interface TagScore {
  readonly category: TagCategory;
  readonly tag: string;
  readonly score: number;
}

/**
 * Scores one normalised image embedding against the categories looked for in `scope`: softmax over
 * each category's classes; "none" takes its share but is not returned.
 */
export function scoreImage(
  plan: PromptPlan,
  classEmb: readonly Float32Array[],
  image: Float32Array,
  scope: TagScope,
  logitScale = CLIP_LOGIT_SCALE,
): TagScore[] {
  const out: TagScore[] = [];
  for (const cat of plan.categories) {
    if (!cat.scopes.includes(scope)) continue;
    const probs = softmax(cat.classes.map((k) => logitScale * dot(image, classEmb[k] as Float32Array)));
    cat.classes.forEach((k, i) => {
      const tag = (plan.classes[k] as PromptClass).tag;
      if (tag !== null) out.push({ category: cat.id, tag, score: probs[i] as number });
    });
  }
  return out;
}
