// Speakers of a source and the user's word on who they are: confirm, move to a person, reject.
// Like faces, a decision is a newer version of the row, and automatic links never override it.
import { z } from 'zod';
import { nextVersion, type Store } from '@aima/storage';
import { DashboardError } from '../../errors.ts';
import { SpeakerPatchBody, SpeakerView } from '../../protocol.ts';
import type { SourceManager } from '../../sources/types.ts';
import { defineRoute, type ApiRoute } from '../route.ts';
import { SourceParams } from '../schemas.ts';
import { decideSpeaker, speakerView } from './audio-views.ts';
import { requireSource } from './guards.ts';

export interface SpeakerRouteOptions {
  readonly manager: SourceManager;
  readonly store: Store;
}

const SpeakerParams = z
  .object({ id: z.string().min(1).max(128), speakerId: z.string().min(1).max(64) })
  .strict();

export function speakerRoutes(opts: SpeakerRouteOptions): ApiRoute[] {
  const { manager, store } = opts;
  return [
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/sources/:id/speakers',
        operationId: 'listSpeakers',
        summary: 'Speakers of a source, with speaking time and the person each is linked to',
        tag: 'audio',
        auth: 'session',
        params: SourceParams,
        responses: {
          200: { description: 'Speakers', schema: z.array(SpeakerView) },
          404: { description: 'Unknown source (SOURCE_NOT_FOUND)' },
        },
      },
      async ({ params, signal }) => {
        await requireSource(manager, params.id);
        return (await store.listSpeakers({ sourceId: params.id, signal })).map(speakerView);
      },
    ),
    defineRoute(
      {
        method: 'PATCH',
        url: '/api/v1/sources/:id/speakers/:speakerId',
        operationId: 'decideSpeaker',
        summary: 'Name a speaker, confirm or move its person (link: confirmed), or unlink it (rejected)',
        tag: 'audio',
        auth: 'session',
        params: SpeakerParams,
        body: SpeakerPatchBody,
        responses: {
          200: { description: 'The speaker', schema: SpeakerView },
          404: { description: 'Unknown source, speaker or person (SOURCE_NOT_FOUND, SPEAKER_NOT_FOUND, PERSON_NOT_FOUND)' }, // prettier-ignore
        },
      },
      async ({ params, body, signal }) => {
        await requireSource(manager, params.id);
        const speakers = await store.listSpeakers({ sourceId: params.id, signal });
        const current = speakers.find((s) => s.speakerId === params.speakerId);
        if (!current) {
          throw new DashboardError(
            'SPEAKER_NOT_FOUND',
            `no speaker ${JSON.stringify(params.speakerId)} in source ${JSON.stringify(params.id)}`,
          );
        }
        if (body.personId !== undefined) {
          const person = await store.getPerson(body.personId, signal);
          if (!person || person.deleted) {
            const why = person?.mergedInto ? ` (merged into ${person.mergedInto})` : '';
            throw new DashboardError('PERSON_NOT_FOUND', `no person ${JSON.stringify(body.personId)}${why}`);
          }
        }
        const next = decideSpeaker(current, body, nextVersion());
        // Transcript lines name their person through the speaker row: they follow it from here.
        await store.upsertSpeakers([next]);
        return speakerView(next);
      },
    ),
  ];
}
