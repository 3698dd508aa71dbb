// Quarantined sources in the UI (issue 11, the minor-protection gate): the server refuses their
// pixels anyway; the UI does not even ask (no crop requests, no video socket, no keyframes).
import type { SourceView } from '../../../src/protocol.ts';

export type Quarantine = NonNullable<SourceView['quarantine']>;

/** The source id of a face-crop URL (`/api/v1/appearances/<sourceId>/<id>/crop.jpg`), or null. */
export function cropSourceId(url: string): string | null {
  const m = /\/api\/v1\/appearances\/([^/]+)\/[^/]+\/crop\.jpg$/.exec(url);
  if (!m) return null;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return null;
  }
}

export function quarantineText(q: Quarantine): string {
  return `Quarantined ${new Date(q.ts).toLocaleString()}: ${q.reason} (${q.code})`;
}
