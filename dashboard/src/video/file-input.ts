// The video input of a file source shown as live, from its stored row: used when the server is not
// given `videoInput` (stream sources need the manager's real URL, which the store never holds).
import { parseSource } from '@aima/ingest';
import type { Store } from '@aima/storage';
import type { SourceManager } from '../sources/types.ts';
import type { VideoInput } from './args.ts';

/** Resolves running realtime file sources; anything else has no live video (null). */
export function fileVideoInput(
  manager: SourceManager,
  store: Store,
): (sourceId: string) => Promise<VideoInput | null> {
  return async (sourceId) => {
    const [view, row] = await Promise.all([manager.get(sourceId), store.getSource(sourceId)]);
    if (!view || !row || row.kind !== 'file') return null;
    if (view.status !== 'running' && view.status !== 'pending') return null;
    let realtime = false;
    try {
      realtime = (JSON.parse(row.meta) as { realtime?: unknown }).realtime === true;
    } catch {
      // An unreadable meta says nothing about realtime: not live.
    }
    if (!realtime) return null;
    // File sources are stored with their absolute path as display (files carry no credentials).
    return { input: parseSource(row.display), realtime: true, epochMs: view.epochMs };
  };
}
