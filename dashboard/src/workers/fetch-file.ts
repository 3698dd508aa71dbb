import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { DashboardError } from '../errors.ts';

export interface FetchedFile {
  readonly path: string;
  /** Deletes the file and its temp directory (idempotent). */
  remove(): Promise<void>;
}

/**
 * Streams a signed control-plane URL into a private temp directory (never into memory). The name
 * keeps the original extension, which ffmpeg's probing may use.
 */
export async function fetchToTemp(url: string, name: string, signal?: AbortSignal): Promise<FetchedFile> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'aima-worker-'));
  const remove = (): Promise<void> => rm(dir, { recursive: true, force: true });
  const file = path.join(dir, path.basename(name).replace(/[^\w.-]/g, '_') || 'media');
  try {
    const res = await fetch(url, { signal });
    if (!res.ok || !res.body) {
      throw new DashboardError('WORKER_FILE_DENIED', `the control plane refused the file (${res.status})`);
    }
    await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), createWriteStream(file), {
      signal,
    });
    return { path: file, remove };
  } catch (err) {
    await remove();
    if (err instanceof DashboardError) throw err;
    throw new DashboardError(
      'WORKER_FILE_DENIED',
      `cannot fetch the file from the control plane: ${(err as Error).message}`,
    );
  }
}
