import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  createAnalyzerHost,
  createAnalyzerRegistry,
  parseAnalyzerList,
  type AnalyzerDefinition,
  type AnalyzerHostOptions,
  type AudioInput,
  type ResultBatch,
} from '@aima/inference';

// Small analyzers that do real (if simple) work, to pin down the host's routing rules: a level
// meter over audio chunks, a threshold on its results, and a counter of both.
const Empty = z.object({}).strict();

const level: AnalyzerDefinition<{ gain: number }> = {
  id: 'level',
  version: '1',
  title: 'RMS level',
  description: 'RMS of each chunk',
  models: [],
  consumes: [{ kind: 'audio', sampleRate: 16000 }],
  config: z.object({ gain: z.number().default(1) }).strict(),
  defaultOn: true,
  produces: [{ table: 'levels', live: 'level', lane: 'loudness' }],
  async create(ctx, cfg) {
    return {
      async audio(c) {
        let s = 0;
        for (const x of c.samples) s += x * x;
        const rms = Math.sqrt(s / c.samples.length) * cfg.gain;
        ctx.pushLive({ kind: 'level', ts: c.ts, data: { rms } });
        await ctx.emit({ table: 'levels', rows: [{ ts: c.ts, rms }] });
      },
      async finish() {},
      async close() {},
    };
  },
};

const loud: AnalyzerDefinition<Record<string, never>> = {
  id: 'loud',
  version: '1',
  title: 'Loud moments',
  description: 'levels above 0.5',
  models: [],
  consumes: [{ kind: 'results', of: ['level'] }],
  config: Empty,
  defaultOn: false,
  produces: [{ table: 'loud', live: '', lane: 'none' }],
  async create(ctx) {
    return {
      async results(_from, b) {
        const rows = (b.rows as Array<{ ts: number; rms: number }>).filter((r) => r.rms > 0.5);
        if (rows.length) await ctx.emit({ table: 'loud', rows, transient: true });
      },
      async finish() {},
      async close() {},
    };
  },
};

const order: string[] = [];
const counter: AnalyzerDefinition<Record<string, never>> = {
  id: 'counter',
  version: '1',
  title: 'Counter',
  description: 'counts what reaches it',
  models: [],
  consumes: [
    { kind: 'results', of: ['level'] },
    { kind: 'results', of: ['loud'], optional: true },
  ],
  config: Empty,
  defaultOn: false,
  produces: [],
  async create() {
    let n = 0;
    return {
      async results(from) {
        n++;
        order.push(from);
      },
      async finish() {},
      summary: () => ({ n }),
      async close() {},
    };
  },
};

const broken: AnalyzerDefinition<Record<string, never>> = {
  id: 'broken',
  version: '1',
  title: 'Broken',
  description: 'fails on its third chunk',
  models: [],
  consumes: [{ kind: 'audio', sampleRate: 16000 }],
  config: Empty,
  defaultOn: true,
  produces: [],
  async create() {
    let n = 0;
    return {
      async audio() {
        if (++n === 3)
          throw Object.assign(new Error('codec went away\nstack noise'), { code: 'TEST_BROKEN' });
      },
      async finish() {},
      async close() {},
    };
  },
};

const registry = createAnalyzerRegistry([level, loud, counter, broken]);

function chunk(seq: number, amplitude: number): AudioInput {
  const samples = new Float32Array(1600);
  for (let i = 0; i < samples.length; i++) samples[i] = amplitude * Math.sin((2 * Math.PI * 440 * i) / 16000);
  return { seq, ptsMs: seq * 100, ts: 1_000_000 + seq * 100, sampleRate: 16000, samples };
}

function host(ids: string[] | null, extra: Partial<AnalyzerHostOptions> = {}) {
  const stored: Array<{ analyzer: string; batch: ResultBatch }> = [];
  const seen: Array<{ analyzer: string; table: string }> = [];
  const live: string[] = [];
  return {
    stored,
    seen,
    live,
    open: () =>
      createAnalyzerHost({
        sourceId: 's1',
        live: false,
        epochMs: 1_000_000,
        executionProvider: 'cpu',
        analyzers: registry.select(ids).map((def) => ({ def })),
        models: new Map(),
        session: () => Promise.reject(new Error('no models here')),
        store: async (analyzer, batch) => void stored.push({ analyzer, batch }),
        onBatch: (analyzer, b) => void seen.push({ analyzer, table: b.table }),
        onLive: (analyzer, m) => void live.push(`${analyzer}:${m.kind}`),
        ...extra,
      }),
  };
}

describe('analyzer registry', () => {
  it('adds required producers, keeps dependency order, leaves optional ones out', () => {
    expect(registry.select(['counter']).map((d) => d.id)).toEqual(['level', 'counter']);
    expect(registry.select(['counter', 'loud']).map((d) => d.id)).toEqual(['level', 'loud', 'counter']);
    expect(registry.select(null).map((d) => d.id)).toEqual(['level', 'broken']);
    expect(registry.select(['default', 'loud']).map((d) => d.id)).toEqual(['level', 'loud', 'broken']);
  });

  it('names an unknown analyzer with the known ones', () => {
    expect(() => registry.select(['level', 'lidar'])).toThrow(
      expect.objectContaining({ code: 'INFER_UNKNOWN_ANALYZER', message: expect.stringContaining('lidar') }),
    );
  });

  it('parses comma lists', () => {
    expect(parseAnalyzerList(' detect, Faces,,vad ,detect')).toEqual(['detect', 'faces', 'vad']);
  });
});

describe('analyzer host', () => {
  it('stores what analyzers emit, feeds consumers in order, keeps transient batches out of the store', async () => {
    order.length = 0;
    const h = host(['counter', 'loud']);
    const hst = await h.open();
    expect(hst.wantsAudio).toBe(true);
    expect(hst.wantsVideo).toBe(false);
    for (let i = 0; i < 6; i++) await hst.audio(chunk(i, i % 2 === 0 ? 0.9 : 0.1));
    await hst.finish();
    await hst.close();
    const levels = h.stored.filter((s) => s.batch.table === 'levels').flatMap((s) => s.batch.rows);
    expect(levels).toHaveLength(6);
    expect(levels.map((r) => (r as { ts: number }).ts)).toEqual(
      [0, 1, 2, 3, 4, 5].map((i) => 1_000_000 + i * 100),
    );
    // 'loud' rows are transient: seen by observers and consumers, never stored.
    expect(h.stored.some((s) => s.batch.table === 'loud')).toBe(false);
    expect(h.seen.filter((s) => s.table === 'loud')).toHaveLength(3);
    // loud (a consumer of level that feeds counter) handles each level batch before counter does,
    // so what loud derives from a chunk reaches counter before the chunk's own level (as a shot cut
    // reaches faces before the frame it cuts at).
    expect(order).toEqual(['loud', 'level', 'level', 'loud', 'level', 'level', 'loud', 'level', 'level']);
    expect(hst.summaries()['counter']).toEqual({ n: 9 });
    expect(h.live.filter((l) => l === 'level:level')).toHaveLength(6);
  });

  it('a failing analyzer stops alone, with its code and a one-line message', async () => {
    const failures: string[] = [];
    const h = host(['level', 'broken'], {
      onFailure: (f) => void failures.push(`${f.analyzer} ${f.code} ${f.message}`),
    });
    const hst = await h.open();
    for (let i = 0; i < 5; i++) await hst.audio(chunk(i, 0.2));
    await hst.finish();
    await hst.close();
    expect(failures).toEqual(['broken TEST_BROKEN codec went away']);
    expect(hst.failures).toHaveLength(1);
    expect(h.stored.flatMap((s) => s.batch.rows)).toHaveLength(5);
  });

  it('an analyzer that cannot start is reported and the others run', async () => {
    const h = host(['level', 'broken'], {
      unavailable: new Map([
        ['broken', Object.assign(new Error('model missing'), { code: 'MODEL_NOT_FOUND' })],
      ]),
    });
    const hst = await h.open();
    expect(hst.ids).toEqual(['level']);
    await hst.audio(chunk(0, 0.3));
    await hst.finish();
    await hst.close();
    expect(hst.failures).toEqual([{ analyzer: 'broken', code: 'MODEL_NOT_FOUND', message: 'model missing' }]);
    expect(h.stored).toHaveLength(1);
  });

  it('a bad config is refused before anything runs, naming the key', async () => {
    await expect(
      createAnalyzerHost({
        sourceId: 's1',
        live: false,
        epochMs: 0,
        executionProvider: 'cpu',
        analyzers: [{ def: level, config: { gain: 'loud' } }],
        models: new Map(),
        session: () => Promise.reject(new Error('none')),
        store: async () => undefined,
      }),
    ).rejects.toMatchObject({ code: 'INFER_BAD_CONFIG', message: expect.stringContaining('level.gain') });
  });

  it('live sources drop the oldest media input when an analyzer falls behind, and count it; results are kept', async () => {
    let release = (): void => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const slow: AnalyzerDefinition<Record<string, never>> = {
      ...broken,
      id: 'slow',
      async create(ctx) {
        return {
          async audio(c) {
            await gate;
            await ctx.emit({ table: 'slow', rows: [{ seq: c.seq }] });
          },
          async finish() {},
          async close() {},
        };
      },
    };
    const stored: number[] = [];
    const hst = await createAnalyzerHost({
      sourceId: 's1',
      live: true,
      epochMs: 0,
      executionProvider: 'cpu',
      analyzers: [{ def: slow }],
      models: new Map(),
      session: () => Promise.reject(new Error('none')),
      store: async (_a, b) => void stored.push(...b.rows.map((r) => (r as { seq: number }).seq)),
      queueLimit: 4,
    });
    for (let i = 0; i < 10; i++) await hst.audio(chunk(i, 0.1));
    release();
    await hst.finish();
    await hst.close();
    // The first chunk was running; of the 9 queued behind it only the newest 4 stay.
    expect(hst.dropped()['slow']).toBe(5);
    expect(stored).toEqual([0, 6, 7, 8, 9]);
  });
});
