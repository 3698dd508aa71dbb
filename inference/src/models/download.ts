import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import { InferenceError } from '../errors.ts';

export interface DownloadProgress {
  readonly modelId: string;
  readonly receivedBytes: number;
  /** From Content-Length or the manifest; null when unknown. */
  readonly totalBytes: number | null;
}

export interface DownloadOptions {
  readonly modelId: string;
  readonly url: string;
  readonly dest: string;
  readonly sha256: string;
  readonly expectedBytes?: number;
  readonly onProgress?: (p: DownloadProgress) => void;
  readonly signal?: AbortSignal;
  readonly fetchImpl?: typeof fetch;
}

/**
 * Streams `url` to `dest`, hashing while writing. The file appears at `dest` only after its sha256
 * matched (written to a temp name, then renamed), so a cut or tampered download never looks cached.
 */
export async function downloadVerified(opts: DownloadOptions): Promise<void> {
  const fetchImpl = opts.fetchImpl ?? fetch;
  const tmp = `${opts.dest}.part-${process.pid}`;
  await mkdir(path.dirname(opts.dest), { recursive: true });
  let res: Response;
  try {
    res = await fetchImpl(opts.url, { signal: opts.signal, redirect: 'follow' });
  } catch (err) {
    throw new InferenceError('MODEL_DOWNLOAD_FAILED', `model ${opts.modelId}: cannot reach ${opts.url}`, {
      cause: err,
    });
  }
  if (!res.ok || !res.body) {
    throw new InferenceError(
      'MODEL_DOWNLOAD_FAILED',
      `model ${opts.modelId}: ${opts.url} answered HTTP ${res.status}`,
    );
  }
  const header = Number(res.headers.get('content-length'));
  const totalBytes = Number.isFinite(header) && header > 0 ? header : (opts.expectedBytes ?? null);
  const hash = createHash('sha256');
  const out = createWriteStream(tmp);
  let receivedBytes = 0;
  try {
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      receivedBytes += chunk.byteLength;
      if (!out.write(chunk)) await once(out, 'drain');
      opts.onProgress?.({ modelId: opts.modelId, receivedBytes, totalBytes });
    }
    out.end();
    await once(out, 'finish');
  } catch (err) {
    out.destroy();
    await rm(tmp, { force: true });
    throw new InferenceError(
      'MODEL_DOWNLOAD_FAILED',
      `model ${opts.modelId}: download from ${opts.url} broke off`,
      {
        cause: err,
      },
    );
  }
  const actual = hash.digest('hex');
  if (actual !== opts.sha256) {
    await rm(tmp, { force: true });
    throw new InferenceError(
      'MODEL_HASH_MISMATCH',
      `model ${opts.modelId}: sha256 of ${opts.url} is ${actual}, expected ${opts.sha256}`,
    );
  }
  await rename(tmp, opts.dest);
}
