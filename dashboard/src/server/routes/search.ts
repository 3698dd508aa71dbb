// Words across every transcript (jump-to-moment hits), and what a person said.
import { z } from 'zod';
import type { Store } from '@aima/storage';
import { PersonSpeechView, TranscriptHitView } from '../../protocol.ts';
import type { SourceManager } from '../../sources/types.ts';
import { defineRoute, type ApiRoute } from '../route.ts';
import { playbackUrl, transcriptHitView, transcriptLineView } from './audio-views.ts';
import { requirePerson, requireSource } from './guards.ts';

export interface SearchRouteOptions {
  readonly manager: SourceManager;
  readonly store: Store;
}

const SearchQuery = z
  .object({
    q: z.string().trim().min(1).max(200).describe('words that must all occur in a segment (any case)'),
    source: z.string().min(1).max(128).optional().describe('only this source'),
    person: z.string().min(1).max(128).optional().describe('only what this person said'),
    limit: z.coerce.number().int().positive().max(1000).default(100),
  })
  .strict();
const PersonParams = z.object({ id: z.string().min(1).max(128) }).strict();

export function searchRoutes(opts: SearchRouteOptions): ApiRoute[] {
  const { manager, store } = opts;
  return [
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/search',
        operationId: 'searchTranscripts',
        summary: 'Find words in every transcript; each hit names the moment and a playback link to it',
        tag: 'audio',
        auth: 'session',
        query: SearchQuery,
        responses: {
          200: { description: 'Hits, best first', schema: z.array(TranscriptHitView) },
          404: { description: 'Unknown source or person (SOURCE_NOT_FOUND, PERSON_NOT_FOUND)' },
        },
      },
      async ({ query, signal }) => {
        if (query.source !== undefined) await requireSource(manager, query.source);
        if (query.person !== undefined) await requirePerson(store, query.person, signal);
        const hits = await store.searchTranscripts({
          q: query.q,
          sourceId: query.source,
          personId: query.person,
          limit: query.limit,
          signal,
        });
        return hits.map(transcriptHitView);
      },
    ),
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/persons/:id/speech',
        operationId: 'personSpeech',
        summary: "A person's speaking time and transcript lines across sources",
        tag: 'people',
        auth: 'session',
        params: PersonParams,
        responses: {
          200: { description: 'Speaking time and lines', schema: PersonSpeechView },
          404: { description: 'Unknown person (PERSON_NOT_FOUND)' },
        },
      },
      async ({ params, signal }) => {
        await requirePerson(store, params.id, signal);
        const speech = await store.personSpeech(params.id, signal);
        return {
          personId: params.id,
          speakingMs: speech.speakingMs,
          lines: speech.segments.map((s) => ({
            ...transcriptLineView(s),
            playbackUrl: playbackUrl(s.sourceId, s.startTs),
          })),
        };
      },
    ),
  ];
}
