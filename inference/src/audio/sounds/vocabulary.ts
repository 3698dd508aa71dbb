// The mapping from AudioSet classes to AIMA's sound events is data (vocabulary.json, or a file
// the user names): parsed with Zod and resolved against the label file once, at start.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { InferenceError } from '../../errors.ts';
import type { AudioSetLabel } from './labels.ts';

const eventSchema = z
  .object({
    label: z.string().regex(/^[a-z][a-z0-9-]*$/, 'lower-case, digits and dashes'),
    /** AudioSet display names or indices. */
    classes: z.array(z.union([z.string().min(1), z.number().int().min(0)])).min(1),
    threshold: z.number().gt(0).lt(1),
  })
  .strict();

export const vocabularySchema = z
  .object({
    $comment: z.string().optional(),
    version: z.literal(1),
    events: z.array(eventSchema).min(1),
  })
  .strict()
  .refine((v) => new Set(v.events.map((e) => e.label)).size === v.events.length, {
    message: 'event labels must be unique',
  });

export type Vocabulary = z.infer<typeof vocabularySchema>;

/** One event with its classes resolved to logit indices. */
export interface VocabularyEvent {
  readonly label: string;
  readonly indices: readonly number[];
  readonly names: readonly string[];
  readonly threshold: number;
}

export const DEFAULT_VOCABULARY_URL = new URL('./vocabulary.json', import.meta.url);

export async function loadVocabulary(file: string | URL = DEFAULT_VOCABULARY_URL): Promise<Vocabulary> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new InferenceError(
      'INFER_BAD_CONFIG',
      `sound vocabulary ${String(file)}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  const parsed = vocabularySchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InferenceError(
      'INFER_BAD_CONFIG',
      `sound vocabulary ${String(file)}: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return parsed.data;
}

/** Resolves class names against the label file; unknown names are INFER_UNKNOWN_CLASS. */
export function resolveVocabulary(
  vocab: Vocabulary,
  labels: readonly AudioSetLabel[],
  only?: readonly string[],
): VocabularyEvent[] {
  const byName = new Map(labels.map((l) => [l.name, l.index]));
  if (only) {
    const known = new Set(vocab.events.map((e) => e.label));
    const unknown = only.filter((l) => !known.has(l));
    if (unknown.length > 0)
      throw new InferenceError(
        'INFER_UNKNOWN_CLASS',
        `unknown sound event(s) ${unknown.join(', ')} (known: ${[...known].join(', ')})`,
      );
  }
  return vocab.events
    .filter((e) => !only || only.includes(e.label))
    .map((e) => {
      const indices = e.classes.map((c) => {
        const i = typeof c === 'number' ? c : byName.get(c);
        if (i === undefined || i >= labels.length)
          throw new InferenceError('INFER_UNKNOWN_CLASS', `sound event ${e.label}: no AudioSet class '${c}'`);
        return i;
      });
      return {
        label: e.label,
        indices,
        names: indices.map((i) => (labels[i] as AudioSetLabel).name),
        threshold: e.threshold,
      };
    });
}
