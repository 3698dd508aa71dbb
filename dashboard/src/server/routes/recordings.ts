// Recorded video of a source: the segments in a time range, and each segment file with HTTP Range
// support (so <video> can seek). A segment is named by its start (`<startTs>.mp4`) and looked up in
// the store: no part of the request ever becomes a path, so only files the store lists for that
// source can be served.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Store } from '@aima/storage';
import { z } from 'zod';
import { DashboardError } from '../../errors.ts';
import { RecordingView } from '../../protocol.ts';
import type { SourceManager } from '../../sources/types.ts';
import { defineRoute, type ApiRoute } from '../route.ts';
import { SourceParams } from '../schemas.ts';
import { requireSource } from './guards.ts';

export interface RecordingRouteOptions {
  readonly manager: SourceManager;
  readonly store: Store;
  /** Root that relative `file` paths of recordings are resolved against. */
  readonly recordingsDir: string;
}

const RecordingsQuery = z
  .object({
    from: z.coerce.number().int().optional().describe('epoch ms: segments ending after this'),
    to: z.coerce.number().int().optional().describe('epoch ms: segments starting before this'),
    limit: z.coerce.number().int().positive().max(10_000).default(1000),
  })
  .strict();

// Any text is accepted here and anything that is not `<digits>.mp4` is simply not found (404),
// so probing with `../` learns nothing beyond "no such recording".
const RecordingParams = z.object({ id: z.string().min(1).max(128), name: z.string().max(1024) }).strict();
const NAME = /^(\d{1,16})\.mp4$/;

export function recordingUrl(sourceId: string, startTs: number): string {
  return `/api/v1/sources/${encodeURIComponent(sourceId)}/recordings/${startTs}.mp4`;
}

/** The byte range `header` asks for in a file of `size` bytes: null = whole file, 'bad' = 416. */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | null | 'bad' {
  if (header === undefined) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  // Multi-range requests are answered with the whole file (allowed by RFC 9110).
  if (!m) return header.includes(',') ? null : 'bad';
  const [, a = '', b = ''] = m;
  if (a === '' && b === '') return 'bad';
  if (a === '') {
    const n = Number(b);
    if (n === 0) return 'bad';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(a);
  const end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  if (start >= size || end < start) return 'bad';
  return { start, end };
}

const notFound = (id: string, name: string): DashboardError =>
  new DashboardError('API_NOT_FOUND', `no recording ${JSON.stringify(name)} of source ${JSON.stringify(id)}`);

export function recordingRoutes(opts: RecordingRouteOptions): ApiRoute[] {
  const { manager, store } = opts;
  return [
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/sources/:id/recordings',
        operationId: 'listRecordings',
        summary: 'Recorded segments of a source overlapping [from, to), oldest first',
        tag: 'recordings',
        auth: 'session',
        params: SourceParams,
        query: RecordingsQuery,
        responses: {
          200: { description: 'Segments', schema: z.array(RecordingView) },
          404: { description: 'Unknown source (SOURCE_NOT_FOUND)' },
        },
      },
      async ({ params, query, signal }) => {
        await requireSource(manager, params.id);
        const rows = await store.listRecordings({
          sourceId: params.id,
          from: query.from,
          to: query.to,
          limit: query.limit,
          signal,
        });
        return rows.map((r) => ({
          startTs: r.startTs,
          endTs: r.endTs,
          bytes: r.bytes,
          url: recordingUrl(params.id, r.startTs),
        }));
      },
    ),
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/sources/:id/recordings/:name',
        operationId: 'getRecording',
        summary: 'One recorded segment (fragmented MP4); honours Range requests',
        tag: 'recordings',
        auth: 'session',
        params: RecordingParams,
        responses: {
          200: { description: 'The whole segment', contentType: 'video/mp4' },
          206: { description: 'The requested byte range', contentType: 'video/mp4' },
          404: { description: 'Unknown source or recording (SOURCE_NOT_FOUND, API_NOT_FOUND)' },
          416: { description: 'Range not satisfiable' },
        },
      },
      async ({ params, signal }, req, reply) => {
        await requireSource(manager, params.id);
        const startTs = Number(NAME.exec(params.name)?.[1] ?? NaN);
        if (!Number.isSafeInteger(startTs)) throw notFound(params.id, params.name);
        const rows = await store.listRecordings({
          sourceId: params.id,
          from: startTs,
          to: startTs + 1,
          signal,
        });
        const rec = rows.find((r) => r.startTs === startTs);
        if (!rec) throw notFound(params.id, params.name);
        const file = path.isAbsolute(rec.file) ? rec.file : path.join(opts.recordingsDir, rec.file);
        const st = await stat(file).catch(() => null);
        // Listed but gone (retention raced us, or the disk was cleaned by hand).
        if (!st?.isFile()) throw notFound(params.id, params.name);

        const range = parseRange(req.headers.range, st.size);
        reply
          .type('video/mp4')
          .header('accept-ranges', 'bytes')
          // A finished segment never changes.
          .header('cache-control', 'private, max-age=3600');
        if (range === 'bad') {
          return reply.status(416).header('content-range', `bytes */${st.size}`).send();
        }
        const { start, end } = range ?? { start: 0, end: st.size - 1 };
        if (range) reply.status(206).header('content-range', `bytes ${start}-${end}/${st.size}`);
        reply.header('content-length', String(end - start + 1));
        return reply.send(createReadStream(file, { start, end }));
      },
    ),
  ];
}
