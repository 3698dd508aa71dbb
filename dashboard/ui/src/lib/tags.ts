// The tag vocabulary (GET/PUT/DELETE /api/v1/tags/vocabulary) and a person's dossier histories
// (GET /api/v1/persons/:id/tags), with the shapes the settings page edits.
import { z } from 'zod';
import { request } from './api.ts';

export const CATEGORY_IDS = ['clothing', 'restraint', 'context', 'scene'] as const;
export const SCOPES = ['person', 'frame', 'wrists', 'ankles'] as const;

const VocabTag = z.object({ tag: z.string(), prompts: z.array(z.string()).optional() });
const VocabCategory = z.object({
  id: z.enum(CATEGORY_IDS),
  scopes: z.array(z.enum(SCOPES)),
  templates: z.array(z.string()),
  none: z.array(z.string()),
  tags: z.array(VocabTag),
  threshold: z.number().optional(),
});
export const Vocabulary = z
  .object({
    $comment: z.string().optional(),
    version: z.literal(1),
    revision: z.number().optional(),
    categories: z.array(VocabCategory),
  })
  .passthrough();
export type Vocabulary = z.infer<typeof Vocabulary>;
export type VocabularyCategory = z.infer<typeof VocabCategory>;

const VocabularyResponse = z.object({ source: z.enum(['default', 'user']), vocabulary: Vocabulary });
export type VocabularyResponse = z.infer<typeof VocabularyResponse>;

const HistoryEntry = z.object({
  sourceId: z.string(),
  jobId: z.string(),
  trackId: z.number(),
  category: z.string(),
  tag: z.string(),
  scopes: z.array(z.string()),
  startTs: z.number(),
  endTs: z.number(),
  score: z.number(),
  maxScore: z.number(),
  frames: z.number(),
});
export type TagHistoryEntry = z.infer<typeof HistoryEntry>;
const PersonTags = z.object({
  personId: z.string(),
  clothing: z.array(HistoryEntry),
  restraint: z.array(HistoryEntry),
});
export type PersonTags = z.infer<typeof PersonTags>;

export async function getVocabulary(signal?: AbortSignal): Promise<VocabularyResponse> {
  const res = await request('/tags/vocabulary', { signal });
  return VocabularyResponse.parse(await res.json());
}

/** Saves the vocabulary; a refused one throws ApiError TAGS_BAD_VOCABULARY naming the key. */
export async function putVocabulary(v: Vocabulary): Promise<VocabularyResponse> {
  const res = await request('/tags/vocabulary', { method: 'PUT', json: v });
  return VocabularyResponse.parse(await res.json());
}

export async function resetVocabulary(): Promise<VocabularyResponse> {
  const res = await request('/tags/vocabulary', { method: 'DELETE' });
  return VocabularyResponse.parse(await res.json());
}

export async function personTags(personId: string, signal?: AbortSignal): Promise<PersonTags> {
  const res = await request(`/persons/${encodeURIComponent(personId)}/tags`, { signal });
  return PersonTags.parse(await res.json());
}

/** One phrase per non-empty line. */
export function lines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

/** A tag name as the vocabulary wants it: lower-case letters, digits, dashes. */
export function tagName(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}
