// The tag vocabulary is data (vocabulary.json, or the user's override edited on the settings page):
// categories of tags, the prompt templates that turn a tag into sentences for the text tower, and
// the "none of these" phrases that let a category say nothing applies. Parsed with Zod; every
// error names the exact key.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { InferenceError } from '../errors.ts';
import type { TagCategory, TagScope } from './records.ts';

export const TAG_CATEGORIES = [
  'clothing',
  'restraint',
  'context',
  'scene',
] as const satisfies readonly TagCategory[];
export const TAG_SCOPES = ['person', 'frame', 'wrists', 'ankles'] as const satisfies readonly TagScope[];

const TAG_NAME = /^[a-z][a-z0-9-]*$/;
const phrase = z.string().trim().min(1).max(200);
const template = phrase.refine((t) => t.split('{}').length === 2, {
  message: 'must contain {} exactly once',
});

const tagSchema = z
  .object({
    tag: z.string().regex(TAG_NAME, 'lower-case letters, digits and dashes').max(40),
    /** What goes into the templates' {} (default: the tag with dashes as spaces). */
    prompts: z.array(phrase).min(1).max(8).optional(),
  })
  .strict();

const categorySchema = z
  .object({
    id: z.enum(TAG_CATEGORIES),
    /** Where the category is looked for. */
    scopes: z.array(z.enum(TAG_SCOPES)).min(1),
    templates: z.array(template).min(1).max(16),
    /** Phrases for "none of these" (a class of its own, never emitted as a tag). */
    none: z.array(phrase).min(1).max(8),
    tags: z.array(tagSchema).min(1).max(64),
    /** Mean window score a tag needs to be kept (default: the analyzer's threshold). */
    threshold: z.number().gt(0).lt(1).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.tags.forEach((t, i) => {
      if (seen.has(t.tag))
        ctx.addIssue({ code: 'custom', path: ['tags', i, 'tag'], message: `duplicate tag '${t.tag}'` });
      seen.add(t.tag);
    });
    if (new Set(c.scopes).size !== c.scopes.length)
      ctx.addIssue({ code: 'custom', path: ['scopes'], message: 'duplicate scope' });
  });

export const tagVocabularySchema = z
  .object({
    $comment: z.string().optional(),
    version: z.literal(1),
    /** Free revision label the user bumps (shown on the settings page). */
    revision: z.number().int().min(0).default(0),
    categories: z.array(categorySchema).min(1).max(TAG_CATEGORIES.length),
  })
  .strict()
  .superRefine((v, ctx) => {
    const seen = new Set<string>();
    v.categories.forEach((c, i) => {
      if (seen.has(c.id))
        ctx.addIssue({
          code: 'custom',
          path: ['categories', i, 'id'],
          message: `duplicate category '${c.id}'`,
        });
      seen.add(c.id);
    });
  });

export type TagVocabulary = z.infer<typeof tagVocabularySchema>;
export type TagVocabularyCategory = TagVocabulary['categories'][number];

export const DEFAULT_TAG_VOCABULARY_URL = new URL('./vocabulary.json', import.meta.url);

/** A validation failure: the dotted key and its message. */
export interface VocabularyIssue {
  readonly key: string;
  readonly message: string;
}

/** Validates a parsed vocabulary: the vocabulary, or the first issue (its exact key). */
export function checkTagVocabulary(
  raw: unknown,
): { ok: true; vocabulary: TagVocabulary } | { ok: false; issue: VocabularyIssue } {
  const parsed = tagVocabularySchema.safeParse(raw);
  if (parsed.success) return { ok: true, vocabulary: parsed.data };
  const first = parsed.error.issues[0];
  return {
    ok: false,
    issue: { key: first?.path.join('.') || '(root)', message: first?.message ?? 'invalid' },
  };
}

/** Parses and validates; SAFETY_BAD_VOCABULARY naming the key otherwise. */
export function parseTagVocabulary(raw: unknown, where = 'tag vocabulary'): TagVocabulary {
  const r = checkTagVocabulary(raw);
  if (r.ok) return r.vocabulary;
  throw new InferenceError('SAFETY_BAD_VOCABULARY', `${where}: ${r.issue.key}: ${r.issue.message}`);
}

/** Reads a vocabulary file (default: the built-in one). */
export async function loadTagVocabulary(
  file: string | URL = DEFAULT_TAG_VOCABULARY_URL,
): Promise<TagVocabulary> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new InferenceError(
      'SAFETY_BAD_VOCABULARY',
      `tag vocabulary ${String(file)}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  return parseTagVocabulary(raw, `tag vocabulary ${String(file)}`);
}

/** The phrases put into a tag's templates. */
export function tagPhrases(t: TagVocabularyCategory['tags'][number]): readonly string[] {
  return t.prompts ?? [t.tag.replace(/-/g, ' ')];
}
