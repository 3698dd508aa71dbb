import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { isImageFile, listImages, parseSource, probe, redactUrl, type SourceRef } from '@aima/ingest';
import { DashboardError } from '../errors.ts';
import type { JobSourceGuard } from './types.ts';

/** One media item of a job before it is stored. */
export interface MediaItem {
  /** The real input (a path, or a URL possibly with credentials). */
  readonly input: string;
  /** Credentials redacted: what is stored and shown. */
  readonly display: string;
  readonly kind: string;
  /** Probed length (image folders: one analysis frame per image), null when unknown. */
  readonly durationMs: number | null;
}

const MEDIA_EXTENSIONS = new Set([
  '.mp4', '.m4v', '.mov', '.mkv', '.webm', '.avi', '.ts', '.mts', '.flv', '.wmv', '.mpg', '.mpeg', '.3gp',
  '.wav', '.mp3', '.flac', '.ogg', '.oga', '.opus', '.m4a', '.aac',
]); // prettier-ignore

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
const PROBE_TIMEOUT_MS = 10_000;

/**
 * Turns what the user named into items: a folder of videos/audio becomes one item per file
 * ("part 1, part 2", in natural name order), a folder of images stays one item (ingest analyses it
 * as one `images` source), files and URLs are one item each. A file that does not exist (or vanished)
 * is kept as an item: it fails with INGEST_FILE_NOT_FOUND when it runs, next to the others. What
 * the guard refuses (outside the media roots, a blocked address) refuses the whole job: it is never
 * stored. URLs are not probed (that would connect before the user started anything).
 */
export async function expandMedia(
  inputs: readonly string[],
  opts: { readonly guard?: JobSourceGuard; readonly fps: number; readonly signal?: AbortSignal },
): Promise<MediaItem[]> {
  const out: MediaItem[] = [];
  for (const raw of inputs) {
    const input = raw.trim();
    if (opts.guard) await guardCheck(opts.guard, input, opts.signal);
    if (SCHEME.test(input) && !input.toLowerCase().startsWith('file:')) {
      const src = parseSource(input); // unsupported schemes are the caller's mistake: refused here
      out.push({ input, display: redactUrl(input), kind: src.kind, durationMs: null });
      continue;
    }
    let src: SourceRef;
    try {
      src = parseSource(input);
    } catch {
      const abs = path.resolve(input);
      out.push({ input: abs, display: abs, kind: 'file', durationMs: null });
      continue;
    }
    if (src.kind === 'images') out.push(...(await expandFolder(src.input, opts)));
    else out.push({ input: src.input, display: src.display, kind: 'file', durationMs: await duration(src) });
  }
  if (out.length === 0) throw new DashboardError('JOB_MEDIA_MISSING', 'the job names no media');
  return out;
}

async function guardCheck(guard: JobSourceGuard, input: string, signal?: AbortSignal): Promise<void> {
  try {
    await guard.check(input, signal ? { signal } : {});
  } catch (err) {
    // A missing file is an item that fails later; every other refusal refuses the job.
    if ((err as { code?: unknown }).code === 'INGEST_FILE_NOT_FOUND') return;
    throw err;
  }
}

async function expandFolder(dir: string, opts: { readonly fps: number }): Promise<MediaItem[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files = entries
    .filter(
      (e) =>
        e.isFile() && !e.name.startsWith('.') && MEDIA_EXTENSIONS.has(path.extname(e.name).toLowerCase()),
    )
    .map((e) => e.name)
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const items: MediaItem[] = [];
  for (const name of files) {
    const file = path.join(dir, name);
    items.push({ input: file, display: file, kind: 'file', durationMs: await duration(parseSource(file)) });
  }
  const hasImages = entries.some((e) => e.isFile() && isImageFile(e.name));
  if (hasImages || items.length === 0) {
    const images = await listImages(dir).catch(() => []);
    if (images.length === 0 && items.length === 0) {
      throw new DashboardError('JOB_MEDIA_MISSING', `no media files or images in ${dir}`);
    }
    if (images.length > 0) {
      items.push({ input: dir, display: dir, kind: 'images', durationMs: (images.length * 1000) / opts.fps });
    }
  }
  return items;
}

/** The file's length from ffprobe; null when it cannot be probed (it then fails when it runs). */
async function duration(src: SourceRef): Promise<number | null> {
  if (
    src.kind === 'file' &&
    !(await stat(src.input)
      .then((s) => s.isFile())
      .catch(() => false))
  )
    return null;
  try {
    return (await probe(src, { timeoutMs: PROBE_TIMEOUT_MS })).durationMs;
  } catch {
    return null;
  }
}
