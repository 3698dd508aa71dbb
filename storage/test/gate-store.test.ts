// The gate's tables in embedded chDB: age estimates and NSFW scores round-trip; quarantines are
// append-only, one per source when read (duplicates collapse to the first), watchers hear of a
// quarantine before its row is written, bad rows are refused; all of it survives a reopen.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore } from '../index.ts';
import type { QuarantineRecord, Store } from '../index.ts';

const T = Date.UTC(2026, 11, 6, 12);
let tmp: string;
let store: Store;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'aima-gate-store-'));
  store = await createStore({ dataDir: tmp });
  await store.migrate();
}, 60_000);

afterAll(async () => {
  await store?.close();
  await fs.rm(tmp, { recursive: true, force: true });
});

const q = (sourceId: string, ts: number, reason: string): QuarantineRecord => ({
  sourceId, ts, code: 'SAFETY_MINOR_DETECTED', reason, analyzer: 'nsfw', age: 12.5, threshold: 22,
}); // prettier-ignore

describe('gate store', () => {
  it('age estimates and NSFW scores round-trip through the analyzer-row dispatcher', async () => {
    await store.insertAnalyzerRows('age_estimates', [
      { sourceId: 's1', ts: T, seq: 1, faceTrackId: 4, box: [1, 2, 30, 40], age: 40.5, low: 38.5, high: 43.5, verdict: 'adult', modelId: 'ssrnet' },
      { sourceId: 's1', ts: T + 200, seq: 2, faceTrackId: 5, box: [1, 2, 10, 12], age: null, low: null, high: null, verdict: 'unknown', modelId: 'ssrnet' },
    ]); // prettier-ignore
    await store.insertAnalyzerRows('nsfw_scores', [
      { sourceId: 's1', ts: T, seq: 1, drawing: 0.01, hentai: 0, neutral: 0.97, porn: 0.01, sexy: 0.01, modelId: 'nsfwjs-mobilenet-v2' },
    ]); // prettier-ignore
    const ages = await store.listAgeEstimates({ sourceId: 's1' });
    expect(ages.map((a) => [a.seq, a.age, a.verdict, a.box])).toEqual([
      [1, 40.5, 'adult', [1, 2, 30, 40]],
      [2, null, 'unknown', [1, 2, 10, 12]],
    ]);
    expect(await store.listAgeEstimates({ sourceId: 's1', from: T + 100 })).toHaveLength(1);
    const scores = await store.listNsfwScores({ sourceId: 's1' });
    expect(scores).toHaveLength(1);
    expect(scores[0]!.neutral).toBeCloseTo(0.97, 5);
  });

  it('watchers hear a quarantine before it is written; duplicates collapse to the first row', async () => {
    const heard: string[] = [];
    const unwatch = store.watchQuarantines((x) => heard.push(x.sourceId));
    const write = store.insertAnalyzerRows('quarantines', [q('s2', T + 1000, 'first')]);
    expect(heard).toEqual(['s2']);
    await write;
    await store.insertQuarantines([q('s2', T + 2000, 'again'), q('s3', T + 500, 'other')]);
    unwatch();
    await store.insertQuarantines([q('s4', T, 'unheard')]);
    expect(heard).toEqual(['s2', 's2', 's3']);
    expect((await store.getQuarantine('s2'))?.reason).toBe('first');
    expect(await store.getQuarantine('nobody')).toBeNull();
    const all = await store.listQuarantines();
    expect(all.map((x) => x.sourceId)).toEqual(['s4', 's3', 's2']);
    expect(all[2]).toMatchObject({ ts: T + 1000, code: 'SAFETY_MINOR_DETECTED', age: 12.5, threshold: 22 });
  });

  it('a malformed quarantine is refused (and no watcher hears it)', async () => {
    const heard: string[] = [];
    const unwatch = store.watchQuarantines((x) => heard.push(x.sourceId));
    await expect(store.insertAnalyzerRows('quarantines', [{ sourceId: 's9', ts: 'soon' }])).rejects.toThrow(
      /ts/,
    );
    unwatch();
    expect(heard).toEqual([]);
    expect(await store.getQuarantine('s9')).toBeNull();
  });

  it('quarantines survive closing and reopening the store', async () => {
    await store.close();
    store = await createStore({ dataDir: tmp });
    await store.migrate();
    expect((await store.getQuarantine('s2'))?.reason).toBe('first');
  }, 60_000);
});
