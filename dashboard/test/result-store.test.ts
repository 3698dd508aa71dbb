// Analyzer result batches into the real store (chDB): batched per table, flushed on close, and a
// batch for a table the store does not have refused at once (its analyzer stops, not the job).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '@aima/storage';
import { openStore } from '../index.ts';
import { createResultStore } from '../src/jobs/result-store.ts';

let tmp: string;
let store: Store;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'aima-result-store-'));
  store = await openStore({ dataDir: tmp });
});
afterAll(async () => {
  await store?.close();
  await rm(tmp, { recursive: true, force: true });
});

describe('result store', () => {
  it('stores batches by table and flushes them on close', async () => {
    const results = createResultStore(store);
    const t0 = Date.UTC(2024, 0, 1);
    await results.write({
      table: 'speech_segments',
      rows: [{ sourceId: 'rs', startTs: t0, endTs: t0 + 900, probability: 0.9 }],
    });
    await results.write({
      table: 'speech_segments',
      rows: [{ sourceId: 'rs', startTs: t0 + 2000, endTs: t0 + 2500, probability: 0.7 }],
    });
    await results.close();
    const rows = await store.listSpeechSegments({ sourceId: 'rs' });
    expect(rows.map((r) => r.startTs - t0)).toEqual([0, 2000]);
  });

  it('refuses a table the store does not have before buffering anything', async () => {
    const results = createResultStore(store);
    await expect(results.write({ table: 'lidar_points', rows: [{ x: 1 }] })).rejects.toMatchObject({
      code: 'STORE_UNKNOWN_TABLE',
    });
    await results.close();
  });
});
