// What a source's audio held: transcript (and its subtitle/table exports), speech spans, sound
// events, loudness per second and speech rate.
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import {
  TRANSCRIPT_FORMATS,
  formatTranscript,
  speakerNames,
  type Store,
  type TranscriptFormat,
} from '@aima/storage';
import {
  AudioEventView,
  LoudnessView,
  SpeechRateView,
  SpeechSegmentView,
  TranscriptLineView,
} from '../../protocol.ts';
import type { SourceManager } from '../../sources/types.ts';
import { defineRoute, type ApiRoute } from '../route.ts';
import { SourceParams } from '../schemas.ts';
import {
  audioEventView,
  loudnessView,
  speechRateView,
  speechSegmentView,
  transcriptLineView,
} from './audio-views.ts';
import { requireSource } from './guards.ts';

export interface AudioRouteOptions {
  readonly manager: SourceManager;
  readonly store: Store;
}

const CONTENT_TYPES: Readonly<Record<TranscriptFormat, string>> = {
  vtt: 'text/vtt; charset=utf-8',
  srt: 'application/x-subrip; charset=utf-8',
  json: 'application/json; charset=utf-8',
  csv: 'text/csv; charset=utf-8; header=present',
};

const range = {
  from: z.coerce.number().int().optional().describe('epoch ms, inclusive'),
  to: z.coerce.number().int().optional().describe('epoch ms, exclusive'),
  limit: z.coerce.number().int().positive().max(100_000).default(10_000),
};
const RangeQuery = z.object(range).strict();
const TranscriptQuery = z
  .object({
    ...range,
    speaker: z.string().min(1).max(64).optional().describe('one speaker of the source (S1, S2, ...)'),
    format: z
      .enum(TRANSCRIPT_FORMATS)
      .optional()
      .describe('download as WebVTT, SubRip, JSON or CSV instead of the JSON list'),
  })
  .strict();
const ExportQuery = TranscriptQuery.omit({ format: true });
const EventsQuery = z
  .object({ ...range, label: z.string().min(1).max(64).optional().describe('one sound class') })
  .strict();

const notFound = { description: 'Unknown source (SOURCE_NOT_FOUND)' };

export function audioRoutes(opts: AudioRouteOptions): ApiRoute[] {
  const { manager, store } = opts;

  const rangeOf = (id: string, q: z.output<typeof RangeQuery>, signal: AbortSignal) => ({
    sourceId: id,
    fromTs: q.from,
    toTs: q.to,
    limit: q.limit,
    signal,
  });
  /** The store query for [from, to) of a known source (SOURCE_NOT_FOUND otherwise). */
  const sourceRange = async (id: string, q: z.output<typeof RangeQuery>, signal: AbortSignal) => {
    await requireSource(manager, id);
    return rangeOf(id, q, signal);
  };
  const transcriptRows = (id: string, q: z.output<typeof ExportQuery>, signal: AbortSignal) =>
    store.listTranscript({ ...rangeOf(id, q, signal), speakerId: q.speaker });

  const transcript = async (
    id: string,
    q: z.output<typeof ExportQuery>,
    signal: AbortSignal,
  ): Promise<TranscriptLineView[]> => {
    await requireSource(manager, id);
    return (await transcriptRows(id, q, signal)).map(transcriptLineView);
  };

  const download = async (
    reply: FastifyReply,
    id: string,
    format: TranscriptFormat,
    q: z.output<typeof ExportQuery>,
    signal: AbortSignal,
  ): Promise<FastifyReply> => {
    const src = await requireSource(manager, id);
    const rows = await transcriptRows(id, q, signal);
    const speakers = await store.listSpeakers({ sourceId: id, signal });
    // Files get cue times from the start of the media; live sources from their first line.
    const body = formatTranscript(rows, format, {
      epochMs: src.live ? undefined : src.epochMs,
      speakerNames: speakerNames(speakers),
    });
    const file = `${id.replace(/[^A-Za-z0-9._-]/g, '_')}-transcript.${format}`;
    return reply
      .header('content-disposition', `attachment; filename="${file}"`)
      .type(CONTENT_TYPES[format])
      .send(body);
  };

  return [
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/sources/:id/transcript',
        operationId: 'getTranscript',
        summary: 'Transcript segments of a source in [from, to), oldest first (?format= downloads it)',
        tag: 'audio',
        auth: 'session',
        params: SourceParams,
        query: TranscriptQuery,
        responses: {
          200: { description: 'Transcript segments', schema: z.array(TranscriptLineView) },
          404: notFound,
        },
      },
      async ({ params, query, signal }, _req, reply) =>
        query.format === undefined
          ? transcript(params.id, query, signal)
          : download(reply, params.id, query.format, query, signal),
    ),
    ...TRANSCRIPT_FORMATS.map((format) =>
      defineRoute(
        {
          method: 'GET',
          url: `/api/v1/sources/:id/transcript.${format}`,
          operationId: `exportTranscript${format[0]!.toUpperCase()}${format.slice(1)}`,
          summary: `Download the transcript of a source as ${format.toUpperCase()}`,
          tag: 'audio',
          auth: 'session',
          params: SourceParams,
          query: ExportQuery,
          responses: {
            200: { description: 'Attachment', contentType: CONTENT_TYPES[format].split(';')[0]! },
            404: notFound,
          },
        },
        ({ params, query, signal }, _req, reply) => download(reply, params.id, format, query, signal),
      ),
    ),
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/sources/:id/speech',
        operationId: 'listSpeech',
        summary: 'Spans of speech (voice activity) of a source in [from, to)',
        tag: 'audio',
        auth: 'session',
        params: SourceParams,
        query: RangeQuery,
        responses: {
          200: { description: 'Speech spans', schema: z.array(SpeechSegmentView) },
          404: notFound,
        },
      },
      async ({ params, query, signal }) => {
        const rows = await store.listSpeechSegments(await sourceRange(params.id, query, signal));
        return rows.map(speechSegmentView);
      },
    ),
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/sources/:id/audio-events',
        operationId: 'listAudioEvents',
        summary: 'Sound events of a source (scream, glass-breaking, siren, ...) in [from, to)',
        tag: 'audio',
        auth: 'session',
        params: SourceParams,
        query: EventsQuery,
        responses: { 200: { description: 'Sound events', schema: z.array(AudioEventView) }, 404: notFound },
      },
      async ({ params, query, signal }) => {
        const range = await sourceRange(params.id, query, signal);
        const rows = await store.listAudioEvents({ ...range, label: query.label });
        return rows.map(audioEventView);
      },
    ),
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/sources/:id/loudness',
        operationId: 'getLoudness',
        summary: 'EBU R128 loudness per second of a source in [from, to), as columns',
        tag: 'audio',
        auth: 'session',
        params: SourceParams,
        query: RangeQuery,
        responses: { 200: { description: 'Loudness columns', schema: LoudnessView }, 404: notFound },
      },
      async ({ params, query, signal }) => {
        const rows = await store.listLoudness(await sourceRange(params.id, query, signal));
        return loudnessView(params.id, rows);
      },
    ),
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/sources/:id/speech-rate',
        operationId: 'listSpeechRate',
        summary: 'Words per minute and pauses per transcript segment of a source in [from, to)',
        tag: 'audio',
        auth: 'session',
        params: SourceParams,
        query: RangeQuery,
        responses: { 200: { description: 'Speech rate', schema: z.array(SpeechRateView) }, 404: notFound },
      },
      async ({ params, query, signal }) => {
        const rows = await store.listSpeechRate(await sourceRange(params.id, query, signal));
        return rows.map(speechRateView);
      },
    ),
  ];
}
