// Issue 11 benchmark, rules: the safety analyzer's cost per rule window on synthetic inputs at
// realistic rates (6 persons at 2 fps through detect, pose features per track per second,
// restraint tags every 2 s, a sound event every 10 s, a transcript line every 5 s), against the
// floor: the same inputs iterated (every field read) without evaluation. Two measured paths: the
// bare engine, and the analyzer instance the jobs run (rows, transient assessments, live messages).
import { performance } from 'node:perf_hooks';
import {
  createSafetyEngine,
  loadRules,
  type AnalysisEvent,
  type AnalyzerContext,
  type AudioEventRow,
  type PoseFeatureRow,
  type ResultBatch,
  type TagRow,
  type RuleFile,
  type TranscriptSegmentRow,
} from '@aima/inference';
import { ANALYSIS_EVENTS, ANALYZERS } from '@aima/dashboard';

const MINUTES = Number(process.env.AIMA_BENCH_RULES_MINUTES ?? 10);
const PERSONS = 6;
const FPS = 2;
const ROUNDS = 5;
const RUNNING = ['detect', 'pose', 'tags', 'sounds', 'asr', 'safety'];

type Input = readonly [from: string, batch: ResultBatch];

/** The input batches of `MINUTES`, in the order a job would deliver them (second by second). */
function inputs(): Input[] {
  const out: Input[] = [];
  const seconds = MINUTES * 60;
  for (let k = 0; k < seconds; k++) {
    const t0 = k * 1000;
    const pose: PoseFeatureRow[] = [];
    for (let p = 1; p <= PERSONS; p++) {
      pose.push({ sourceId: 'b', trackId: p, startTs: t0 - 1000, endTs: t0, frames: FPS, posture: 'sitting', wristsTogether: p === 1 ? 1 : 0.1, wristsBehindBack: 0, armsAboveHead: 0, motionEnergy: p === 1 ? 0.01 : 0.4, immobileMs: p === 1 ? t0 : 0 }); // prettier-ignore
    }
    if (k > 0) out.push(['pose', { table: 'pose_features', rows: pose }]);
    if (k % 2 === 0) {
      const tags: TagRow[] = [1, 2, 3].map((p) => ({ sourceId: 'b', trackId: p, scope: 'wrists', category: 'restraint', tag: 'rope', score: 0.4, maxScore: 0.5, startTs: t0 - 2000, endTs: t0, frames: 4, modelId: 'clip', jobId: '' })); // prettier-ignore
      out.push(['tags', { table: 'tags', rows: tags }]);
    }
    if (k % 10 === 9) {
      const ev: AudioEventRow = { sourceId: 'b', eventId: `ev-${k}`, label: k % 20 === 9 ? 'scream' : 'speech', startTs: t0 - 800, endTs: t0, peakTs: t0 - 400, peakScore: 0.6, classes: ['Screaming'], modelId: 'm' }; // prettier-ignore
      out.push(['sounds', { table: 'audio_events', rows: [ev] }]);
    }
    if (k % 5 === 4) {
      const text = k % 15 === 4 ? 'please stop that now' : 'the weather is fine today';
      const words = text.split(' ').map((w, i) => ({ word: w, startTs: t0 - 2000 + i * 300, endTs: t0 - 1700 + i * 300, confidence: 0.8 })); // prettier-ignore
      const seg: TranscriptSegmentRow = { sourceId: 'b', segmentId: `seg-${k}`, startTs: t0 - 2000, endTs: t0, text, language: 'en', confidence: 0.8, engine: 'x', speakerId: '', personId: '', words }; // prettier-ignore
      out.push(['asr', { table: 'transcript_segments', rows: [seg] }]);
    }
    for (let f = 0; f < FPS; f++) {
      const ts = t0 + (f * 1000) / FPS;
      const detections = Array.from({ length: PERSONS }, (_, i) => ({ label: 'person', classId: 0, score: 0.8, box: [i * 50, 10, i * 50 + 40, 200] as [number, number, number, number], trackId: i + 1 })); // prettier-ignore
      const e: AnalysisEvent = { type: 'frame', frame: { seq: k * FPS + f, ts, ptsMs: ts, detections, timings: { preMs: 0, inferMs: 0, postMs: 0 } } }; // prettier-ignore
      out.push(['detect', { table: ANALYSIS_EVENTS, rows: [e] }]);
    }
  }
  return out;
}

/** Reads every field the engine would, without evaluating anything. */
function floor(all: readonly Input[]): number {
  let acc = 0;
  for (const [, b] of all) {
    for (const r of b.rows as Record<string, unknown>[]) {
      if (b.table === ANALYSIS_EVENTS) {
        const e = r as unknown as AnalysisEvent;
        if (e.type === 'frame')
          for (const d of e.frame.detections) acc += d.score + d.trackId + d.label.length;
      } else
        acc +=
          Number(r['endTs']) + Number(r['startTs']) + (typeof r['text'] === 'string' ? r['text'].length : 0);
    }
  }
  return acc;
}

async function engineRun(all: readonly Input[], rules: RuleFile): Promise<number> {
  const engine = createSafetyEngine({ sourceId: 'b', rules, running: RUNNING, safeWords: ['red light'] });
  let n = 0;
  for (const [, b] of all) {
    if (b.table === ANALYSIS_EVENTS)
      for (const e of b.rows as AnalysisEvent[]) if (e.type === 'frame') engine.frame(e.frame);
    if (b.table === 'pose_features') engine.poseFeatures(b.rows as PoseFeatureRow[]);
    if (b.table === 'tags') engine.tags(b.rows as TagRow[]);
    if (b.table === 'audio_events') engine.audioEvents(b.rows as AudioEventRow[]);
    if (b.table === 'transcript_segments') engine.transcript(b.rows as TranscriptSegmentRow[]);
    n += engine.advance().risks.length;
  }
  return n + engine.finish().risks.length;
}

/** Starts an analyzer instance (reads the rule file) and gives the timed part: feeding it everything. */
async function analyzerRun(all: readonly Input[]): Promise<() => Promise<number>> {
  const def = ANALYZERS.get('safety')!;
  let rows = 0;
  const ctx = {
    sourceId: 'b',
    live: true,
    epochMs: 0,
    running: RUNNING,
    emit: (batch: ResultBatch) => {
      rows += batch.rows.length;
      return Promise.resolve();
    },
    pushLive: () => {},
  } as unknown as AnalyzerContext;
  const inst = await def.create(ctx, def.config.parse({ safeWords: ['red light'] }));
  return async () => {
    for (const [from, b] of all) await inst.results!(from, b);
    await inst.finish();
    await inst.close();
    return rows;
  };
}

async function best(
  fn: () => Promise<unknown> | unknown,
  prepare?: () => Promise<() => Promise<unknown>>,
): Promise<number> {
  let min = Infinity;
  for (let i = 0; i < ROUNDS; i++) {
    const run = prepare ? await prepare() : fn;
    const t0 = performance.now();
    await run();
    min = Math.min(min, performance.now() - t0);
  }
  return min;
}

export async function benchRules(): Promise<Record<string, unknown>> {
  const all = inputs();
  const windows = MINUTES * 60;
  // One untimed pass of each first: the JIT, the rule file's first read.
  const rulesLoadMs = await best(() => loadRules());
  const { rules } = await loadRules();
  floor(all);
  await engineRun(all, rules);
  await (
    await analyzerRun(all)
  )();
  const floorMs = await best(() => floor(all));
  const engineMs = await best(() => engineRun(all, rules));
  const analyzerMs = await best(
    () => 0,
    () => analyzerRun(all),
  );
  const us = (ms: number): number => Math.round((ms * 10_000) / windows) / 10;
  const result = {
    windows,
    persons: PERSONS,
    fps: FPS,
    batches: all.length,
    floorUsPerWindow: us(floorMs),
    engineUsPerWindow: us(engineMs),
    analyzerUsPerWindow: us(analyzerMs),
    engineVsFloor: Math.round((engineMs / Math.max(floorMs, 1e-3)) * 10) / 10,
    /** Once per source: reading and validating the default YAML rule file. */
    rulesLoadMs: Math.round(rulesLoadMs * 10) / 10,
  };
  console.log(
    `rules: ${windows} windows (${PERSONS} persons, ${FPS} fps, audio + transcript): engine ${result.engineUsPerWindow} µs/window, analyzer ${result.analyzerUsPerWindow} µs/window, floor ${result.floorUsPerWindow} µs/window; rule file ${result.rulesLoadMs} ms once per source`,
  );
  return result;
}
