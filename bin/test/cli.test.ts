import { mkdtemp, readFile, rm, writeFile, copyFile, mkdir, open } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore, type Store } from '@aima/storage';
import { aima, MODELS_DIR, VTEST } from './cli-helpers.ts';

let tmp: string;
let dataDir: string;
let sourceId: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'aima-cli-'));
  dataDir = path.join(tmp, 'data');
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

/** Reads the same embedded ClickHouse the CLI wrote (after the CLI process has exited). */
async function withStore<T>(fn: (s: Store) => Promise<T>): Promise<T> {
  const store = await createStore({ dataDir: path.join(dataDir, 'clickhouse') });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

describe('aima analyze + query on real media', () => {
  it('analyses 10 s of vtest.mp4 into ClickHouse and prints a summary with tracked persons', async () => {
    const report = path.join(tmp, 'report.csv');
    const r = await aima(['analyze', VTEST, '--duration', '10', '--fps', '5', '--json', '--out', report], {
      AIMA_DATA_DIR: dataDir,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as Record<string, unknown> & {
      tracksByClass: Record<string, number>;
      detectionsByClass: Record<string, number>;
    };
    sourceId = s.sourceId as string;
    expect(s.status).toBe('done');
    expect(s.frames).toBeGreaterThanOrEqual(49);
    expect(s.frames).toBeLessThanOrEqual(51);
    expect(s.tracksByClass.person).toBeGreaterThanOrEqual(3);
    expect(s.detectionsByClass.person).toBeGreaterThan(100);
    const csv = (await readFile(report, 'utf8')).trim().split('\n');
    expect(csv[0]).toBe('source_id,track_id,label,start,end,media_start,media_end,duration_s,frames,score');
    expect(csv.length - 1).toBe(Object.values(s.tracksByClass).reduce((a, b) => a + b, 0));
    // stored rows match what was reported
    await withStore(async (store) => {
      expect(await store.countDetections({ sourceId, label: 'person' })).toBe(s.detectionsByClass.person);
      const src = await store.getSource(sourceId);
      expect(src?.status).toBe('done');
      expect(src?.display).toBe(VTEST);
    });
  });

  it('prints a human summary by default', async () => {
    const r = await aima(['analyze', VTEST, '--duration', '3', '--fps', '2', '--classes', 'person'], {
      AIMA_DATA_DIR: dataDir,
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/frames at 2 fps/);
    expect(r.stdout).toMatch(/^person\s+\d+\s+\d+$/m);
    expect(r.stdout).not.toMatch(/^car/m);
  });

  it('aima query returns the merged person segments, as JSON, CSV and a table', async () => {
    const j = await aima(['query', '--source', sourceId, '--class', 'person', '--json'], {
      AIMA_DATA_DIR: dataDir,
    });
    expect(j.code).toBe(0);
    const segs = JSON.parse(j.stdout) as Array<{
      sourceId: string;
      label: string;
      startTs: number;
      endTs: number;
      mediaStartMs: number;
      mediaEndMs: number;
      tracks: number;
    }>;
    expect(segs.length).toBeGreaterThanOrEqual(1);
    for (const s of segs) {
      expect(s).toMatchObject({ sourceId, label: 'person' });
      expect(s.endTs).toBeGreaterThan(s.startTs);
      expect(s.mediaStartMs).toBeGreaterThanOrEqual(0);
      expect(s.mediaEndMs).toBeLessThanOrEqual(10_500);
    }
    // people are visible through the whole clip: the merged segments cover most of the 10 s
    const covered = segs.reduce((n, s) => n + (s.endTs - s.startTs), 0);
    expect(covered).toBeGreaterThan(7000);
    expect(segs.reduce((n, s) => n + s.tracks, 0)).toBeGreaterThanOrEqual(3);

    const c = await aima(['query', '--class', 'person', '--csv'], { AIMA_DATA_DIR: dataDir });
    expect(c.code).toBe(0);
    const lines = c.stdout.trim().split('\n');
    expect(lines[0]).toBe('source,class,start,end,media,duration_s,tracks,max_score');
    // all sources when --source is omitted: both analysed sources appear
    expect(new Set(lines.slice(1).map((l) => l.split(',')[0])).size).toBe(2);

    const t = await aima(
      [
        'query',
        '--source',
        sourceId,
        '--from',
        new Date(segs[0]!.startTs).toISOString(),
        '--to',
        String(segs[0]!.startTs + 1000),
      ],
      { AIMA_DATA_DIR: dataDir },
    );
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/^source\s+class\s+start/);
    expect(t.stdout).toContain(sourceId);
  });

  it('runs a YOLO-family export given by path, with its decoder and per-class thresholds', async () => {
    const model = path.join(MODELS_DIR, 'detector/yolox_nano.onnx');
    const labels = path.join(tmp, 'labels.txt');
    await writeFile(labels, (await import('@aima/inference')).COCO80.join('\n') + '\n');
    const r = await aima(
      [
        'analyze',
        VTEST,
        '--duration',
        '3',
        '--fps',
        '2',
        '--model',
        model,
        '--decoder',
        'yolox',
        '--labels',
        labels,
        '--class-threshold',
        'person=0.5,car=0.99',
        '--json',
      ],
      { AIMA_DATA_DIR: dataDir },
    );
    expect(r.stderr).toBe('');
    const s = JSON.parse(r.stdout) as { model: { id: string }; detectionsByClass: Record<string, number> };
    expect(s.model.id).toBe('yolox_nano');
    expect(s.detectionsByClass.person).toBeGreaterThan(10);
    expect(s.detectionsByClass.car ?? 0).toBe(0); // no car scores 0.99 here
  });

  it('lists and verifies the models', async () => {
    const l = await aima(['models', 'list', '--json'], {});
    expect(l.code).toBe(0);
    const list = JSON.parse(l.stdout) as Array<{ id: string; origin: string }>;
    expect(list.find((m) => m.id === 'yolox-nano')?.origin).toBe('models-dir');
    const v = await aima(['models', 'verify', 'yolox-nano'], {});
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/yolox-nano: ok/);
  });
});

describe('bad input: one line, stable code, non-zero exit, nothing marked done', () => {
  const expectFailure = (r: { code: number; stderr: string }, code: string, exit: number): void => {
    expect(r.code).toBe(exit);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(new RegExp(`^aima: ${code}: `));
  };

  it('missing file', async () => {
    expectFailure(
      await aima(['analyze', path.join(tmp, 'nope.mp4')], { AIMA_DATA_DIR: dataDir }),
      'INGEST_FILE_NOT_FOUND',
      3,
    );
  });

  it('not a media file', async () => {
    const f = path.join(tmp, 'notes.mp4');
    await writeFile(f, 'these are not the frames you are looking for\n'.repeat(100));
    expectFailure(await aima(['analyze', f], { AIMA_DATA_DIR: dataDir }), 'INGEST_NOT_MEDIA', 4);
  });

  it('truncated video: frames before the cut are kept, the source is marked failed', async () => {
    const fast = path.join(tmp, 'fast.mp4');
    execFileSync(process.env.FFMPEG_PATH ?? 'ffmpeg', [
      '-v',
      'error',
      '-i',
      VTEST,
      '-t',
      '12',
      '-c',
      'copy',
      '-movflags',
      '+faststart',
      fast,
    ]);
    const cut = path.join(tmp, 'cut.mp4');
    const buf = await readFile(fast);
    await writeFile(cut, buf.subarray(0, Math.floor(buf.length / 2)));
    const r = await aima(['analyze', cut, '--id', 'truncated-clip', '--fps', '2'], {
      AIMA_DATA_DIR: dataDir,
    });
    expectFailure(r, 'INGEST_TRUNCATED', 4);
    await withStore(async (store) => {
      const src = await store.getSource('truncated-clip');
      expect(src?.status).toBe('failed');
      expect(src?.errorCode).toBe('INGEST_TRUNCATED');
      // results produced before the truncation are not dropped
      expect(await store.countDetections({ sourceId: 'truncated-clip' })).toBeGreaterThan(0);
    });
  });

  it('unreachable URL, with its credentials never printed', async () => {
    const r = await aima(['analyze', 'rtsp://admin:hunter2@127.0.0.1:9/stream'], { AIMA_DATA_DIR: dataDir });
    expectFailure(r, 'INGEST_UNREACHABLE', 5);
    expect(r.stderr).not.toContain('hunter2');
  });

  it('bad model file (hash mismatch) and missing model', async () => {
    const bad = path.join(tmp, 'models-bad');
    await mkdir(path.join(bad, 'detector'), { recursive: true });
    await copyFile(
      path.join(MODELS_DIR, 'detector/yolox_nano.onnx'),
      path.join(bad, 'detector/yolox_nano.onnx'),
    );
    const fh = await open(path.join(bad, 'detector/yolox_nano.onnx'), 'r+');
    await fh.write(Buffer.from('garbage'), 0, 7, 4096);
    await fh.close();
    expectFailure(
      await aima(['analyze', VTEST], { AIMA_DATA_DIR: dataDir, AIMA_MODELS_DIR: bad }),
      'MODEL_HASH_MISMATCH',
      6,
    );
    const empty = path.join(tmp, 'models-empty');
    await mkdir(empty, { recursive: true });
    const r = await aima(['analyze', VTEST], {
      AIMA_DATA_DIR: dataDir,
      AIMA_MODELS_DIR: empty,
      AIMA_CACHE_DIR: path.join(tmp, 'cache'),
      AIMA_OFFLINE: '1',
    });
    expectFailure(r, 'MODEL_NOT_FOUND', 6);
    expect(r.stderr).toContain('yolox-nano');
  });

  it('a model file with the wrong decoder, and a bad per-class threshold', async () => {
    const model = path.join(MODELS_DIR, 'detector/yolox_nano.onnx');
    const r = await aima(
      ['analyze', VTEST, '--duration', '1', '--model', model, '--decoder', 'yolov8', '--id', 'wrong-decoder'],
      { AIMA_DATA_DIR: dataDir },
    );
    expectFailure(r, 'MODEL_BAD_OUTPUT', 6);
    expect(r.stderr).toContain('--decoder');
    expectFailure(
      await aima(['analyze', VTEST, '--class-threshold', 'person=2'], { AIMA_DATA_DIR: dataDir }),
      'CLI_BAD_VALUE',
      2,
    );
    expectFailure(
      await aima(['analyze', VTEST, '--model', path.join(tmp, 'none.onnx')], { AIMA_DATA_DIR: dataDir }),
      'MODEL_NOT_FOUND',
      6,
    );
  });

  it('unwritable data directory', async () => {
    const file = path.join(tmp, 'a-file');
    await writeFile(file, 'x');
    expectFailure(
      await aima(['analyze', VTEST], { AIMA_DATA_DIR: path.join(file, 'data') }),
      'STORE_DATA_DIR_UNWRITABLE',
      7,
    );
  });

  it('unknown class name, in query and in analyze', async () => {
    expectFailure(
      await aima(['query', '--class', 'persn'], { AIMA_DATA_DIR: dataDir }),
      'INFER_UNKNOWN_CLASS',
      2,
    );
    expectFailure(
      await aima(['analyze', VTEST, '--classes', 'unicorn'], { AIMA_DATA_DIR: dataDir }),
      'INFER_UNKNOWN_CLASS',
      2,
    );
  });

  it('usage errors', async () => {
    expectFailure(await aima(['analyze'], {}), 'CLI_USAGE', 2);
    expectFailure(await aima(['analyze', VTEST, '--fps', 'fast'], {}), 'CLI_BAD_VALUE', 2);
    expectFailure(await aima(['frobnicate'], {}), 'CLI_UNKNOWN_COMMAND', 2);
    expectFailure(
      await aima(['query', '--source', 'no-such-source'], { AIMA_DATA_DIR: dataDir }),
      'CLI_NOT_FOUND',
      3,
    );
  });

  it('no failed analysis left a source marked done', async () => {
    await withStore(async (store) => {
      const sources = await store.listSources();
      const done = sources.filter((s) => s.status === 'done');
      expect(done.map((s) => s.display).every((d) => d === VTEST)).toBe(true);
    });
  });
});
