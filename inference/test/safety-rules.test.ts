// The safety rule engine on synthetic detection / pose-feature / tag / audio-event / transcript
// sequences with known answers: each rule, the hysteresis, the risk score, rule-file validation.
import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import {
  createSafetyEngine,
  DEFAULT_RULES_URL,
  HYSTERESIS_INITIAL,
  loadRules,
  parseRules,
  stepHysteresis,
  type AudioEventRow,
  type EngineOutput,
  type PoseFeatureRow,
  type RuleFile,
  type SafetyEngine,
  type SafetyEventRow,
  type TagRow,
  type TranscriptSegmentRow,
} from '@aima/inference';

const { rules: DEFAULT } = await loadRules();
const ALL = ['detect', 'pose', 'tags', 'sounds', 'asr', 'safety'];

function collect(outs: EngineOutput[]): EngineOutput {
  return {
    events: outs.flatMap((o) => o.events),
    risks: outs.flatMap((o) => o.risks),
    assessments: outs.flatMap((o) => o.assessments),
  };
}

const pose = (trackId: number, k: number, f: Partial<PoseFeatureRow> = {}): PoseFeatureRow => ({
  sourceId: 's',
  trackId,
  startTs: k * 1000,
  endTs: (k + 1) * 1000,
  frames: 2,
  posture: 'sitting',
  wristsTogether: 0,
  wristsBehindBack: 0,
  armsAboveHead: 0,
  motionEnergy: 0.5,
  immobileMs: 0,
  ...f,
});

const tag = (trackId: number, k: number, t: string, scope: TagRow['scope'], score: number): TagRow => ({
  sourceId: 's',
  trackId,
  scope,
  category: 'restraint',
  tag: t,
  score,
  maxScore: score,
  startTs: k * 1000,
  endTs: (k + 1) * 1000,
  frames: 2,
  modelId: 'fixture',
  jobId: '',
});

interface Step {
  /** Persons in view at this second (frames at k·1000 and k·1000+500). */
  persons?: number;
  pose?: Partial<PoseFeatureRow>;
  tags?: TagRow[];
  audio?: AudioEventRow[];
  transcript?: TranscriptSegmentRow[];
}

/** Feeds second k of a timeline: late inputs (pose/tags/audio/words) first, then the frames. */
function run(engine: SafetyEngine, seconds: number, at: (k: number) => Step): EngineOutput {
  const outs: EngineOutput[] = [];
  for (let k = 0; k < seconds; k++) {
    const s = at(k);
    if (s.pose) engine.poseFeatures([pose(7, k, s.pose)]);
    if (s.tags) engine.tags(s.tags);
    if (s.audio) engine.audioEvents(s.audio);
    if (s.transcript) engine.transcript(s.transcript);
    for (const ts of [k * 1000, k * 1000 + 500]) {
      const n = s.persons ?? 1;
      const detections = Array.from({ length: n }, (_, i) => ({
        label: 'person',
        score: 0.9,
        trackId: 7 + i,
      }));
      engine.frame({ ts, detections: [...detections, { label: 'chair', score: 0.9, trackId: 50 }] });
      outs.push(engine.advance());
    }
  }
  outs.push(engine.finish());
  return collect(outs);
}

const engineFor = (running: string[], rules: RuleFile = DEFAULT, safeWords: string[] = []): SafetyEngine =>
  createSafetyEngine({ sourceId: 's', rules, running, safeWords });

const of = (events: SafetyEventRow[], rule: string): SafetyEventRow[] =>
  events.filter((e) => e.rule === rule);

describe('alone', () => {
  it('opens after exactly onMs of one person and closes offMs after a second person came', () => {
    const out = run(engineFor(['detect']), 30, (k) => ({ persons: k < 20 ? 1 : 2 }));
    const ev = of(out.events, 'alone');
    expect(ev.map((e) => [e.open, e.startTs, e.endTs, e.version > 0])).toEqual([
      [true, 0, 10000, true],
      [false, 0, 20000, true],
    ]);
    expect(ev[0]!.severity).toBe('info');
    expect(ev[1]!.evidence.keyframes[0]).toBe(0);
    expect(ev[1]!.evidence.tracks).toEqual([7]);
    const risk = new Map(out.risks.map((r) => [r.ts, r]));
    expect(risk.get(9000)!.score).toBe(0);
    expect(risk.get(10000)!.score).toBe(0.1);
    expect(risk.get(10000)!.states).toEqual(['alone']);
    // Off delay: the rule still holds (and counts) until 3 s after the second person appeared.
    expect(risk.get(22000)!.states).toEqual(['alone']);
    expect(risk.get(23000)!.states).toEqual([]);
    expect(out.assessments.find((a) => a.ts === 10000)!.supervision).toEqual({ alone: true, aloneMs: 10000 });
  });

  it('does not fire with nobody or with two people, and not before onMs', () => {
    expect(of(run(engineFor(['detect']), 30, () => ({ persons: 2 })).events, 'alone')).toEqual([]);
    expect(of(run(engineFor(['detect']), 30, () => ({ persons: 0 })).events, 'alone')).toEqual([]);
    expect(of(run(engineFor(['detect']), 9, () => ({ persons: 1 })).events, 'alone')).toEqual([]);
  });
});

describe('restrained', () => {
  it('posture alone fires when tags do not run (onMs 3 s), and closes offMs after it ended', () => {
    const out = run(engineFor(['detect', 'pose']), 20, (k) => ({
      persons: 2,
      pose: { wristsBehindBack: k < 10 ? 1 : 0 },
    }));
    const ev = of(out.events, 'restrained');
    expect(ev.map((e) => [e.open, e.startTs, e.endTs, e.score])).toEqual([
      [true, 0, 3000, 1],
      [false, 0, 10000, 1],
    ]);
    expect(ev[1]!.evidence.tracks).toEqual([7]);
    expect(out.assessments.find((a) => a.ts === 5000)!.restraint).toEqual({
      likely: true,
      score: 1,
      cues: ['wrists-behind-back'],
    });
    expect(out.risks.find((r) => r.ts === 5000)!.score).toBe(0.35);
  });

  it('hands together alone is not restraint; together and above the head is (noisy-or of the cues)', () => {
    const together = run(engineFor(['detect', 'pose']), 10, () => ({
      persons: 2,
      pose: { wristsTogether: 1 },
    }));
    expect(of(together.events, 'restrained')).toEqual([]);
    expect(together.assessments.at(-1)!.restraint.score).toBe(0.5);
    const overhead = run(engineFor(['detect', 'pose']), 10, () => ({
      persons: 2,
      pose: { wristsTogether: 1, armsAboveHead: 1 },
    }));
    expect(of(overhead.events, 'restrained')[0]).toMatchObject({ open: true, startTs: 0, score: 0.75 });
    expect(overhead.assessments.at(-1)!.restraint.cues).toEqual(['wrists-together', 'arms-above-head']);
  });

  it('with tags running, posture needs a restraint tag near the wrists (weights from the file)', () => {
    const posture = { wristsBehindBack: 1 };
    const bare = run(engineFor(ALL), 10, () => ({ persons: 2, pose: posture }));
    expect(of(bare.events, 'restrained')).toEqual([]); // 0.5 × 1 < onScore 0.6
    expect(bare.assessments.at(-1)!.restraint.score).toBe(0.5);
    const clothing = { ...tag(7, 0, 'latex', 'person', 0.9), category: 'clothing' as const };
    const roped = run(engineFor(ALL), 10, (k) => ({
      persons: 2,
      pose: posture,
      tags: [tag(7, k, 'rope', 'wrists', 0.5), clothing],
    }));
    const ev = of(roped.events, 'restrained');
    expect(ev[0]!.score).toBe(0.75); // 0.5 × 1 + 0.5 × 0.5
    expect(roped.assessments.at(-1)!.restraint.cues).toEqual(['wrists-behind-back', 'tag:rope@wrists']);
    // A person-scope tag counts less (scope weight 0.6): 0.5 + 0.5 × 0.5 × 0.6 = 0.65.
    const person = run(engineFor(ALL), 10, (k) => ({
      persons: 2,
      pose: posture,
      tags: [tag(7, k, 'cuffs', 'person', 0.5)],
    }));
    expect(of(person.events, 'restrained')[0]!.score).toBe(0.65);
    // A tag below minScore (0.25) is ignored.
    const weak = run(engineFor(ALL), 10, (k) => ({
      persons: 2,
      pose: posture,
      tags: [tag(7, k, 'rope', 'wrists', 0.2)],
    }));
    expect(of(weak.events, 'restrained')).toEqual([]);
  });
});

describe('unsupervised restraint and immobility', () => {
  it('restrained ∧ alone for 5 s; risk sums the weights of the rules that are on', () => {
    const out = run(engineFor(['detect', 'pose']), 20, () => ({ persons: 1, pose: { wristsBehindBack: 1 } }));
    const ev = of(out.events, 'unsupervised-restraint');
    // alone turns on at 10 s (during window [9 s, 10 s)); 5 s later the composite opens.
    expect(ev.map((e) => [e.open, e.startTs, e.endTs, e.severity])).toEqual([
      [true, 9000, 14000, 'critical'],
      [false, 9000, 20000, 'critical'],
    ]);
    const risk = new Map(out.risks.map((r) => [r.ts, r.score]));
    expect(risk.get(3000)).toBe(0.35);
    expect(risk.get(10000)).toBe(0.45);
    expect(risk.get(14000)).toBe(0.75);
  });

  it('immobility: a still restrained person for 10 s; immobileMs dates the onset back', () => {
    const still = run(engineFor(['detect', 'pose']), 16, () => ({
      persons: 2,
      pose: { wristsBehindBack: 1, motionEnergy: 0 },
    }));
    // restrained on at 3 s (window [2 s, 3 s)): stillness counted from then, on 10 s later.
    expect(of(still.events, 'immobility')[0]).toMatchObject({ open: true, startTs: 2000, endTs: 12000 });
    const dated = run(engineFor(['detect', 'pose']), 16, (k) => ({
      persons: 2,
      pose: { wristsBehindBack: 1, motionEnergy: 0, immobileMs: (k + 1) * 1000 },
    }));
    expect(of(dated.events, 'immobility')[0]).toMatchObject({ open: true, startTs: 0, endTs: 10000 });
    const moving = run(engineFor(['detect', 'pose']), 16, () => ({
      persons: 2,
      pose: { wristsBehindBack: 1, motionEnergy: 0.3 },
    }));
    expect(of(moving.events, 'immobility')).toEqual([]);
    const free = run(engineFor(['detect', 'pose']), 16, () => ({
      persons: 2,
      pose: { motionEnergy: 0, immobileMs: 60000 },
    }));
    expect(free.events).toEqual([]);
    expect(free.assessments.at(-1)!.immobility.maxImmobileMs).toBe(60000);
  });
});

const audio = (label: string, startTs: number, endTs: number, n = 1): AudioEventRow => ({
  sourceId: 's',
  eventId: `ev-${n}`,
  label,
  startTs,
  endTs,
  peakTs: startTs,
  peakScore: 0.7,
  classes: [],
  modelId: 'sounds',
});

function segment(id: string, text: string, startTs: number, endTs: number): TranscriptSegmentRow {
  const words = text.split(' ').map((w, i, all) => {
    const d = (endTs - startTs) / all.length;
    return { word: w, startTs: startTs + i * d, endTs: startTs + (i + 1) * d, confidence: 0.9 };
  });
  return {
    sourceId: 's',
    segmentId: id,
    startTs,
    endTs,
    text,
    language: 'en',
    confidence: 0.9,
    engine: 'x',
    speakerId: '',
    personId: '',
    words,
  };
}

describe('distress audio', () => {
  it('a crying event arriving late opens at its own start, holds holdMs past its arrival, closes offMs later', () => {
    const out = run(engineFor(['detect', 'sounds']), 20, (k) => ({
      persons: 2,
      audio: k === 9 ? [audio('crying', 5200, 7400), audio('dog', 5000, 9000, 2)] : undefined,
    }));
    const ev = of(out.events, 'distress-audio');
    // Arrived when windows up to 7 s were evaluated: active from there until 7 s + 2 s hold, so true
    // through window [9 s, 10 s); off 3 s later.
    expect(ev.map((e) => [e.open, e.startTs, e.endTs, e.score])).toEqual([
      [true, 5200, 8000, 0.8],
      [false, 5200, 10000, 0.8],
    ]);
    // Only configured labels are cues (dog is not; nor a label that names an Object property).
    expect(ev[1]!.evidence.audio).toEqual([{ label: 'crying', startTs: 5200, endTs: 7400 }]);
    const odd = run(engineFor(['detect', 'sounds']), 5, () => ({
      persons: 2,
      audio: [audio('constructor', 0, 900)],
    }));
    expect(odd.events).toEqual([]);
    expect(out.risks.find((r) => r.ts === 10000)!.score).toBe(0.32);
    expect(out.assessments.find((a) => a.ts === 10000)!.distress).toEqual({
      likely: true,
      sounds: ['crying'],
      words: [],
    });
  });

  it('words on word boundaries ("no" not in "know"), safe words withdraw consent, transcript lines as evidence', () => {
    const e1 = run(engineFor(['detect', 'asr']), 10, (k) => ({
      persons: 2,
      transcript: k === 3 ? [segment('seg-1', 'I know nothing about it', 1000, 2500)] : undefined,
    }));
    expect(e1.events).toEqual([]);
    const e2 = run(engineFor(['detect', 'asr'], DEFAULT, ['Forward']), 12, (k) => ({
      persons: 2,
      transcript:
        k === 3
          ? [
              segment('seg-1', 'go forward ten meters', 1000, 3000),
              segment('seg-2', 'please HELP, now', 2000, 2600),
            ]
          : undefined,
    }));
    const ev = of(e2.events, 'distress-audio');
    // "forward" (1.5–2 s, the second of four words) falls in window [1 s, 2 s): the event starts with it.
    expect(ev[0]).toMatchObject({ open: true, startTs: 1000, score: 1 });
    expect(ev[1]!.evidence.transcript.map((t) => [t.segmentId, t.text])).toEqual([
      ['seg-1', 'go forward ten meters'],
      ['seg-2', 'please HELP, now'],
    ]);
    const a = e2.assessments.find((x) => x.ts === 4000)!;
    expect(a.distress.words).toEqual(['forward', 'help']);
    expect(a.consent).toEqual({ withdrawn: true, cues: ['forward'] });
  });

  it('is inactive (reported, never evaluated) when neither sounds nor asr runs', () => {
    const engine = engineFor(['detect']);
    expect(engine.inactive).toEqual(['restrained', 'unsupervised-restraint', 'distress-audio', 'immobility']);
    const out = run(engine, 3, () => ({ persons: 2, audio: [audio('scream', 0, 900)] }));
    expect(out.events).toEqual([]);
    expect(out.assessments.at(-1)!.inactive).toEqual(engine.inactive);
  });

  it('keeps evidence bounded on a long event', () => {
    const out = run(engineFor(['detect', 'sounds']), 45, (k) => ({
      persons: 2,
      audio: [audio('scream', k * 1000, k * 1000 + 400, k)],
    }));
    const closed = of(out.events, 'distress-audio').find((e) => !e.open)!;
    expect(closed.evidence.audio).toHaveLength(16);
    expect(closed.evidence.audio[0]!.startTs).toBe(0);
    expect(closed.evidence.audio[15]!.startTs).toBe(44000);
  });
});

describe('hysteresis', () => {
  const spec = { onMs: 3000, offMs: 2000, onScore: 0.6, offScore: 0.4 };
  function drive(scores: number[]): string[] {
    let s = HYSTERESIS_INITIAL;
    return scores.map((score, k) => {
      const r = stepHysteresis(s, spec, k * 1000, (k + 1) * 1000, score);
      s = r.state;
      return r.transition === 'none' ? s.phase : r.transition;
    });
  }

  it('turns on exactly onMs after the condition began and off exactly offMs after it ended', () => {
    expect(drive([1, 1, 1, 1, 0, 0, 1])).toEqual([
      'pending',
      'pending',
      'opened',
      'on',
      'releasing',
      'closed',
      'pending',
    ]);
  });

  it('does not flicker on an alternating input, off or on', () => {
    expect(drive([1, 0, 1, 0, 1, 0, 1, 0, 1, 0])).not.toContain('opened');
    const on = drive([1, 1, 1, 0, 1, 0, 1, 0, 1, 0, 1]);
    expect(on.filter((x) => x === 'opened')).toHaveLength(1);
    expect(on).not.toContain('closed');
  });

  it('separate score thresholds: 0.5 does not start it, but holds it once on', () => {
    expect(drive([0.5, 0.5, 0.5, 0.5])).toEqual(['off', 'off', 'off', 'off']);
    expect(drive([0.7, 0.7, 0.7, 0.45, 0.45, 0.3, 0.3])).toEqual([
      'pending',
      'pending',
      'opened',
      'on',
      'on',
      'releasing',
      'closed',
    ]);
  });

  it('the engine does not flicker either: an alternating person count never turns alone on', () => {
    const out = run(engineFor(['detect']), 40, (k) => ({ persons: k % 2 === 0 ? 1 : 2 }));
    expect(out.events).toEqual([]);
  });
});

describe('risk weights and rule files', () => {
  it('risk = clamp(Σ weight × score of the rules on) with the weights in the file', () => {
    const rules = parseRules(
      JSON.stringify({
        version: 1,
        rules: [
          {
            id: 'alone',
            kind: 'alone',
            severity: 'info',
            weight: 0.7,
            onMs: 0,
            offMs: 0,
            onScore: 1,
            offScore: 1,
          },
          {
            id: 'noise',
            kind: 'distress',
            severity: 'warning',
            weight: 0.6,
            onMs: 0,
            offMs: 0,
            sounds: { dog: 0.5 },
            words: {},
            safeWordScore: 1,
            holdMs: 0,
          },
        ],
      }),
    );
    const out = run(engineFor(['detect', 'sounds'], rules), 6, (k) => ({
      persons: 1,
      audio: k === 2 ? [audio('dog', 2000, 2800)] : undefined,
    }));
    const risk = new Map(out.risks.map((r) => [r.ts, r.score]));
    expect(risk.get(1000)).toBe(0.7);
    expect(risk.get(3000)).toBe(1); // 0.7 + 0.6 × 0.5 = 1.0
    expect(risk.get(5000)).toBe(0.7);
  });

  it('a gap (reconnect) closes open events and restarts the windows', () => {
    const engine = engineFor(['detect']);
    const first = run(engine, 12, () => ({ persons: 1 }));
    expect(of(first.events, 'alone').map((e) => e.open)).toEqual([true, false]);
    const again = engineFor(['detect']);
    for (let k = 0; k < 24; k++) {
      again.frame({ ts: k * 500, detections: [{ label: 'person', score: 0.9, trackId: 1 }] });
      again.advance();
    }
    const cut = again.gap();
    expect(cut.events.map((e) => [e.rule, e.open, e.endTs])).toEqual([['alone', false, 12000]]);
    // After the gap the condition must hold onMs again before the rule turns on.
    for (let k = 0; k < 10; k++)
      again.frame({ ts: 60_000 + k * 500, detections: [{ label: 'person', score: 0.9, trackId: 1 }] });
    expect(again.finish().events).toEqual([]);
  });

  it('a single frame still yields one window and an assessment (the seed API)', () => {
    const engine = engineFor(ALL);
    engine.frame({ ts: 1234, detections: [{ label: 'person', score: 0.8, trackId: 0 }] });
    const out = engine.finish();
    expect(out.assessments.map((a) => [a.ts, a.persons])).toEqual([[2000, 1]]);
    expect(engine.last).toEqual(out.assessments[0]);
  });

  it('the default file is valid YAML with the five rules', async () => {
    expect(DEFAULT.rules.map((r) => [r.id, r.kind])).toEqual([
      ['restrained', 'restrained'],
      ['alone', 'alone'],
      ['unsupervised-restraint', 'all'],
      ['distress-audio', 'distress'],
      ['immobility', 'immobility'],
    ]);
    const text = await readFile(DEFAULT_RULES_URL, 'utf8');
    expect(parseRules(text, 'yaml')).toEqual(DEFAULT);
  });

  it('errors name the exact key (YAML and JSON)', async () => {
    const text = await readFile(DEFAULT_RULES_URL, 'utf8');
    const yaml = text.replace('onScore: 0.6', 'onScor: 0.6');
    const bad = (text: string, fmt: 'json' | 'yaml' | 'auto' = 'auto'): string => {
      try {
        parseRules(text, fmt, 'my.rules');
      } catch (err) {
        expect((err as { code: string }).code).toBe('SAFETY_BAD_RULES');
        return (err as Error).message;
      }
      throw new Error('accepted');
    };
    expect(bad(yaml)).toBe('my.rules: rules[0].onScor: unknown key');
    const json = JSON.parse(JSON.stringify(DEFAULT)) as { rules: Record<string, unknown>[] };
    json.rules[1]!.onScore = 'high';
    expect(bad(JSON.stringify(json))).toBe('my.rules: rules[1].onScore: Expected number, received string');
    json.rules[1]!.onScore = 1;
    json.rules[2]!.of = ['restrained', 'nobody'];
    expect(bad(JSON.stringify(json))).toBe(
      'my.rules: rules[2].of[1]: "nobody" is not a rule defined earlier',
    );
    json.rules[2]!.of = ['restrained'];
    json.rules[4]!.of = 'alone';
    expect(bad(JSON.stringify(json), 'json')).toBe('my.rules: rules[4].of: "alone" is not a restrained rule');
    expect(bad(text.replace('kind: alone', 'kind: lonely'))).toMatch(
      /^my\.rules: rules\[1\]\.kind: Invalid discriminator value/,
    );
    expect(bad(text.replace('offScore: 0.4', 'offScore: 0.9'))).toBe(
      'my.rules: rules[0].offScore: must be ≤ onScore',
    );
    expect(bad('rules: [unclosed')).toMatch(/^my\.rules: not valid YAML: /);
    expect(bad('{"version": 1,', 'json')).toMatch(/^my\.rules: not valid JSON: /);
    expect(bad('version: 2\nrules: []')).toBe('my.rules: version: Invalid literal value, expected 1');
  });

  it('a missing rule file is SAFETY_BAD_RULES', async () => {
    await expect(loadRules('/nonexistent/rules.yaml')).rejects.toMatchObject({ code: 'SAFETY_BAD_RULES' });
  });
});
