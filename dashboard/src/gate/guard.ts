// The one HTTP gate for pixels: every route that can serve pixels of a source is listed here and
// refused (403 SOURCE_QUARANTINED) for a quarantined source, before its handler or a WebSocket
// upgrade runs. A new pixel route must be added to PIXEL_ROUTES (dashboard/test/gate-*.test.ts
// requests each one). Metadata routes (detections, tracks, timelines, exports of rows) stay open.
import type { FastifyInstance } from 'fastify';
import { DashboardError } from '../errors.ts';
import type { QuarantineRegistry } from './registry.ts';

/** Where the source id of a pixel route is: a path segment, or a worker file signature. */
interface PixelRoute {
  readonly pattern: RegExp;
  readonly what: string;
  readonly by: 'source' | 'worker-file';
}

export const PIXEL_ROUTES: readonly PixelRoute[] = Object.freeze([
  // Keyframes / thumbnails (history view, shot strips, evidence frames).
  { pattern: /^\/api\/v1\/sources\/([^/]+)\/frame$/, what: 'frames', by: 'source' },
  // The live video WebSocket (fragmented MP4).
  { pattern: /^\/api\/v1\/sources\/([^/]+)\/video$/, what: 'video', by: 'source' },
  // Recordings: the list (URLs to MP4 segments) and the segments.
  { pattern: /^\/api\/v1\/sources\/([^/]+)\/recordings(?:\/[^/]*)?$/, what: 'recordings', by: 'source' },
  // Face crops of appearances (people pages, dossiers, similar-face lists).
  { pattern: /^\/api\/v1\/appearances\/([^/]+)\/[^/]+\/crop\.jpg$/, what: 'face crops', by: 'source' },
  // The media file a worker reads for its assignment.
  { pattern: /^\/api\/v1\/workers\/files\/([^/]+)$/, what: 'media files', by: 'worker-file' },
] satisfies PixelRoute[]);

export interface GuardOptions {
  /** The source a signed worker file URL belongs to (the worker hub), or null when unknown. */
  readonly sourceForFile?: (sig: string) => string | null;
}

function decode(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

/** The source whose pixels a request path asks for, or null when it asks for none. */
export function pixelSourceOf(
  path: string,
  opts: GuardOptions = {},
): { sourceId: string | null; what: string } | null {
  for (const r of PIXEL_ROUTES) {
    const m = r.pattern.exec(path);
    if (!m) continue;
    const raw = decode(m[1]!);
    if (r.by === 'source') return { sourceId: raw, what: r.what };
    return { sourceId: raw === null ? null : (opts.sourceForFile?.(raw) ?? null), what: r.what };
  }
  return null;
}

export function quarantinedError(sourceId: string, what: string): DashboardError {
  return new DashboardError(
    'SOURCE_QUARANTINED',
    `source ${JSON.stringify(sourceId.slice(0, 64))} is quarantined: no ${what} are served`,
  );
}

/** Adds the onRequest hook (after auth: an unauthenticated client still gets its 401). */
export function installQuarantineGuard(
  app: FastifyInstance,
  gate: QuarantineRegistry,
  opts: GuardOptions = {},
): void {
  app.addHook('onRequest', async (req) => {
    const path = req.url.split('?')[0] ?? '';
    const hit = pixelSourceOf(path, opts);
    if (!hit || hit.sourceId === null) return;
    if (gate.isQuarantined(hit.sourceId)) throw quarantinedError(hit.sourceId, hit.what);
  });
}

/** The worker hub's file-URL lookup, when the hub is the control plane's own (has sourceForFile). */
export function workerFileSources(hub: unknown): GuardOptions['sourceForFile'] {
  const h = hub as { sourceForFile?: (sig: string) => string | null } | undefined;
  return typeof h?.sourceForFile === 'function' ? (sig) => h.sourceForFile!(sig) : undefined;
}
