import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS, currentSchemaVersion } from '../index.ts';
import type { RecordingRecord, Store } from '../index.ts';
import { DAY, det, source, track, uid } from './fixtures.ts';
import { audioContract } from './audio-contract.ts';
import { peopleContract } from './people-contract.ts';

// Behaviour every Store adapter must show. Each test writes under fresh source ids (and, where
// a query spans sources, fresh labels), so tests stay independent on a shared database.

/** A recording segment of `sourceId` covering [DAY + startS s, DAY + endS s). */
function recording(sourceId: string, startS: number, endS: number, over: Partial<RecordingRecord> = {}) {
  return {
    sourceId,
    startTs: DAY + startS * 1000,
    endTs: DAY + endS * 1000,
    file: `/rec/${sourceId}/${String(startS).padStart(6, '0')}.mp4`,
    bytes: 1000 + startS,
    ...over,
  };
}

/** Registers the adapter-independent contract tests for the store `make` opens. */
export function storeContract(name: string, make: () => Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    let first: { applied: number[]; version: number };

    beforeAll(async () => {
      store = await make();
      first = await store.migrate();
    });
    afterAll(async () => {
      await store?.close();
    });

    it('migrates idempotently and reports the schema version', async () => {
      const known = MIGRATIONS.map((m) => m.version);
      expect(first.version).toBe(currentSchemaVersion());
      expect(first.applied.every((v) => known.includes(v))).toBe(true);
      expect([...first.applied].sort((a, b) => a - b)).toEqual(first.applied);
      const second = await store.migrate();
      expect(second).toEqual({ applied: [], version: currentSchemaVersion() });
    });

    // Faces, appearances, persons and shots (migration v4); must start on the fresh database.
    peopleContract(() => store);
    // Audio results (migration v5).
    audioContract(() => store);

    it('upserts sources: the latest updatedAt wins, whatever the insert order', async () => {
      const id = uid('src');
      const t = DAY + 10_000;
      await store.upsertSource(source(id, { status: 'pending', updatedAt: t }));
      await store.upsertSource(source(id, { status: 'done', updatedAt: t + 2, meta: '{"fps":25}' }));
      await store.upsertSource(source(id, { status: 'running', updatedAt: t + 1 }));
      const got = await store.getSource(id);
      expect(got).toEqual(source(id, { status: 'done', updatedAt: t + 2, meta: '{"fps":25}' }));
      const listed = (await store.listSources()).filter((s) => s.id === id);
      expect(listed).toHaveLength(1);
      expect(listed[0]?.status).toBe('done');
      expect(await store.getSource(uid('missing'))).toBeNull();
    });

    it('stores windows, detections and tracks and reads them back', async () => {
      const id = uid('cam');
      await store.insertWindows([
        {
          sourceId: id,
          windowId: 1,
          startTs: DAY,
          endTs: DAY + 1000,
          frames: 5,
          detections: 3,
          modelId: 'yolo',
          preMs: 1.5,
          inferMs: 8.25,
          postMs: 0.5,
        },
        {
          sourceId: id,
          windowId: 2,
          startTs: DAY + 1000,
          endTs: DAY + 2000,
          frames: 5,
          detections: 1,
          modelId: 'yolo',
          preMs: 1,
          inferMs: 8,
          postMs: 0.5,
        },
      ]);
      const dets = [0, 100, 200, 1500].map((o, i) =>
        det(id, DAY + o, { frameSeq: i, label: i === 3 ? 'car' : 'person' }),
      );
      await store.insertDetections(dets);
      await store.insertTracks([track(id, 1), track(id, 2, { label: 'car' })]);
      await store.insertDetections([]);

      const windows = await store.listWindows({ sourceId: id });
      expect(windows.map((w) => w.windowId)).toEqual([1, 2]);
      expect(windows[0]).toEqual({
        sourceId: id,
        windowId: 1,
        startTs: DAY,
        endTs: DAY + 1000,
        frames: 5,
        detections: 3,
        modelId: 'yolo',
        preMs: 1.5,
        inferMs: 8.25,
        postMs: 0.5,
      });
      expect(await store.listWindows({ sourceId: id, from: DAY + 1000 })).toHaveLength(1);
      expect(await store.countDetections({ sourceId: id })).toBe(4);
      expect(await store.countDetections({ sourceId: id, label: 'person' })).toBe(3);
      expect(await store.countDetections({ sourceId: id, from: DAY + 100, to: DAY + 1500 })).toBe(2);
      expect(await store.listTracks({ sourceId: id })).toHaveLength(2);
      expect(await store.listTracks({ sourceId: id, label: 'car' })).toEqual([
        track(id, 2, { label: 'car' }),
      ]);
    });

    it('replaces a track by (source, track id) with its later write', async () => {
      const id = uid('cam');
      await store.insertTracks([track(id, 7, { endTs: DAY + 1000 })]);
      await store.insertTracks([track(id, 7, { endTs: DAY + 3000, frames: 30, ended: true, score: 0.75 })]);
      // Two states of one track in one batch: the later row wins, even within the same ms.
      await store.insertTracks([track(id, 8, { frames: 1 }), track(id, 8, { frames: 2, ended: true })]);
      const tracks = await store.listTracks({ sourceId: id });
      expect(tracks).toEqual([
        track(id, 7, { endTs: DAY + 3000, frames: 30, ended: true, score: 0.75 }),
        track(id, 8, { frames: 2, ended: true }),
      ]);
      // The time filter applies to the current state only, not to a superseded row.
      expect((await store.listTracks({ sourceId: id, from: DAY + 2000 })).map((t) => t.trackId)).toEqual([7]);
    });

    it('merges tracks into segments by label, source and time', async () => {
      const a = uid('cam');
      const b = uid('cam');
      const person = uid('person');
      await store.insertTracks([
        track(a, 1, { label: person, startTs: DAY, endTs: DAY + 2000, score: 0.5 }),
        track(a, 2, { label: person, startTs: DAY + 1500, endTs: DAY + 3000, score: 0.75, ended: true }),
        track(a, 3, { label: person, startTs: DAY + 8000, endTs: DAY + 9000, score: 0.25 }),
        track(a, 4, { label: 'car', startTs: DAY + 500, endTs: DAY + 600 }),
        track(b, 1, { label: person, startTs: DAY + 100, endTs: DAY + 200 }),
      ]);
      const segs = await store.segments({ sourceId: a, label: person, mergeGapMs: 1000 });
      expect(segs).toEqual([
        { sourceId: a, label: person, startTs: DAY, endTs: DAY + 3000, tracks: 2, maxScore: 0.75 },
        { sourceId: a, label: person, startTs: DAY + 8000, endTs: DAY + 9000, tracks: 1, maxScore: 0.25 },
      ]);
      // A gap of 5 s merges under a 5 s tolerance.
      expect(await store.segments({ sourceId: a, label: person, mergeGapMs: 5000 })).toHaveLength(1);
      expect((await store.segments({ sourceId: a })).map((s) => s.label).sort()).toEqual(
        ['car', person, person].sort(),
      );
      expect(await store.segments({ sourceId: a, label: person, from: DAY + 7000 })).toEqual([segs[1]]);
      expect(await store.segments({ sourceId: a, label: person, to: DAY + 1000 })).toEqual([
        { ...segs[0], endTs: DAY + 2000, tracks: 1, maxScore: 0.5 },
      ]);
      const all = await store.segments({ label: person });
      expect(all.map((s) => s.sourceId).sort()).toEqual([a, a, b].sort());
      expect(await store.segments({ label: person, limit: 1 })).toEqual([all[0]]);
    });

    it('builds per-second timelines from the rollup view', async () => {
      const id = uid('cam');
      const s0 = DAY + 60_000; // second-aligned
      const tracks = [1, 2, 0, 1, 2, 1, 3, 3, 0, 0];
      const scores = [0.25, 0.5, 0.75, 0.5, 0.5, 0.5, 0.25, 0.5, 0.5, 0.875];
      const rows = tracks.map((t, i) =>
        det(id, s0 + (i < 6 ? i * 150 : 1000 + (i - 6) * 200), { trackId: t, score: scores[i] }),
      );
      // Two inserts: the rollup holds two partial states for the same second until a merge.
      await store.insertDetections(rows.slice(0, 3));
      await store.insertDetections([...rows.slice(3), det(id, s0 + 500, { label: 'dog', trackId: 9 })]);

      const series = await store.timeline({ sourceId: id });
      expect(series.map((s) => s.label)).toEqual(['dog', 'person']);
      const p = series[1]!;
      expect(p.t).toBeInstanceOf(Float64Array);
      expect([...p.t]).toEqual([s0 / 1000, s0 / 1000 + 1]);
      expect([...p.detections]).toEqual([6, 4]);
      expect([...p.tracks]).toEqual([2, 1]);
      expect([...p.maxScore]).toEqual([0.75, 0.875]);
      const only = await store.timeline({ sourceId: id, labels: ['person'], from: s0 + 1500 });
      expect(only.map((s) => [s.label, [...s.t]])).toEqual([['person', [s0 / 1000 + 1]]]);
      expect(await store.timeline({ sourceId: id, labels: [] })).toEqual([]);
    });

    it('lists distinct labels, per source and overall', async () => {
      const id = uid('cam');
      const l1 = uid('zebra');
      await store.insertDetections([
        det(id, DAY, { label: l1 }),
        det(id, DAY + 1, { label: 'bicycle' }),
        det(id, DAY + 2, { label: l1 }),
      ]);
      expect(await store.labels(id)).toEqual(['bicycle', l1]);
      expect(await store.labels()).toEqual(expect.arrayContaining(['bicycle', l1]));
    });

    it('round-trips timestamps to the exact millisecond', async () => {
      const id = uid('cam');
      const ts = [1_700_000_000_001, 1_700_000_000_123, 1_700_000_000_999];
      await store.upsertSource(source(id, { epochMs: ts[0], createdAt: ts[1], updatedAt: ts[2] }));
      const got = await store.getSource(id);
      expect([got?.epochMs, got?.createdAt, got?.updatedAt]).toEqual(ts);
      await store.insertTracks([track(id, 1, { startTs: ts[0], bestTs: ts[1], endTs: ts[2] })]);
      const [t] = await store.listTracks({ sourceId: id });
      expect([t?.startTs, t?.bestTs, t?.endTs]).toEqual(ts);
      await store.insertDetections(ts.map((x) => det(id, x)));
      for (const x of ts) expect(await store.countDetections({ sourceId: id, from: x, to: x + 1 })).toBe(1);
    });

    it('binds values as parameters: injection strings are stored literally', async () => {
      const evil = `x'; DROP TABLE detections; --${uid('')}`;
      const label = `a\\'b"c\n{l:String}\t`;
      await store.upsertSource(source(evil, { display: evil, meta: `{"q":"'"}` }));
      await store.insertDetections([det(evil, DAY, { label })]);
      await store.insertTracks([track(evil, 1, { label })]);
      expect((await store.getSource(evil))?.display).toBe(evil);
      expect(await store.countDetections({ sourceId: evil, label })).toBe(1);
      expect(await store.labels(evil)).toEqual([label]);
      expect((await store.segments({ sourceId: evil, label }))[0]?.label).toBe(label);
      expect(await store.countDetections({ sourceId: uid('none') })).toBe(0); // table still there
    });

    it('rejects a call whose signal is already aborted, and keeps working', async () => {
      const signal = AbortSignal.abort();
      await expect(store.listSources(signal)).rejects.toMatchObject({ name: 'StoreError' });
      await expect(store.timeline({ sourceId: uid('cam'), signal })).rejects.toMatchObject({
        name: 'StoreError',
      });
      expect(await store.countDetections({ sourceId: uid('none') })).toBe(0);
    });

    it('lists detections in [from, to), oldest first, capped by limit', async () => {
      const id = uid('cam');
      await store.insertDetections([
        det(id, DAY + 300, { label: 'car', x1: 5 }),
        det(id, DAY + 100, { label: 'person', x1: 1, trackId: 7 }),
        det(id, DAY + 200, { label: 'person', x1: 2 }),
        det(id, DAY + 1000, { label: 'person', x1: 3 }),
      ]);
      const all = await store.listDetections({ sourceId: id });
      expect(all.map((d) => d.ts - DAY)).toEqual([100, 200, 300, 1000]);
      expect(all[0]).toMatchObject({ sourceId: id, label: 'person', x1: 1, trackId: 7 });
      const ranged = await store.listDetections({
        sourceId: id,
        from: DAY + 200,
        to: DAY + 1000,
        label: 'person',
      });
      expect(ranged.map((d) => d.ts - DAY)).toEqual([200]);
      expect(await store.listDetections({ sourceId: id, limit: 2 })).toHaveLength(2);
    });

    it('records gaps of live sources and lists them by time', async () => {
      const id = uid('cam');
      await store.insertGaps([
        { sourceId: id, startTs: DAY + 1000, endTs: DAY + 5000, reason: 'INGEST_UNREACHABLE' },
        { sourceId: id, startTs: DAY + 9000, endTs: DAY + 9500, reason: 'stalled' },
      ]);
      expect(await store.listGaps({ sourceId: id })).toEqual([
        { sourceId: id, startTs: DAY + 1000, endTs: DAY + 5000, reason: 'INGEST_UNREACHABLE' },
        { sourceId: id, startTs: DAY + 9000, endTs: DAY + 9500, reason: 'stalled' },
      ]);
      expect((await store.listGaps({ sourceId: id, from: DAY + 6000 })).map((g) => g.reason)).toEqual([
        'stalled',
      ]);
    });

    it('deletes a source with all its rows, leaving other sources alone', async () => {
      const gone = uid('cam');
      const kept = uid('cam');
      for (const id of [gone, kept]) {
        await store.upsertSource(source(id));
        await store.insertDetections([det(id, DAY + 10, { label: 'dog', trackId: 1 })]);
        await store.insertTracks([track(id, 1, { label: 'dog' })]);
      }
      await store.insertGaps([{ sourceId: gone, startTs: DAY, endTs: DAY + 10, reason: 'stalled' }]);
      await store.deleteSource(gone);
      expect(await store.getSource(gone)).toBeNull();
      expect(await store.listGaps({ sourceId: gone })).toHaveLength(0);
      expect(await store.countDetections({ sourceId: gone })).toBe(0);
      expect(await store.listTracks({ sourceId: gone })).toHaveLength(0);
      expect(await store.timeline({ sourceId: gone })).toHaveLength(0);
      expect(await store.getSource(kept)).not.toBeNull();
      expect(await store.countDetections({ sourceId: kept })).toBe(1);
      expect((await store.timeline({ sourceId: kept }))[0]?.label).toBe('dog');
    });

    it('stores recording segments and lists those overlapping [from, to), oldest first', async () => {
      const a = uid('cam');
      const b = uid('cam');
      // Out of order on purpose; a and b interleave in time.
      await store.insertRecordings([recording(a, 20, 30), recording(a, 0, 10), recording(a, 10, 20)]);
      await store.insertRecordings([recording(b, 5, 15)]);
      await store.insertRecordings([]);

      const all = await store.listRecordings({ sourceId: a });
      expect(all).toEqual([recording(a, 0, 10), recording(a, 10, 20), recording(a, 20, 30)]);
      const starts = async (from?: number, to?: number) =>
        (await store.listRecordings({ sourceId: a, from, to })).map((r) => (r.startTs - DAY) / 1000);
      // Half-open intervals: a segment ending exactly at `from` is not in range; one starting at `to` neither.
      expect(await starts(DAY + 10_000)).toEqual([10, 20]);
      expect(await starts(DAY + 9_999)).toEqual([0, 10, 20]);
      expect(await starts(undefined, DAY + 10_000)).toEqual([0]);
      expect(await starts(DAY + 12_000, DAY + 13_000)).toEqual([10]);
      expect(await starts(DAY + 30_000)).toEqual([]);
      expect(await store.listRecordings({ sourceId: a, limit: 2 })).toHaveLength(2);
      // Without a source: every source, ordered by start time.
      const mixed = (await store.listRecordings({ from: DAY, to: DAY + 30_000 })).filter((r) =>
        [a, b].includes(r.sourceId),
      );
      expect(mixed.map((r) => [r.sourceId, (r.startTs - DAY) / 1000])).toEqual([
        [a, 0],
        [b, 5],
        [a, 10],
        [a, 20],
      ]);
    });

    it('finds the segment that contains a timestamp', async () => {
      const id = uid('cam');
      await store.insertRecordings([recording(id, 0, 10), recording(id, 10, 20), recording(id, 30, 40)]);
      const at = async (s: number) => (await store.findRecording(id, DAY + s * 1000))?.startTs;
      expect(await at(0)).toBe(DAY);
      expect(await at(5.5)).toBe(DAY);
      expect(await at(10)).toBe(DAY + 10_000); // a shared boundary belongs to the later segment
      expect(await at(19.999)).toBe(DAY + 10_000);
      expect(await at(25)).toBeUndefined(); // a gap
      expect(await at(40)).toBeUndefined();
      expect(await store.findRecording(id, DAY + 35_000)).toEqual(recording(id, 30, 40));
      expect(await store.findRecording(uid('cam'), DAY + 5_000)).toBeNull();
    });

    it('reports recording usage per source and overall', async () => {
      const id = uid('cam');
      expect(await store.recordingUsage({ sourceId: id })).toEqual({ segments: 0, bytes: 0, oldestTs: null });
      const big = 5 * 2 ** 32; // beyond UInt32, still exact in a double
      await store.insertRecordings([
        recording(id, 10, 20, { bytes: big }),
        recording(id, 0, 10, { bytes: 7 }),
      ]);
      expect(await store.recordingUsage({ sourceId: id })).toEqual({
        segments: 2,
        bytes: big + 7,
        oldestTs: DAY,
      });
      const overall = await store.recordingUsage();
      expect(overall.segments).toBeGreaterThanOrEqual(2);
      expect(overall.bytes).toBeGreaterThanOrEqual(big + 7);
    });

    it('deletes recording rows by (source, file), leaving the rest', async () => {
      const a = uid('cam');
      const b = uid('cam');
      const shared = { file: '/rec/same-name.mp4' };
      await store.insertRecordings([
        recording(a, 0, 10),
        recording(a, 10, 20),
        recording(a, 20, 30, shared),
        recording(b, 0, 10, shared),
      ]);
      await store.deleteRecordings([
        { sourceId: a, file: recording(a, 0, 10).file },
        { sourceId: a, file: shared.file },
        { sourceId: a, file: '/rec/never-stored.mp4' },
      ]);
      await store.deleteRecordings([]);
      expect(await store.listRecordings({ sourceId: a })).toEqual([recording(a, 10, 20)]);
      expect(await store.listRecordings({ sourceId: b })).toEqual([recording(b, 0, 10, shared)]);
    });

    it('round-trips recording times to the ms and file names literally', async () => {
      const id = uid('cam');
      const file = `/rec/it's, "odd"\n{f:String}\t.mp4`;
      const row = { sourceId: id, startTs: 1_700_000_000_001, endTs: 1_700_000_010_999, file, bytes: 0 };
      await store.insertRecordings([row]);
      expect(await store.listRecordings({ sourceId: id })).toEqual([row]);
      await store.deleteRecordings([{ sourceId: id, file }]);
      expect(await store.listRecordings({ sourceId: id })).toEqual([]);
      await expect(store.insertRecordings([{ ...row, bytes: -1 }])).rejects.toMatchObject({
        name: 'StoreError',
      });
      await expect(store.listRecordings({ sourceId: id, signal: AbortSignal.abort() })).rejects.toMatchObject(
        {
          name: 'StoreError',
        },
      );
    });

    it('rejects calls on a closed store with STORE_CLOSED; close() twice is fine', async () => {
      const other = await make();
      expect(other.closed).toBe(false);
      await other.close();
      await other.close();
      await other[Symbol.asyncDispose]();
      expect(other.closed).toBe(true);
      await expect(other.getSource('x')).rejects.toMatchObject({
        name: 'StoreError',
        code: 'STORE_CLOSED',
        exitCode: 7,
      });
      await expect(other.insertDetections([det('x', DAY)])).rejects.toMatchObject({ code: 'STORE_CLOSED' });
      // Closing one store leaves another on the same engine working.
      expect(await store.countDetections({ sourceId: uid('none') })).toBe(0);
    });
  });
}
