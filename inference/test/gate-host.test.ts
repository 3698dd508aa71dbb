// The minor-protection gate as the analyzer host applies it (minor-gate.ts + host.ts), with small
// in-test analyzers that do real work on real pixel buffers: 'faces' finds a "face" (a bright
// square) on each frame, 'age' reads its age from the pixel value, 'nsfw' (gated) counts the
// frames it got to look at. The real models run in dashboard/test/gate-*.test.ts.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  AGE_VERDICTS,
  createAnalyzerHost,
  frameVerdict,
  gateStartError,
  faceVerdict,
  requiredChain,
  type AnalyzerDefinition,
  type AnalyzerHostOptions,
  type AnyAnalyzerDefinition,
  type LiveResult,
  type QuarantineRow,
  type ResultBatch,
  type VideoInput,
} from '@aima/inference';

const Empty = z.object({}).strict();
const created: string[] = [];

const detect: AnalyzerDefinition = {
  id: 'detect', version: '1', title: 'd', description: 'd', models: [], config: Empty, defaultOn: true,
  consumes: [{ kind: 'video' }], produces: [{ table: 'frames', live: '', lane: 'none' }],
  async create(ctx) {
    created.push('detect');
    return {
      async video(f) {
        await ctx.emit({ table: 'frames', rows: [{ seq: f.seq, ts: f.ts, value: f.data[0]! }], transient: true });
      },
      async finish() {}, async close() {},
    };
  },
}; // prettier-ignore

const faces = (failCreate = false): AnalyzerDefinition => ({
  id: 'faces', version: '1', title: 'f', description: 'f', models: [], config: Empty, defaultOn: true,
  consumes: [{ kind: 'results', of: ['detect'] }], produces: [{ table: 'frame-faces', live: '', lane: 'none' }],
  async create(ctx) {
    if (failCreate) throw new Error('faces are off in this runtime');
    created.push('faces');
    return {
      async results(_from, b) {
        for (const r of b.rows as Array<{ seq: number; ts: number; value: number }>) {
          // A frame whose first byte is 0 has no face; otherwise one face aged <value>.
          const fs = r.value === 0 ? [] : [{ age: r.value }];
          await ctx.emit({ table: 'frame-faces', rows: [{ ...r, faces: fs }], transient: true });
        }
      },
      async finish() {}, async close() {},
    };
  },
}); // prettier-ignore

const age = (opts: { failAt?: number } = {}): AnalyzerDefinition => ({
  id: 'age', version: '1', title: 'a', description: 'a', models: [], config: Empty, defaultOn: false,
  consumes: [{ kind: 'results', of: ['faces'] }], produces: [{ table: AGE_VERDICTS, live: '', lane: 'none' }],
  async create(ctx) {
    created.push('age');
    return {
      async results(_from, b) {
        for (const r of b.rows as Array<{ seq: number; ts: number; faces: Array<{ age: number }> }>) {
          if (r.seq === opts.failAt) throw Object.assign(new Error('model crashed'), { code: 'INFER_FAILED' });
          const rows = r.faces.map((f) => ({ age: f.age === 255 ? null : f.age, verdict: faceVerdict(f.age === 255 ? null : f.age, 4) }));
          await ctx.emit({ table: AGE_VERDICTS, rows: [frameVerdict(r.seq, r.ts, rows, 22)], transient: true });
        }
      },
      async finish() {}, async close() {},
    };
  },
}); // prettier-ignore

function nsfw(seen: number[]): AnalyzerDefinition {
  return {
    id: 'nsfw', version: '1', title: 'n', description: 'n', models: [], config: Empty, defaultOn: false,
    gate: 'minor-protection',
    consumes: [{ kind: 'results', of: ['age'], tables: [AGE_VERDICTS] }],
    produces: [{ table: 'nsfw_scores', live: 'nsfw', lane: 'nsfw' }],
    async create(ctx) {
      created.push('nsfw');
      return {
        async results(_from, b) {
          for (const v of b.rows as Array<{ seq: number; verdict: string }>) {
            if (v.verdict !== 'clear') continue;
            seen.push(v.seq);
            await ctx.emit({ table: 'nsfw_scores', rows: [{ seq: v.seq }] });
          }
        },
        async finish() {}, async close() {},
      };
    },
  }; // prettier-ignore
}

function frame(seq: number, value: number): VideoInput {
  const data = new Uint8Array(8 * 8 * 3).fill(value);
  return {
    seq,
    ptsMs: seq * 100,
    ts: 1000 + seq * 100,
    width: 8,
    height: 8,
    format: 'rgb24',
    data,
    sourceWidth: 8,
    sourceHeight: 8,
  };
}

interface Run {
  stored: Array<{ analyzer: string; batch: ResultBatch }>;
  lives: Array<{ analyzer: string; msg: LiveResult }>;
  quarantines: QuarantineRow[];
  opts: AnalyzerHostOptions;
}

function options(defs: AnyAnalyzerDefinition[], more: Partial<AnalyzerHostOptions> = {}): Run {
  const run: Run = { stored: [], lives: [], quarantines: [], opts: null as unknown as AnalyzerHostOptions };
  run.opts = {
    sourceId: 'src', live: false, epochMs: 0, executionProvider: 'cpu',
    analyzers: defs.map((def) => ({ def })), models: new Map(),
    session: () => Promise.reject(new Error('no models here')),
    async store(analyzer, batch) { run.stored.push({ analyzer, batch }); },
    onLive: (analyzer, msg) => run.lives.push({ analyzer, msg }),
    onQuarantine: (q) => run.quarantines.push(q),
    ...more,
  }; // prettier-ignore
  return run;
}

describe('the gate at start (pure)', () => {
  const seen: number[] = [];
  const all = [detect, faces(), age(), nsfw(seen)];
  it('no gated analyzer: nothing to check', () =>
    expect(gateStartError([detect, faces()], new Map())).toBeNull());
  it('age chain complete and available: allowed', () => expect(gateStartError(all, new Map())).toBeNull());
  it('the chain age needs is every required producer, transitively', () =>
    expect([...requiredChain(all, 'age')].sort()).toEqual(['age', 'detect', 'faces']));
  it('refuses without age, without faces, or with a member unavailable', () => {
    expect(gateStartError([detect, nsfw(seen)], new Map())?.code).toBe('SAFETY_AGE_GATE_REQUIRED');
    expect(gateStartError([detect, age(), nsfw(seen)], new Map())?.message).toMatch(/needs faces/);
    const e = gateStartError(all, new Map([['age', new Error('MODEL_NOT_FOUND: ssrnet')]]));
    expect(e?.code).toBe('SAFETY_AGE_GATE_REQUIRED');
    expect(e?.message).toMatch(/age, which is unavailable/);
  });
});

describe('the gate in the analyzer host', () => {
  it('refuses to start nsfw without age: nothing is created, nothing analysed, nothing stored', async () => {
    created.length = 0;
    const seen: number[] = [];
    const run = options([detect, nsfw(seen)]);
    await expect(createAnalyzerHost(run.opts)).rejects.toMatchObject({ code: 'SAFETY_AGE_GATE_REQUIRED' });
    expect(created).toEqual([]);
    expect(run.stored).toEqual([]);
  });

  it('refuses when faces cannot be created (faces off in the runtime): the created ones are closed', async () => {
    created.length = 0;
    const seen: number[] = [];
    const run = options([detect, faces(true), age(), nsfw(seen)]);
    await expect(createAnalyzerHost(run.opts)).rejects.toMatchObject({
      code: 'SAFETY_AGE_GATE_REQUIRED',
      message: expect.stringMatching(/faces, which failed to start/),
    });
    expect(created).toEqual(['detect']);
    expect(run.stored).toEqual([]);
  });

  it('refuses when age is unavailable (its model missing)', async () => {
    const run = options([detect, faces(), age(), nsfw([])], {
      unavailable: new Map([['age', new Error('model ssrnet not found')]]),
    });
    await expect(createAnalyzerHost(run.opts)).rejects.toMatchObject({ code: 'SAFETY_AGE_GATE_REQUIRED' });
  });

  it('adults and empty frames pass; the first minor stops nsfw at once and quarantines the source', async () => {
    const seen: number[] = [];
    const run = options([detect, faces(), age(), nsfw(seen)]);
    const host = await createAnalyzerHost(run.opts);
    // ages: 40, no face, 30, 12 (minor), 50 (after the stop: never looked at).
    for (const [i, v] of [40, 0, 30, 12, 50].entries()) await host.video(frame(i, v));
    await host.finish();
    await host.close();
    expect(seen).toEqual([0, 1, 2]);
    expect(host.failures).toEqual([
      expect.objectContaining({
        analyzer: 'nsfw',
        code: 'SAFETY_MINOR_STOP',
        message: expect.stringMatching(/12\.0 years/),
      }),
    ]);
    const q = run.stored
      .filter((s) => s.batch.table === 'quarantines')
      .flatMap((s) => s.batch.rows) as QuarantineRow[];
    expect(q).toEqual([
      expect.objectContaining({
        sourceId: 'src',
        code: 'SAFETY_MINOR_DETECTED',
        age: 12,
        threshold: 22,
        analyzer: 'nsfw',
        ts: 1300,
      }),
    ]);
    const audit = run.stored.filter((s) => s.batch.table === 'audit_events').flatMap((s) => s.batch.rows);
    expect(audit).toEqual([
      expect.objectContaining({
        actor: 'system',
        action: 'quarantine',
        subjectKind: 'source',
        subjectId: 'src',
      }),
    ]);
    expect(run.quarantines).toEqual(q);
    expect(run.lives.filter((l) => l.msg.kind === 'quarantine')).toHaveLength(1);
    // nsfw stored rows for the three clear frames only.
    expect(
      run.stored.filter((s) => s.batch.table === 'nsfw_scores').flatMap((s) => s.batch.rows),
    ).toHaveLength(3);
    expect(host.has('detect') && host.has('age')).toBe(true);
  });

  it('a face that cannot be aged quarantines with SAFETY_AGE_UNKNOWN', async () => {
    const seen: number[] = [];
    const run = options([detect, faces(), age(), nsfw(seen)]);
    const host = await createAnalyzerHost(run.opts);
    for (const [i, v] of [40, 255, 40].entries()) await host.video(frame(i, v));
    await host.finish();
    await host.close();
    expect(seen).toEqual([0]);
    expect(run.quarantines.map((q) => q.code)).toEqual(['SAFETY_AGE_UNKNOWN']);
    expect(host.failures.map((f) => f.code)).toEqual(['SAFETY_MINOR_STOP']);
  });

  it('a skipped frame (pixels dropped before age saw them) is never classified and quarantines nothing', async () => {
    const seen: number[] = [];
    const skipping: AnalyzerDefinition = {
      ...age(),
      async create(ctx) {
        return {
          async results(_from, b) {
            for (const r of b.rows as Array<{ seq: number; ts: number; faces: Array<{ age: number }> }>) {
              const rows = r.faces.map((f) => ({ age: f.age, verdict: faceVerdict(f.age, 4) }));
              const v = r.seq === 1
                ? { seq: r.seq, ts: r.ts, faces: r.faces.length, minAge: null, verdict: 'skipped' as const }
                : frameVerdict(r.seq, r.ts, rows, 22);
              await ctx.emit({ table: AGE_VERDICTS, rows: [v], transient: true });
            }
          },
          async finish() {}, async close() {},
        };
      },
    }; // prettier-ignore
    const run = options([detect, faces(), skipping, nsfw(seen)]);
    const host = await createAnalyzerHost(run.opts);
    for (const [i, v] of [40, 40, 40].entries()) await host.video(frame(i, v));
    await host.finish();
    await host.close();
    expect(seen).toEqual([0, 2]);
    expect(run.quarantines).toEqual([]);
    expect(host.failures).toEqual([]);
  });

  it('age failing mid-run stops nsfw with SAFETY_AGE_GATE_FAILED and quarantines', async () => {
    const seen: number[] = [];
    const run = options([detect, faces(), age({ failAt: 1 }), nsfw(seen)]);
    const host = await createAnalyzerHost(run.opts);
    for (const [i, v] of [40, 40, 40].entries()) await host.video(frame(i, v));
    await host.finish();
    await host.close();
    expect(seen).toEqual([0]);
    expect(host.failures.map((f) => `${f.analyzer}:${f.code}`).sort()).toEqual([
      'age:INFER_FAILED',
      'nsfw:SAFETY_AGE_GATE_FAILED',
    ]);
    await new Promise((r) => setTimeout(r, 0));
    expect(run.quarantines.map((q) => q.code)).toEqual(['SAFETY_AGE_GATE_FAILED']);
    expect(run.stored.some((s) => s.batch.table === 'quarantines')).toBe(true);
  });

  it('without a gated analyzer, a minor face quarantines nothing (the gate guards NSFW analysis)', async () => {
    const run = options([detect, faces(), age()]);
    const host = await createAnalyzerHost(run.opts);
    await host.video(frame(0, 12));
    await host.finish();
    await host.close();
    expect(run.quarantines).toEqual([]);
    expect(host.failures).toEqual([]);
  });
});
