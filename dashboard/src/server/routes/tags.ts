// The tag vocabulary (the built-in one, or the user's override at `<dataDir>/vocabulary.json`,
// edited on the settings page) and the tags of sources and persons (the dossier's clothing and
// restraint-method histories).
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import {
  checkTagVocabulary,
  loadTagVocabulary,
  tagHistory,
  TAG_CATEGORIES,
  type TagRow,
  type TagVocabulary,
} from '@aima/inference';
import { DashboardError } from '../../errors.ts';
import { useUserTagVocabulary } from '../../analyzers/tags.ts';
import type { ServerDeps } from '../deps.ts';
import { defineRoute, type ApiRoute } from '../route.ts';
import { SourceParams } from '../schemas.ts';
import { requirePerson, requireSource } from './guards.ts';

/** Bytes a vocabulary body may have. */
const VOCABULARY_LIMIT = 256 * 1024;
/** Windows of one tag closer than this merge into one dossier entry. */
const HISTORY_GAP_MS = 5000;

const TagView = z.object({
  sourceId: z.string(),
  jobId: z.string().describe("the source's job ('' outside jobs)"),
  trackId: z.number().int().describe("detect's person track; -1 for the frame"),
  scope: z.enum(['person', 'frame', 'wrists', 'ankles']),
  category: z.enum(TAG_CATEGORIES),
  tag: z.string(),
  score: z.number().describe('mean probability over the window'),
  maxScore: z.number(),
  startTs: z.number().int(),
  endTs: z.number().int(),
  frames: z.number().int(),
  modelId: z.string(),
});

const HistoryEntryView = z.object({
  sourceId: z.string(),
  jobId: z.string(),
  trackId: z.number().int(),
  category: z.enum(TAG_CATEGORIES),
  tag: z.string(),
  scopes: z.array(z.string()),
  startTs: z.number().int(),
  endTs: z.number().int(),
  score: z.number(),
  maxScore: z.number(),
  frames: z.number().int(),
});

const PersonTagsView = z.object({
  personId: z.string(),
  clothing: z.array(HistoryEntryView).describe('clothing history, oldest first'),
  restraint: z.array(HistoryEntryView).describe('restraint-method history, oldest first'),
});

const VocabularyView = z.object({
  source: z.enum(['default', 'user']).describe("'user': the override at <dataDir>/vocabulary.json"),
  vocabulary: z.record(z.unknown()),
});

const TagsQuery = z
  .object({
    from: z.coerce.number().int().optional().describe('epoch ms, inclusive'),
    to: z.coerce.number().int().optional().describe('epoch ms, exclusive'),
    trackId: z.coerce.number().int().min(-1).optional(),
    category: z.enum(TAG_CATEGORIES).optional(),
    limit: z.coerce.number().int().positive().max(100_000).default(10_000),
  })
  .strict();

const PersonParams = z.object({ id: z.string().min(1).max(128) }).strict();

const tagView = (r: TagRow): z.infer<typeof TagView> => ({ ...r });

export function tagsRoutes(deps: ServerDeps): ApiRoute[] {
  const { store, manager } = deps;
  const file = path.join(deps.dataDir, 'vocabulary.json');
  // Jobs of this process read the override at their start.
  useUserTagVocabulary(file);

  const current = async (): Promise<z.infer<typeof VocabularyView>> => {
    const text = await readFile(file, 'utf8').catch(() => null);
    if (text !== null) {
      const parsed = (() => {
        try {
          return checkTagVocabulary(JSON.parse(text));
        } catch {
          return null;
        }
      })();
      // A broken override (edited by hand) is reported, never silently replaced.
      if (!parsed?.ok)
        throw new DashboardError(
          'TAGS_BAD_VOCABULARY',
          `the saved vocabulary.json: ${parsed && !parsed.ok ? `${parsed.issue.key}: ${parsed.issue.message}` : 'not JSON'}`,
        );
      return { source: 'user', vocabulary: parsed.vocabulary };
    }
    return { source: 'default', vocabulary: await loadTagVocabulary() };
  };

  const save = async (v: TagVocabulary): Promise<void> => {
    await mkdir(deps.dataDir, { recursive: true });
    // Write then rename: a crash never leaves half a vocabulary behind.
    const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(tmp, `${JSON.stringify(v, null, 2)}\n`, 'utf8');
    await rename(tmp, file);
  };

  return [
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/tags/vocabulary',
        operationId: 'getTagVocabulary',
        summary: "The zero-shot tag vocabulary in effect (the user's override, else the built-in one)",
        tag: 'tags',
        auth: 'session',
        responses: {
          200: { description: 'The vocabulary and where it comes from', schema: VocabularyView },
          400: { description: 'The override file is invalid (TAGS_BAD_VOCABULARY, naming the key)' },
        },
      },
      () => current(),
    ),
    defineRoute(
      {
        method: 'PUT',
        url: '/api/v1/tags/vocabulary',
        operationId: 'putTagVocabulary',
        summary: "Replaces the user's vocabulary (validated; used by jobs started afterwards)",
        tag: 'tags',
        auth: 'session',
        body: z.unknown(),
        bodyLimit: VOCABULARY_LIMIT,
        bodyExamples: {
          restraint: {
            summary: 'One category: restraint materials around wrists and ankles',
            value: {
              version: 1,
              revision: 3,
              categories: [
                {
                  id: 'restraint',
                  scopes: ['person', 'wrists', 'ankles'],
                  templates: ['a photo of {}', 'a close-up photo of {}'],
                  none: ['free hands'],
                  threshold: 0.4,
                  tags: [{ tag: 'rope', prompts: ['rope', 'tied rope'] }, { tag: 'handcuffs' }],
                },
              ],
            },
          },
        },
        description:
          'Categories clothing, restraint, context, scene; each with scopes, templates (one {} each), ' +
          '"none" phrases and tags (lower-case, digits, dashes). Errors name the key: ' +
          "TAGS_BAD_VOCABULARY 'categories.0.tags.2.tag: duplicate tag'.",
        responses: {
          200: { description: 'The saved vocabulary', schema: VocabularyView },
          400: { description: 'TAGS_BAD_VOCABULARY naming the offending key' },
        },
      },
      async ({ body }) => {
        const r = checkTagVocabulary(body);
        if (!r.ok) throw new DashboardError('TAGS_BAD_VOCABULARY', `${r.issue.key}: ${r.issue.message}`);
        await save(r.vocabulary);
        return { source: 'user', vocabulary: r.vocabulary };
      },
    ),
    defineRoute(
      {
        method: 'DELETE',
        url: '/api/v1/tags/vocabulary',
        operationId: 'resetTagVocabulary',
        summary: "Removes the user's vocabulary: the built-in one is used again",
        tag: 'tags',
        auth: 'session',
        responses: { 200: { description: 'The built-in vocabulary', schema: VocabularyView } },
      },
      async () => {
        await rm(file, { force: true });
        return { source: 'default', vocabulary: await loadTagVocabulary() };
      },
    ),
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/sources/:id/tags',
        operationId: 'getSourceTags',
        summary: 'Tags of a source (per track and frame, per window) overlapping [from, to), oldest first',
        tag: 'tags',
        auth: 'session',
        params: SourceParams,
        query: TagsQuery,
        responses: {
          200: { description: 'Tag windows', schema: z.array(TagView) },
          404: { description: 'Unknown source (SOURCE_NOT_FOUND)' },
        },
      },
      async ({ params, query, signal }) => {
        await requireSource(manager, params.id);
        const rows = await store.listTags({
          sourceId: params.id,
          fromTs: query.from,
          toTs: query.to,
          trackId: query.trackId,
          category: query.category,
          limit: query.limit,
          signal,
        });
        return rows.map(tagView);
      },
    ),
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/persons/:id/tags',
        operationId: 'getPersonTags',
        summary: "A person's clothing and restraint-method histories (tracks linked through their faces)",
        tag: 'tags',
        auth: 'session',
        params: PersonParams,
        responses: {
          200: { description: 'The histories, each entry with its source and job', schema: PersonTagsView },
          404: { description: 'Unknown person (PERSON_NOT_FOUND)' },
        },
      },
      async ({ params, signal }) => {
        await requirePerson(store, params.id, signal);
        const rows = await store.listPersonTags({ personId: params.id, signal });
        const history = tagHistory(rows, HISTORY_GAP_MS);
        return {
          personId: params.id,
          clothing: history.filter((e) => e.category === 'clothing'),
          restraint: history.filter((e) => e.category === 'restraint'),
        };
      },
    ),
  ];
}
