// The safety analyzer definition as the host runs it (createHarness), fed synthetic results of
// detect (analysis events), pose (pose_features) and sounds: what it emits to the store, to its
// dependents (the transient assessment) and to live viewers; its config and rule-file errors.
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SAFETY_ASSESSMENT,
  type AnalysisEvent,
  type PoseFeatureRow,
  type RiskRow,
  type SafetyAssessment,
  type SafetyEventRow,
} from '@aima/inference';
import { createHarness } from '../../inference/test/helpers-analyzer.ts';
import { ANALYSIS_EVENTS } from '../src/analyzers/detect.ts';
import { safetyAnalyzer } from '../src/analyzers/safety.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'aima-safety-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const EPOCH = 1_700_000_000_000;
const frame = (k: number, persons: number): AnalysisEvent => ({
  type: 'frame',
  frame: {
    seq: k,
    ts: EPOCH + k * 500,
    ptsMs: k * 500,
    detections: Array.from({ length: persons }, (_, i) => ({ label: 'person', classId: 0, score: 0.9, box: [0, 0, 10, 10] as [number, number, number, number], trackId: i + 1 })), // prettier-ignore
    timings: { preMs: 0, inferMs: 0, postMs: 0 },
  },
});
const features = (s: number): PoseFeatureRow => ({
  sourceId: 'cam',
  trackId: 1,
  startTs: EPOCH + s * 1000,
  endTs: EPOCH + (s + 1) * 1000,
  frames: 2,
  posture: 'sitting',
  wristsTogether: 0,
  wristsBehindBack: 1,
  armsAboveHead: 0,
  motionEnergy: 0.01,
  immobileMs: 0,
});

describe('safety analyzer', () => {
  it('live: restrained from pose features, events opened and closed, risk rows, assessments, live kinds', async () => {
    const h = await createHarness(
      safetyAnalyzer,
      {},
      { sourceId: 'cam', live: true, running: ['detect', 'pose', 'safety'] },
    );
    for (let k = 0; k < 40; k++) {
      if (k % 2 === 0 && k < 24)
        await h.instance.results!('pose', { table: 'pose_features', rows: [features(k / 2)] });
      await h.instance.results!('detect', { table: ANALYSIS_EVENTS, rows: [frame(k, 2)] });
    }
    await h.instance.finish();
    const events = h.rows<SafetyEventRow>('safety_events');
    const restrained = events.filter((e) => e.rule === 'restrained');
    // Posture alone (tags not running): on 3 s after the first window. The last row (11–12 s) stays
    // usable for poseStaleMs (3 s): the condition holds through window [13 s, 14 s), off 3 s later.
    expect(restrained.map((e) => [e.open, e.startTs - EPOCH, e.endTs - EPOCH])).toEqual([
      [true, 0, 3000],
      [false, 0, 14000],
    ]);
    expect(restrained[1]!.version).toBeGreaterThan(restrained[0]!.version);
    // Still for 10 s from the moment it was restrained (window [2 s, 3 s)).
    expect(events.filter((e) => e.rule === 'immobility').map((e) => [e.open, e.startTs - EPOCH])).toEqual([
      [true, 2000],
      [false, 2000],
    ]);
    const risks = h.rows<RiskRow>('risk_scores');
    // Frames reach 19.5 s; live evaluation trails one window; finish evaluates the rest.
    expect(risks.map((r) => r.ts - EPOCH)).toEqual(Array.from({ length: 20 }, (_, i) => (i + 1) * 1000));
    expect(risks.find((r) => r.ts === EPOCH + 5000)).toMatchObject({ score: 0.35, states: ['restrained'] });
    expect(risks.find((r) => r.ts === EPOCH + 12000)).toMatchObject({
      score: 0.6,
      states: ['restrained', 'immobility'],
    });
    const transient = h.batches.filter((b) => b.table === SAFETY_ASSESSMENT);
    expect(transient.every((b) => b.transient === true)).toBe(true);
    const assessments = transient.flatMap((b) => b.rows as SafetyAssessment[]);
    expect(assessments).toHaveLength(20);
    expect(assessments.find((a) => a.ts === EPOCH + 5000)!.restraint).toEqual({
      likely: true,
      score: 1,
      cues: ['wrists-behind-back'],
    });
    // Two people in view: never alone. Distress is inactive without sounds/asr.
    expect(events.some((e) => e.rule === 'alone')).toBe(false);
    expect(assessments.at(-1)!.inactive).toEqual(['distress-audio']);
    const kinds = new Set(h.lives.map((l) => l.kind));
    expect(kinds).toEqual(new Set(['safety', 'safety-event']));
    expect(
      h.lives.filter((l) => l.kind === 'safety-event').map((l) => (l.data as SafetyEventRow).eventId),
    ).toEqual(events.map((e) => e.eventId));
    expect(h.instance.summary!()).toMatchObject({
      windows: 20,
      restrained: 1,
      immobility: 1,
      inactive: ['distress-audio'],
    });
    await h.close();
  });

  it('files wait 8 s before evaluating a window (late audio counts in place); lagMs overrides', async () => {
    for (const [cfg, expected] of [
      [{}, 11],
      [{ lagMs: 0 }, 19],
    ] as const) {
      const h = await createHarness(safetyAnalyzer, cfg, {
        sourceId: 'f',
        live: false,
        running: ['detect', 'pose', 'sounds', 'safety'],
      });
      for (let k = 0; k < 40; k++)
        await h.instance.results!('detect', { table: ANALYSIS_EVENTS, rows: [frame(k, 1)] });
      expect(h.rows<RiskRow>('risk_scores')).toHaveLength(expected);
      await h.instance.finish();
      expect(h.rows<RiskRow>('risk_scores')).toHaveLength(20);
      await h.close();
    }
  });

  it('refuses a bad config or rule file with the key named', async () => {
    await expect(createHarness(safetyAnalyzer, { safeWords: [''] })).rejects.toThrow();
    const file = path.join(dir, 'bad.json');
    await writeFile(
      file,
      JSON.stringify({
        version: 1,
        rules: [{ id: 'x', kind: 'alone', severity: 'loud', weight: 1, onMs: 0, offMs: 0 }],
      }),
    );
    await expect(createHarness(safetyAnalyzer, { rulesFile: file })).rejects.toMatchObject({
      code: 'SAFETY_BAD_RULES',
      message: expect.stringContaining('rules[0].severity'),
    });
  });
});
