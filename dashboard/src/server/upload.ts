// Uploads stream straight to disk with a byte cap; nothing is buffered in memory, and a rejected or
// interrupted upload leaves no partial file behind.
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { DashboardError } from '../errors.ts';

/** A file name safe on every file system: letters, digits, . _ - only, no leading dot, ≤ 100 chars. */
export function sanitizeFilename(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  let clean = base
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._]+/, '')
    .replace(/_+/g, '_');
  if (clean.length > 100) {
    const ext = path.extname(clean).slice(0, 16);
    clean = clean.slice(0, 100 - ext.length) + ext;
  }
  return clean || 'upload';
}

export interface SaveUploadOptions {
  readonly dir: string;
  readonly filename: string;
  readonly limitBytes: number;
  /** The Content-Length header, if any: an upload declared too large is refused before writing. */
  readonly declaredBytes?: number;
}

function tooLarge(limit: number): DashboardError {
  return new DashboardError('UPLOAD_TOO_LARGE', `upload exceeds the limit of ${limit} bytes`);
}

/** Writes `body` to `<dir>/<random>-<sanitised name>` and returns the path. */
export async function saveUpload(body: Readable, opts: SaveUploadOptions): Promise<string> {
  if (opts.declaredBytes !== undefined && opts.declaredBytes > opts.limitBytes)
    throw tooLarge(opts.limitBytes);
  await mkdir(opts.dir, { recursive: true });
  const file = path.join(opts.dir, `${randomBytes(6).toString('hex')}-${sanitizeFilename(opts.filename)}`);
  const out = createWriteStream(file, { flags: 'wx' });
  // Keep the first write error (disk full, ...) for the loop below instead of an unhandled 'error'.
  let failed: Error | null = null;
  out.on('error', (err) => {
    failed ??= err;
  });
  let bytes = 0;
  try {
    // destroyOnReturn: false keeps the request alive when we stop early (too large), so the 413
    // can still be written back on its connection.
    for await (const chunk of body.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (bytes > opts.limitBytes) throw tooLarge(opts.limitBytes);
      if (failed) throw failed;
      if (!out.write(chunk)) {
        if (out.destroyed) throw failed ?? new Error('upload file closed');
        await once(out, 'drain');
      }
    }
    if (bytes === 0) throw new DashboardError('API_BAD_REQUEST', 'the upload is empty');
    out.end();
    await finished(out);
    return file;
  } catch (err) {
    // The file is opened asynchronously: wait until the stream let go of it (opened, then closed),
    // or a removal racing the open would leave the file behind.
    const closed = out.closed ? null : new Promise<void>((resolve) => out.once('close', () => resolve()));
    out.destroy();
    await closed;
    await rm(file, { force: true });
    throw err;
  }
}
