// Speakers of a source and the user's word on who they are: confirm, move to a person, reject.
// Like faces, a decision is a newer version of the row, and automatic links never override it.
import { z } from 'zod';
import { nextVersion, type Store } from '@aima/storage';
import { DashboardError } from '../../errors.ts';
import { SpeakerPatchBody, SpeakerSplitBody, SpeakerTurnView, SpeakerView } from '../../protocol.ts';
import type { SourceManager } from '../../sources/types.ts';
import { defineRoute, type ApiRoute } from '../route.ts';
import { SourceParams } from '../schemas.ts';
import { decideSpeaker, speakerView } from './audio-views.ts';
import { requirePerson, requireSource } from './guards.ts';
import { splitSpeaker } from './speaker-split.ts';

export interface SpeakerRouteOptions {
  readonly manager: SourceManager;
  readonly store: Store;
}

const SpeakerParams = z
  .object({ id: z.string().min(1).max(128), speakerId: z.string().min(1).max(64) })
  .strict();

export function speakerRoutes(opts: SpeakerRouteOptions): ApiRoute[] {
  const { manager, store } = opts;
  const speakerOf = async (sourceId: string, speakerId: string, signal?: AbortSignal) => {
    const all = await store.listSpeakers({ sourceId, signal });
    const current = all.find((s) => s.speakerId === speakerId);
    if (!current) {
      throw new DashboardError(
        'SPEAKER_NOT_FOUND',
        `no speaker ${JSON.stringify(speakerId)} in source ${JSON.stringify(sourceId)}`,
      );
    }
    return { current, all };
  };
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
        const { current } = await speakerOf(params.id, params.speakerId, signal);
        if (body.personId !== undefined) await requirePerson(store, body.personId, signal);
        const next = decideSpeaker(current, body, nextVersion());
        // Transcript lines name their person through the speaker row: they follow it from here.
        await store.upsertSpeakers([next]);
        return speakerView(next);
      },
    ),
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/sources/:id/speakers/:speakerId/turns',
        operationId: 'listSpeakerTurns',
        summary: 'The speaking turns of one speaker, in time order',
        tag: 'audio',
        auth: 'session',
        params: SpeakerParams,
        responses: {
          200: { description: 'Turns', schema: z.array(SpeakerTurnView) },
          404: { description: 'Unknown source or speaker (SOURCE_NOT_FOUND, SPEAKER_NOT_FOUND)' },
        },
      },
      async ({ params, signal }) => {
        await requireSource(manager, params.id);
        await speakerOf(params.id, params.speakerId, signal);
        const turns = await store.listSpeakerTurns({ sourceId: params.id, signal });
        return turns
          .filter((t) => t.speakerId === params.speakerId)
          .map((t) => ({ speakerId: t.speakerId, startTs: t.startTs, endTs: t.endTs }));
      },
    ),
    defineRoute(
      {
        method: 'POST',
        url: '/api/v1/sources/:id/speakers/:speakerId/split',
        operationId: 'splitSpeaker',
        summary: 'Split the given turns (and the lines spoken in them) off into a new speaker',
        tag: 'audio',
        auth: 'session',
        params: SpeakerParams,
        body: SpeakerSplitBody,
        responses: {
          201: { description: 'The new speaker', schema: SpeakerView },
          400: { description: 'A start that is no turn of the speaker, or no turn left (API_BAD_REQUEST)' },
          404: { description: 'Unknown source or speaker (SOURCE_NOT_FOUND, SPEAKER_NOT_FOUND)' },
        },
      },
      async ({ params, body, signal }, _req, reply) => {
        await requireSource(manager, params.id);
        const { current, all } = await speakerOf(params.id, params.speakerId, signal);
        const created = await splitSpeaker(
          store,
          current,
          all.map((s) => s.speakerId),
          body.turns,
          signal,
        );
        reply.status(201);
        return speakerView(created);
      },
    ),
  ];
}
