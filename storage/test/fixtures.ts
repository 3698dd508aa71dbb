import { randomUUID } from 'node:crypto';
import type {
  AppearanceRecord,
  DetectionRecord,
  FaceRecord,
  PersonRecord,
  ShotRecord,
  SourceRecord,
  TrackRecord,
} from '../index.ts';

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

export function face(
  sourceId: string,
  ts: number,
  faceTrackId: number,
  over: Partial<FaceRecord> = {},
): FaceRecord {
  return {
    sourceId,
    ts,
    frameSeq: 0,
    faceTrackId,
    personTrackId: 0,
    box: [10, 20, 50, 70],
    score: 0.875,
    quality: 0.5,
    good: true,
    ...over,
  };
}

export function appearance(
  sourceId: string,
  appearanceId: number,
  over: Partial<AppearanceRecord> = {},
): AppearanceRecord {
  return {
    sourceId,
    appearanceId,
    personId: '',
    startTs: DAY,
    endTs: DAY + 1000,
    faces: 10,
    goodFaces: 8,
    quality: 0.75,
    bestTs: DAY + 500,
    bestBox: [1.5, 2, 3, 4],
    media: '',
    crop: '',
    embedding: [],
    assignment: 'auto',
    similarity: 0.5,
    candidatePersonId: '',
    rejected: [],
    version: 1,
    deleted: false,
    ...over,
  };
}

export function person(id: string, seq: number, over: Partial<PersonRecord> = {}): PersonRecord {
  return {
    id,
    seq,
    name: '',
    createdAt: DAY,
    updatedAt: DAY,
    mergedInto: '',
    version: 1,
    deleted: false,
    ...over,
  };
}

export function shot(sourceId: string, index: number, startS: number, endS: number): ShotRecord {
  return {
    sourceId,
    index,
    startTs: DAY + startS * 1000,
    endTs: DAY + endS * 1000,
    keyframeTs: DAY + startS * 1000 + 250,
    cutScore: 0.75,
    palette: [0xff0000, 0x00ff00, 0xffffff],
    sharpness: 123.5,
    exposure: { mean: 0.5, clippedLow: 0.125, clippedHigh: 0 },
  };
}
