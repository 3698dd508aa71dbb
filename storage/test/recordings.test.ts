// Recording end to end: ingest's recorder writes real fMP4 segments with real ffmpeg, their rows
// go into embedded chDB, and retention deletes files and rows together.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseSource, resolveFfmpeg, snapshot, startRecorder } from '@aima/ingest';
import type { RecordedSegment } from '@aima/ingest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyRetention, createStore } from '../index.ts';
import type { RecordingRecord, Store } from '../index.ts';

const run = promisify(execFile);
const mediaDir = process.env.AIMA_MEDIA_DIR ?? path.resolve(import.meta.dirname, '../../../shared/media');
const EPOCH = Date.UTC(2024, 4, 1, 12);

let tmp: string;
let root: string;
let store: Store;
let segments: RecordedSegment[];

/** Records a 10 s h264 clip (1 s GOPs) as 2 s segments of `sourceId`, storing their rows. */
async function record(clip: string, sourceId: string): Promise<RecordedSegment[]> {
  const rec = startRecorder(parseSource(clip), { dir: root, sourceId, segmentSeconds: 2, epochMs: EPOCH });
  const got: RecordedSegment[] = [];
  const stored: Promise<void>[] = [];
  rec.on('segment', (s) => {
    got.push(s);
    stored.push(store.insertRecordings([s]));
  });
  const result = await rec.done;
  await Promise.all(stored);
  expect(result).toMatchObject({ state: 'stopped', segments: 5 });
  return got;
}

const exists = (file: string): Promise<boolean> =>
  fs.access(file).then(
    () => true,
    () => false,
  );

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'aima-recordings-'));
  root = path.join(tmp, 'recordings');
  const clip = path.join(tmp, 'clip.mp4');
  const { ffmpeg } = resolveFfmpeg();
  await run(ffmpeg, [
    ...['-hide_banner', '-nostdin', '-v', 'error', '-y', '-t', '10'],
    ...['-i', path.join(mediaDir, 'video/vtest.mp4')],
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-g', '10', '-c:a', 'copy', clip],
  ]);
  store = await createStore({ dataDir: path.join(tmp, 'clickhouse') });
  await store.migrate();
  segments = await record(clip, 'cam-a');
  await record(clip, 'cam-b');
});

afterAll(async () => {
  await store?.close();
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('recordings: recorder → store', () => {
  it('stores one row per segment, and finds the segment (and frame) for a timestamp', async () => {
    const rows = await store.listRecordings({ sourceId: 'cam-a' });
    expect(rows).toEqual(segments);
    const ts = EPOCH + 5_300;
    const found = await store.findRecording('cam-a', ts);
    expect(found).toEqual(segments[2]);
    expect(found!.startTs).toBeLessThanOrEqual(ts);
    expect(found!.endTs).toBeGreaterThan(ts);
    // The file plays from there: the frame at that moment comes out of the segment.
    const shot = await snapshot(parseSource(found!.file), { atMs: ts - found!.startTs, maxWidth: 160 });
    expect(shot.jpeg.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    expect(await store.recordingUsage({ sourceId: 'cam-a' })).toEqual({
      segments: 5,
      bytes: segments.reduce((n, s) => n + s.bytes, 0),
      oldestTs: EPOCH,
    });
  });
});

describe('recordings: retention', () => {
  const files = async (sourceId: string): Promise<string[]> =>
    (await store.listRecordings({ sourceId })).map((r) => path.basename(r.file));
  const onDisk = async (sourceId: string): Promise<string[]> => fs.readdir(path.join(root, sourceId));

  it('by age: deletes the oldest files and rows together, keeps the rest', async () => {
    const before = await files('cam-a');
    const result = await applyRetention({
      store,
      root,
      sourceId: 'cam-a',
      maxAgeMs: 2_000,
      now: EPOCH + 6_000, // segments ending at or before +4 s are due
    });
    expect(result).toMatchObject({ segments: 2, missingFiles: 0, orphans: [] });
    expect(result.bytes).toBe(segments[0]!.bytes + segments[1]!.bytes);
    expect(await files('cam-a')).toEqual(before.slice(2));
    expect(await onDisk('cam-a')).toEqual(before.slice(2));
    expect(await exists(segments[0]!.file)).toBe(false);
    expect(await files('cam-b')).toHaveLength(5); // other sources untouched
  });

  it('by size: deletes oldest first until the total fits; a file already gone still loses its row', async () => {
    await fs.unlink(segments[2]!.file); // someone removed it by hand
    const keep = segments[3]!.bytes + segments[4]!.bytes;
    const result = await applyRetention({ store, root, sourceId: 'cam-a', maxBytes: keep, batchSize: 1 });
    expect(result).toMatchObject({ segments: 1, missingFiles: 1, orphans: [] });
    expect(await files('cam-a')).toEqual(segments.slice(3).map((s) => path.basename(s.file)));
    expect(await onDisk('cam-a')).toEqual(segments.slice(3).map((s) => path.basename(s.file)));
    expect(await store.recordingUsage({ sourceId: 'cam-a' })).toMatchObject({ segments: 2, bytes: keep });
  });

  it('keeps the files of a batch whose row delete failed', async () => {
    const failing: Store = Object.create(store, {
      deleteRecordings: { value: () => Promise.reject(new Error('engine down')) },
    }) as Store;
    await expect(applyRetention({ store: failing, root, sourceId: 'cam-b', maxBytes: 0 })).rejects.toThrow(
      'engine down',
    );
    expect(await onDisk('cam-b')).toHaveLength(5);
    expect(await files('cam-b')).toHaveLength(5);
  });

  it('never deletes a file outside the root (the row goes, the file is reported)', async () => {
    const outside = path.join(tmp, 'not-a-recording.mp4');
    await fs.writeFile(outside, 'keep me');
    const row: RecordingRecord = {
      sourceId: 'cam-x',
      startTs: EPOCH,
      endTs: EPOCH + 1,
      file: outside,
      bytes: 7,
    };
    await store.insertRecordings([
      row,
      { ...row, startTs: EPOCH + 1, endTs: EPOCH + 2, file: '../escape.mp4' },
    ]);
    const result = await applyRetention({ store, root, sourceId: 'cam-x', maxAgeMs: 0, now: EPOCH + 10 });
    expect(result.segments).toBe(2);
    expect(result.orphans.map((o) => o.reason)).toEqual([
      'outside the recordings root',
      'outside the recordings root',
    ]);
    expect(await exists(outside)).toBe(true);
    expect(await store.listRecordings({ sourceId: 'cam-x' })).toEqual([]);
  });

  it('applies one byte budget across every source when no source is named', async () => {
    const total = (await store.recordingUsage()).bytes;
    const result = await applyRetention({ store, root, maxBytes: Math.floor(total / 2) });
    expect(result.segments).toBeGreaterThan(0);
    const after = await store.recordingUsage();
    expect(after.bytes).toBeLessThanOrEqual(total / 2);
    // Every remaining row still has its file.
    for (const r of await store.listRecordings({})) expect(await exists(r.file)).toBe(true);
  });
});
