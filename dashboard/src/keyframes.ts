import path from 'node:path';
import { listImages, parseSource, snapshot, type Snapshot } from '@aima/ingest';
import type { Store } from '@aima/storage';
import { DashboardError } from './errors.ts';

/**
 * The picture of a source at wall-clock `ts`. Files are re-read at media time ts - epoch; live
 * sources are read from the recorded segment holding ts (FRAME_UNAVAILABLE when none does:
 * not recorded yet, or deleted by retention).
 */
export function createKeyframes(
  store: Store,
  recordingsRoot: string,
  maxSize = 960,
): (sourceId: string, ts: number) => Promise<Snapshot> {
  return async (sourceId, ts) => {
    const src = await store.getSource(sourceId);
    if (!src) throw new DashboardError('SOURCE_NOT_FOUND', `no source with id '${sourceId}'`);
    if (src.kind === 'images') {
      // Image i of a folder is the moment epoch + i s (decodeImages' default interval).
      const index = Math.floor((ts - src.epochMs) / 1000);
      const images = await listImages(src.display);
      const image = images[index];
      if (index < 0 || !image)
        throw new DashboardError('FRAME_UNAVAILABLE', `no image of '${sourceId}' at time ${ts}`);
      return snapshot(parseSource(path.join(src.display, image)), {
        atMs: 0,
        maxWidth: maxSize,
        maxHeight: maxSize,
      });
    }
    if (src.kind !== 'file') {
      const seg = await store.findRecording(sourceId, ts);
      if (!seg)
        throw new DashboardError('FRAME_UNAVAILABLE', `no recording of '${sourceId}' holds time ${ts}`);
      const file = path.resolve(recordingsRoot, seg.file);
      return snapshot(parseSource(file), { atMs: ts - seg.startTs, maxWidth: maxSize, maxHeight: maxSize });
    }
    const atMs = ts - src.epochMs;
    if (atMs < 0)
      throw new DashboardError('FRAME_UNAVAILABLE', `time ${ts} is before source '${sourceId}' started`);
    // File sources are stored with their absolute path as display (files carry no credentials).
    return snapshot(parseSource(src.display), { atMs, maxWidth: maxSize, maxHeight: maxSize });
  };
}
