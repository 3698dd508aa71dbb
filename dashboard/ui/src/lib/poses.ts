// Stored poses of a source for the playback overlay (GET /api/v1/sources/:id/poses), grouped by frame.
import { z } from 'zod';
import { query, request } from './api.ts';
import type { PoseEntry } from './skeleton.ts';

const PoseRowView = z.object({
  ts: z.number(),
  trackId: z.number(),
  keypoints: z.array(z.number()).length(51),
});

/** Poses in [from, to), one entry per analysed frame, oldest first. */
export async function fetchPoses(
  sourceId: string,
  r: { from: number; to: number; limit?: number },
  signal?: AbortSignal,
): Promise<PoseEntry[]> {
  const res = await request(`/sources/${encodeURIComponent(sourceId)}/poses${query({ ...r })}`, { signal });
  const rows = z.array(PoseRowView).parse(await res.json());
  const byTs = new Map<number, Array<{ trackId: number; keypoints: number[] }>>();
  for (const p of rows) {
    let list = byTs.get(p.ts);
    if (!list) byTs.set(p.ts, (list = []));
    list.push({ trackId: p.trackId, keypoints: p.keypoints });
  }
  return [...byTs].map(([ts, persons]) => ({ ts, persons }));
}
