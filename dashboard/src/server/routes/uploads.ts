// Uploads: PUT a media file as the raw request body; it is saved under <dataDir>/uploads and added
// as a source like any server-side file.
import path from 'node:path';
import { rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { SourceGuard } from '@aima/ingest';
import { SourceView } from '../../protocol.ts';
import type { SourceManager } from '../../sources/types.ts';
import { defineRoute, type ApiRoute } from '../route.ts';
import { UploadParams, UploadQuery } from '../schemas.ts';
import { saveUpload } from '../upload.ts';

export interface UploadRouteOptions {
  readonly manager: SourceManager;
  readonly dataDir: string;
  readonly limitBytes: number;
  /** Vets the saved file like any server path (the uploads directory is always a media root). */
  readonly sourceGuard?: SourceGuard;
}

export function uploadRoutes(opts: UploadRouteOptions): ApiRoute[] {
  const dir = path.join(opts.dataDir, 'uploads');
  return [
    defineRoute(
      {
        method: 'PUT',
        url: '/api/v1/uploads/:filename',
        operationId: 'uploadFile',
        summary: 'Upload a media file (raw application/octet-stream body) and analyse it',
        tag: 'sources',
        auth: 'session',
        params: UploadParams,
        query: UploadQuery,
        bodyKind: 'binary',
        responses: {
          201: { description: 'Saved and added as a source', schema: SourceView },
          403: { description: 'Refused by the source guard (INGEST_PATH_OUTSIDE_ROOTS)' },
          409: { description: 'A source with this id exists (SOURCE_EXISTS)' },
          413: { description: 'Larger than the upload limit (UPLOAD_TOO_LARGE)' },
          415: { description: 'Body is not application/octet-stream' },
        },
      },
      async ({ params, query }, req, reply) => {
        const declared = Number(req.headers['content-length']);
        const file = await saveUpload(req.body as Readable, {
          dir,
          filename: params.filename,
          limitBytes: opts.limitBytes,
          declaredBytes: Number.isFinite(declared) ? declared : undefined,
        });
        try {
          await opts.sourceGuard?.check(file);
          const view = await opts.manager.add({
            input: file,
            fps: query.fps,
            realtime: query.realtime,
            id: query.id,
          });
          reply.status(201);
          return view;
        } catch (err) {
          // Nothing refers to the file unless the source was added.
          await rm(file, { force: true });
          throw err;
        }
      },
    ),
  ];
}
