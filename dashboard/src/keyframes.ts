import { parseSource, snapshot, type Snapshot } from '@aima/ingest';
import type { Store } from '@aima/storage';
import { DashboardError } from './errors.ts';

/**
 * The picture of a source at wall-clock `ts`. Files are re-read at media time ts - epoch; live
 * sources have no recording yet (that comes with the recorder), so they answer FRAME_UNAVAILABLE.
 */
export function createKeyframes(
  store: Store,
  maxSize = 960,
): (sourceId: string, ts: number) => Promise<Snapshot> {
  return async (sourceId, ts) => {
    const src = await store.getSource(sourceId);
    if (!src) throw new DashboardError('SOURCE_NOT_FOUND', `no source with id '${sourceId}'`);
    if (src.kind !== 'file') {
      throw new DashboardError(
        'FRAME_UNAVAILABLE',
        `source '${sourceId}' is a live stream without a recording`,
      );
    }
    const atMs = ts - src.epochMs;
    if (atMs < 0)
      throw new DashboardError('FRAME_UNAVAILABLE', `time ${ts} is before source '${sourceId}' started`);
    // File sources are stored with their absolute path as display (files carry no credentials).
    return snapshot(parseSource(src.display), { atMs, maxWidth: maxSize, maxHeight: maxSize });
  };
}
