// The safety analyzer end to end: a clip composed with real ffmpeg (one person sitting still
// alone, a spoken "go forward ten meters" with "forward" as the safe word, then a baby crying),
// analysed by detect + pose + sounds + asr (real pocketsphinx) + safety in a real job, read back
// from chDB and through the routes; acknowledge / dismiss write audit rows.
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseSource } from '@aima/ingest';
import { runAnalysisJob, type AnalysisSummary } from '../index.ts';
import { ErrorBody } from '../src/protocol.ts';
import { RiskSeriesView, SafetyEventView, SafetyRulesView } from '../src/safety-protocol.ts';
import { bearer, MEDIA, openServerEnv, type ServerEnv } from './server-helpers.ts';

const FFMPEG = process.env.FFMPEG_PATH ?? 'ffmpeg';
let env: ServerEnv;
let summary: AnalysisSummary;
let soundsSummary: AnalysisSummary;
let rulesFile: string;

beforeAll(async () => {
  env = await openServerEnv();
  const clip = path.join(env.dir, 'alone-distress.mp4');
  // 15 s: the signer of book.mkv looped (one person in view), "go forward ten meters" at 1 s,
  // a crying baby (5 s) at 7 s.
  execFileSync(FFMPEG, [
    '-v', 'error', '-y', '-stream_loop', '-1', '-i', path.join(MEDIA, 'video/asl/book.mkv'),
    '-i', path.join(MEDIA, 'speech/goforward.wav'), '-i', path.join(MEDIA, 'events/crying_baby/1-187207-A-20.wav'),
    '-filter_complex',
    '[1:a]aresample=16000,adelay=1000:all=1,apad,atrim=0:15[s];' +
      '[2:a]aresample=16000,adelay=7000:all=1,apad,atrim=0:15[c];' +
      '[s][c]amix=inputs=2:normalize=0[a]',
    '-map', '0:v', '-map', '[a]', '-t', '15', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', clip,
  ]); // prettier-ignore
  const job = (sourceId: string, safety: object): Promise<AnalysisSummary> =>
    runAnalysisJob(env.runtime, {
      source: parseSource(clip),
      sourceId,
      fps: 2,
      analyzers: ['detect', 'pose', 'sounds', 'asr', 'safety'],
      analyzerConfig: { safety },
    });
  summary = await job('alone', { safeWords: ['forward'] });
  // A user's rule file: distress from sound events alone. EfficientAT hears this ESC-50 baby as
  // (child) speech rather than crying (see audio-sounds.test.ts), so the file listens for speech.
  const text = (
    await readFile(new URL('../../inference/src/safety/rules.default.yaml', import.meta.url), 'utf8')
  )
    .replace('sounds: { scream: 1, crying: 0.8 }', 'sounds: { scream: 1, crying: 0.8, speech: 0.7 }')
    .replace("words: { help: 1, stop: 0.8, 'no': 0.6 }", 'words: {}');
  rulesFile = path.join(env.dir, 'sounds.rules.yaml');
  await writeFile(rulesFile, text);
  soundsSummary = await job('sounds-only', { rulesFile });
}, 240_000);

afterAll(async () => {
  await env?.close();
});

async function get<T>(url: string, schema: z.ZodType<T>): Promise<T> {
  const res = await env.app.inject({ url, headers: bearer() });
  expect(res.statusCode, `${url}: ${res.body.slice(0, 300)}`).toBe(200);
  return schema.parse(res.json());
}

const post = (url: string, payload: object) =>
  env.app.inject({ method: 'POST', url, headers: bearer(), payload });

describe('safety in a real job', () => {
  it('fires alone and distress (the safe word through pocketsphinx), with risk rows per window', async () => {
    expect(summary.analyzerFailures.filter((f) => f.analyzer !== 'pose')).toEqual([]);
    const s = summary.results['safety'] as Record<string, unknown> | undefined;
    expect(s?.['windows']).toBeGreaterThanOrEqual(14);
    expect(s?.['inactive']).toEqual([]);
    // Every input reached the rules: detect's frames, pose's feature rows, the safe word.
    expect(s?.['frames']).toBe(summary.frames);
    const pose = summary.results['pose'] as { featureRows?: number } | undefined;
    if (!summary.analyzerFailures.some((f) => f.analyzer === 'pose')) {
      expect(pose?.featureRows).toBeGreaterThan(0);
      expect(s?.['poseRows']).toBe(pose?.featureRows);
    }
    expect(s?.['wordCues']).toBeGreaterThanOrEqual(1);
    const events = await env.runtime.store.listSafetyEvents({ sourceId: 'alone' });
    // Rows are replaced by version: one (closed, at the end) row per event.
    expect(events.every((e) => !e.open)).toBe(true);
    const alone = events.filter((e) => e.rule === 'alone');
    expect(alone).toHaveLength(1);
    // One person from the first frame: alone holds from the first window, on 10 s later.
    expect(alone[0]!.startTs - summary.epochMs).toBeLessThan(1000);
    expect(alone[0]!.endTs - summary.epochMs).toBeGreaterThanOrEqual(14_000);
    const distress = events.filter((e) => e.rule === 'distress-audio');
    expect(distress.length).toBeGreaterThanOrEqual(1);
    const lines = distress.flatMap((e) => e.evidence.transcript);
    expect(lines.some((l) => /\bforward\b/i.test(l.text))).toBe(true);
    const forward = lines.find((l) => /\bforward\b/i.test(l.text))!;
    // goforward.wav starts at 1 s; pocketsphinx times its words within its 2.8 s.
    const first = distress.at(-1)!; // newest first
    expect(first.startTs - summary.epochMs).toBeGreaterThanOrEqual(1000);
    expect(first.startTs).toBeLessThanOrEqual(forward.endTs);
    expect(first.score).toBe(1);

    const risk = await env.runtime.store.listRisk({ sourceId: 'alone' });
    expect(risk.ts.length).toBe(risk.score.length);
    expect(risk.ts.length).toBeGreaterThanOrEqual(14);
    expect(risk.ts.length).toBeLessThanOrEqual(17);
    // Distress (0.4 × 1 for the safe word) plus alone (0.1) once both are on.
    expect(Math.max(...risk.score)).toBeGreaterThanOrEqual(0.4);
    expect(risk.score[0]).toBe(0);
  });

  it("a rule file of the user: distress from the sounds analyzer's events, with their spans as evidence", async () => {
    expect(soundsSummary.analyzerFailures.filter((f) => f.analyzer !== 'pose')).toEqual([]);
    const heard = await env.runtime.store.listAudioEvents({ sourceId: 'sounds-only' });
    const speech = heard.filter((e) => e.label === 'speech');
    expect(speech.length).toBeGreaterThan(0);
    const distress = (await env.runtime.store.listSafetyEvents({ sourceId: 'sounds-only' })).filter(
      (e) => e.rule === 'distress-audio',
    );
    expect(distress.length).toBeGreaterThanOrEqual(1);
    expect(distress.flatMap((e) => e.evidence.transcript)).toEqual([]);
    const spans = distress.flatMap((e) => e.evidence.audio);
    expect(spans.map((a) => [a.label, a.startTs, a.endTs]).sort()).toEqual(
      speech.map((a) => ['speech', a.startTs, a.endTs]).sort(),
    );
    expect(distress.every((e) => e.score === 0.7)).toBe(true);
    expect(Math.min(...distress.map((e) => e.startTs))).toBeLessThanOrEqual(
      Math.min(...speech.map((e) => e.startTs)),
    );
    // A broken rule file stops the safety analyzer alone, with the key named.
    await writeFile(rulesFile, 'version: 1\nrules:\n  - id: alone\n    kind: alone\n    weight: 2\n');
    const bad = await runAnalysisJob(env.runtime, {
      source: parseSource(path.join(env.dir, 'alone-distress.mp4')),
      sourceId: 'bad-rules',
      fps: 2,
      durationMs: 2000,
      analyzers: ['detect', 'safety'],
      analyzerConfig: { safety: { rulesFile } },
    });
    expect(bad.analyzerFailures).toEqual([
      expect.objectContaining({
        analyzer: 'safety',
        code: 'SAFETY_BAD_RULES',
        message: expect.stringContaining('rules[0].severity'),
      }),
    ]);
  });

  it('serves events, risk columns and the rules through the routes', async () => {
    const events = await get('/api/v1/safety/events?source=alone', z.array(SafetyEventView));
    expect(events.map((e) => e.rule).sort()).toEqual(
      (await env.runtime.store.listSafetyEvents({ sourceId: 'alone' })).map((e) => e.rule).sort(),
    );
    expect(await get('/api/v1/safety/events?source=nobody', z.array(SafetyEventView))).toEqual([]);
    const risk = await get('/api/v1/sources/alone/risk', RiskSeriesView);
    expect(risk.ts.length).toBeGreaterThanOrEqual(14);
    const later = await get(`/api/v1/sources/alone/risk?from=${risk.ts[5]}`, RiskSeriesView);
    expect(later.ts[0]).toBe(risk.ts[5]);
    const rules = await get('/api/v1/safety/rules', SafetyRulesView);
    expect(rules.path).toBe('rules.default.yaml');
    expect((rules.rules['rules'] as { id: string }[]).map((r) => r.id)).toEqual([
      'restrained',
      'alone',
      'unsupervised-restraint',
      'distress-audio',
      'immobility',
    ]);
    const missing = await env.app.inject({ url: '/api/v1/sources/nope/risk', headers: bearer() });
    expect(missing.statusCode).toBe(404);
    const doc = (await env.app.inject({ url: '/api/openapi.json', headers: bearer() })).json() as {
      paths: Record<string, Record<string, { operationId: string; tags: string[] }>>;
    };
    const ops = Object.values(doc.paths).flatMap((p) =>
      Object.values(p).filter((o) => o.tags.includes('safety')),
    );
    expect(ops.map((o) => o.operationId)).toEqual(
      expect.arrayContaining([
        'acknowledgeSafetyEvent',
        'dismissSafetyEvent',
        'getRisk',
        'getSafetyRules',
        'listSafetyEvents',
      ]),
    );
  });

  it('acknowledge and dismiss write a new version with the note, and audit rows', async () => {
    const events = await env.runtime.store.listSafetyEvents({ sourceId: 'alone' });
    const alone = events.find((e) => e.rule === 'alone')!;
    const distress = events.find((e) => e.rule === 'distress-audio')!;
    const ack = await post(`/api/v1/safety/events/alone/${alone.eventId}/acknowledge`, {
      note: 'checked on site',
    });
    expect(ack.statusCode, ack.body).toBe(200);
    expect(SafetyEventView.parse(ack.json())).toMatchObject({
      status: 'acknowledged',
      note: 'checked on site',
      open: false,
    });
    const dis = await post(`/api/v1/safety/events/alone/${distress.eventId}/dismiss`, {
      note: 'a test clip',
    });
    expect(dis.statusCode, dis.body).toBe(200);

    const acked = await get(
      '/api/v1/safety/events?source=alone&status=acknowledged',
      z.array(SafetyEventView),
    );
    expect(acked.map((e) => [e.eventId, e.note])).toEqual([[alone.eventId, 'checked on site']]);
    const dismissed = await get('/api/v1/safety/events?status=dismissed', z.array(SafetyEventView));
    expect(dismissed.map((e) => e.eventId)).toEqual([distress.eventId]);
    // The analyzer's fields stay as they were (evidence, times).
    expect(dismissed[0]!.evidence).toEqual(distress.evidence);
    expect(dismissed[0]!.endTs).toBe(distress.endTs);

    const audit = await env.runtime.store.listAuditEvents({ subjectKind: 'safety-event' });
    expect(audit.map((a) => [a.actor, a.action, a.subjectId]).sort()).toEqual(
      [
        ['user', 'safety-event.acknowledge', `alone/${alone.eventId}`],
        ['user', 'safety-event.dismiss', `alone/${distress.eventId}`],
      ].sort(),
    );
    expect(JSON.parse(audit.find((a) => a.action === 'safety-event.dismiss')!.detail)).toMatchObject({
      rule: 'distress-audio',
      note: 'a test clip',
    });

    const unknown = await post('/api/v1/safety/events/alone/se-999/acknowledge', { note: '' });
    expect(unknown.statusCode).toBe(404);
    expect(ErrorBody.parse(unknown.json()).code).toBe('SAFETY_EVENT_NOT_FOUND');
    const bad = await post(`/api/v1/safety/events/alone/${alone.eventId}/dismiss`, {
      note: 'x'.repeat(3000),
    });
    expect(bad.statusCode).toBe(400);
  });
});
