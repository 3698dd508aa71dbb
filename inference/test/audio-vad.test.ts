import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSpeechHysteresis, vadAnalyzer } from '../src/audio/index.ts';
import type { SpeechSegmentRow } from '../src/audio/records.ts';
import { feedFile, makeMedia, scratchDir } from './audio-helpers.ts';
import { createHarness } from './helpers-analyzer.ts';
import { MEDIA_DIR } from './helpers.ts';

const scratch = scratchDir();
afterAll(() => scratch.remove());

async function vadOn(file: string, epochMs = 0) {
  const h = await createHarness(vadAnalyzer, {}, { epochMs });
  try {
    const fed = await feedFile(h, file);
    const rows = h.rows<SpeechSegmentRow>('speech_segments');
    const summary = h.instance.summary?.() ?? {};
    console.log(
      `vad ${path.basename(file)}: ${rows.map((r) => `${(r.startTs - epochMs) / 1000}-${(r.endTs - epochMs) / 1000}s p=${r.probability}`).join(', ') || 'none'}; RTF ${(fed.wallMs / fed.mediaMs).toFixed(4)}`,
    );
    expect(h.failures).toEqual([]);
    return { rows, lives: [...h.lives], summary };
  } finally {
    await h.close();
  }
}

describe('vad analyzer (Silero v6.2 on real audio)', () => {
  it('finds the known speech span of the synthetic demo clip (2.0–10.784 s, audible end ~10.4 s)', async () => {
    const epoch = 1_700_000_000_000;
    const { rows, lives } = await vadOn(path.join(MEDIA_DIR, 'synthetic/demo_pedestrians_speech.mp4'), epoch);
    expect(rows.length).toBeGreaterThan(0);
    const first = rows[0] as SpeechSegmentRow;
    const last = rows[rows.length - 1] as SpeechSegmentRow;
    expect(Math.abs(first.startTs - epoch - 2000)).toBeLessThanOrEqual(300);
    expect(last.endTs - epoch).toBeGreaterThanOrEqual(10_400 - 300);
    expect(last.endTs - epoch).toBeLessThanOrEqual(10_784 + 300);
    for (const r of rows) {
      expect(r.startTs - epoch).toBeGreaterThanOrEqual(1700);
      expect(r.endTs).toBeGreaterThan(r.startTs);
      expect(r.probability).toBeGreaterThan(0.5);
      expect(r.sourceId).toBe('test-source');
    }
    // Live: a start and an end per segment, in order, with wall-clock times.
    const states = lives.filter((l) => l.kind === 'speech').map((l) => (l.data as { state: string }).state);
    expect(states.filter((s) => s === 'start')).toHaveLength(rows.length);
    expect(states.filter((s) => s === 'end')).toHaveLength(rows.length);
    expect(states[0]).toBe('start');
  });

  it('covers the espeak sentence and gives speech segments on jfk.wav', async () => {
    const espeak = await vadOn(path.join(MEDIA_DIR, 'synthetic/speech_espeak.wav'));
    expect(espeak.rows.length).toBeGreaterThan(0);
    expect((espeak.rows[0] as SpeechSegmentRow).startTs).toBeLessThanOrEqual(300);
    expect((espeak.rows.at(-1) as SpeechSegmentRow).endTs).toBeGreaterThanOrEqual(8000);
    expect(espeak.summary.speechMs as number).toBeGreaterThan(6000);

    const jfk = await vadOn(path.join(MEDIA_DIR, 'speech/jfk.wav'));
    expect(jfk.rows.length).toBeGreaterThanOrEqual(2);
    expect(jfk.summary.speechMs as number).toBeGreaterThan(5000);
  });

  it('finds no speech in digital silence', async () => {
    const file = makeMedia([
      '-f',
      'lavfi',
      '-i',
      'anullsrc=r=16000:cl=mono',
      '-t',
      '5',
      path.join(scratch.dir, 'silence.wav'),
    ]);
    const { rows, lives } = await vadOn(file);
    expect(rows).toEqual([]);
    expect(lives).toEqual([]);
  });
});

describe('speech hysteresis (pure)', () => {
  const base = {
    threshold: 0.5,
    negThreshold: 0.35,
    minSpeechMs: 250,
    minSilenceMs: 400,
    speechPadMs: 30,
    maxSpeechMs: 0,
    windowSamples: 512,
    sampleRate: 16000,
  };
  const run = (probs: number[], o = base) => {
    const h = createSpeechHysteresis(o);
    const evs = probs.flatMap((p) => h.push(p));
    return [...evs, ...h.flush()];
  };

  it('opens at threshold, bridges short pauses, closes after min silence, pads both ends', () => {
    // 10 silent windows, 20 speech, 5 pause (160 ms < 400), 20 speech, 30 silence.
    const probs = [
      ...Array(10).fill(0.1),
      ...Array(20).fill(0.9),
      ...Array(5).fill(0.1),
      ...Array(20).fill(0.9),
      ...Array(30).fill(0.05),
    ];
    const ends = run(probs).filter((e) => e.type === 'end');
    expect(ends).toHaveLength(1);
    const e = ends[0] as Extract<ReturnType<typeof run>[number], { type: 'end' }>;
    expect(e.confirmed).toBe(true);
    expect(e.span.startSample).toBe(10 * 512 - 480);
    expect(e.span.endSample).toBe(55 * 512 + 480);
  });

  it('drops blips shorter than min speech and keeps between-threshold values inside speech', () => {
    const blip = run([...Array(5).fill(0), 0.9, 0.9, ...Array(40).fill(0)]);
    expect(blip.filter((e) => e.type === 'end' && e.confirmed)).toEqual([]);
    expect(blip.filter((e) => e.type === 'start')).toEqual([]);
    const held = run([...Array(20).fill(0.9), ...Array(40).fill(0.4), ...Array(30).fill(0)]);
    const end = held.find((e) => e.type === 'end');
    expect(end && end.type === 'end' && end.span.endSample).toBe(60 * 512 + 480);
  });

  it('cuts long speech at maxSpeech and closes open speech on flush', () => {
    const evs = run(Array(200).fill(0.9), { ...base, maxSpeechMs: 2000 });
    const ends = evs.filter((e) => e.type === 'end');
    expect(ends.length).toBe(4); // 3 full 2 s cuts + the rest at flush (6.4 s in all)
    const last = ends.at(-1);
    expect(last && last.type === 'end' && last.span.endSample).toBe(200 * 512);
  });
});
