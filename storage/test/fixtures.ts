import { randomUUID } from 'node:crypto';
import type { DetectionRecord, SourceRecord, TrackRecord } from '../index.ts';

// Row builders for the store tests: every field set, overridable per test.

export const DAY = Date.UTC(2024, 4, 1); // a fixed UTC day: one partition per table
export const uid = (p: string): string => `${p}-${randomUUID().slice(0, 8)}`;

export function source(id: string, over: Partial<SourceRecord> = {}): SourceRecord {
  return {
    id,
    kind: 'file',
    display: `/media/${id}.mp4`,
    live: false,
    status: 'pending',
    errorCode: '',
    errorMessage: '',
    epochMs: DAY,
    createdAt: DAY + 1,
    updatedAt: DAY + 1,
    meta: '{}',
    ...over,
  };
}

export function track(sourceId: string, trackId: number, over: Partial<TrackRecord> = {}): TrackRecord {
  return {
    sourceId,
    trackId,
    label: 'person',
    startTs: DAY,
    endTs: DAY + 1000,
    frames: 10,
    score: 0.5,
    bestTs: DAY + 500,
    bestBox: [1, 2, 3, 4],
    ended: false,
    ...over,
  };
}

export function det(sourceId: string, ts: number, over: Partial<DetectionRecord> = {}): DetectionRecord {
  return {
    sourceId,
    ts,
    frameSeq: 0,
    label: 'person',
    score: 0.5,
    x1: 0,
    y1: 0,
    x2: 10,
    y2: 10,
    trackId: 0,
    ...over,
  };
}
