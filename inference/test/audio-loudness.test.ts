import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLoudnessMeter, loudnessAnalyzer, preFilter, rlbFilter } from '../src/audio/index.ts';
import type { LoudnessRow } from '../src/audio/records.ts';
import { decodeAll, FFMPEG, feedFile, makeMedia, scratchDir } from './audio-helpers.ts';
import { createHarness } from './helpers-analyzer.ts';
import { MEDIA_DIR } from './helpers.ts';

const scratch = scratchDir();
afterAll(() => scratch.remove());

interface EbuTick {
  readonly t: number;
  readonly m: number;
  readonly s: number;
}

/** ffmpeg's own EBU R128 meter (af ebur128): its 10 Hz log and the integrated loudness. */
function ffmpegEbur128(file: string): { ticks: EbuTick[]; integrated: number } {
  // The meter logs on stderr (info level); spawnSync keeps it apart from stdout.
  const run = spawnSync(
    FFMPEG,
    ['-hide_banner', '-nostats', '-i', file, '-af', 'ebur128', '-f', 'null', '-'],
    {
      encoding: 'utf8',
    },
  );
  if (run.status !== 0) throw new Error(`ffmpeg ebur128 failed: ${run.stderr.slice(-300)}`);
  const err = run.stderr;
  const ticks = [...err.matchAll(/t:\s*([\d.]+)\s+TARGET:\S+ LUFS\s+M:\s*(-?[\d.]+)\s+S:\s*(-?[\d.]+)/g)].map(
    (m) => ({
      t: Number(m[1]),
      m: Number(m[2]),
      s: Number(m[3]),
    }),
  );
  const integrated = Number(/Integrated loudness:\s+I:\s+(-?[\d.]+) LUFS/.exec(err)?.[1]);
  return { ticks, integrated };
}

async function loudnessOf(file: string, config = {}) {
  const h = await createHarness(loudnessAnalyzer, config);
  try {
    const fed = await feedFile(h, file);
    expect(h.failures).toEqual([]);
    return {
      rows: h.rows<LoudnessRow>('loudness'),
      summary: h.instance.summary?.() ?? {},
      lives: [...h.lives],
      fed,
    };
  } finally {
    await h.close();
  }
}

describe('K-weighting', () => {
  it('derives the BS.1770 48 kHz coefficients from the analog prototypes', () => {
    // The values printed in ITU-R BS.1770-4, table 1 and 2.
    const p = preFilter(48000);
    expect(p.b0).toBeCloseTo(1.53512485958697, 8);
    expect(p.b1).toBeCloseTo(-2.69169618940638, 8);
    expect(p.b2).toBeCloseTo(1.19839281085285, 8);
    expect(p.a1).toBeCloseTo(-1.69065929318241, 8);
    expect(p.a2).toBeCloseTo(0.73248077421585, 8);
    const r = rlbFilter(48000);
    expect(r.a1).toBeCloseTo(-1.99004745483398, 8);
    expect(r.a2).toBeCloseTo(0.99007225036621, 8);
  });
});

describe('loudness analyzer (EBU R128) against ffmpeg ebur128 on real files', () => {
  for (const rel of [
    'speech/jfk.wav',
    'events/engine/1-18527-A-44.wav',
    'synthetic/demo_pedestrians_speech.mp4',
  ]) {
    it(`agrees with ffmpeg within 1 LU on ${rel}`, async () => {
      const file = path.join(MEDIA_DIR, rel);
      const ref = ffmpegEbur128(file);
      // Our meter at 10 Hz on the 16 kHz decode, compared tick by tick where both windows are full.
      const ours = new Map<number, { m: number; s: number }>();
      const meter = createLoudnessMeter({ sampleRate: 16000, silenceLufs: -50, clipLevel: 0.999 });
      meter.push(await decodeAll(file), (t) =>
        ours.set(Math.round(t.t * 10), { m: t.momentaryLufs, s: t.shortTermLufs }),
      );
      let worstM = 0;
      let worstS = 0;
      let compared = 0;
      for (const r of ref.ticks) {
        const o = ours.get(Math.round(r.t * 10));
        if (!o || r.t < 3 || r.m < -60 || r.s < -60) continue; // full windows, above ffmpeg's -120.7 floor
        worstM = Math.max(worstM, Math.abs(o.m - r.m));
        worstS = Math.max(worstS, Math.abs(o.s - r.s));
        compared++;
      }
      const { rows, summary, fed } = await loudnessOf(file);
      console.log(
        `loudness ${rel}: I ours ${summary.integratedLufs} vs ffmpeg ${ref.integrated}; worst |ΔM| ${worstM.toFixed(2)} |ΔS| ${worstS.toFixed(2)} over ${compared} ticks; ${rows.length} rows; RTF ${(fed.wallMs / fed.mediaMs).toFixed(4)}`,
      );
      expect(compared).toBeGreaterThanOrEqual(15);
      expect(worstS).toBeLessThan(1);
      expect(worstM).toBeLessThan(1.5);
      expect(Math.abs((summary.integratedLufs as number) - ref.integrated)).toBeLessThan(1);
      // One row per second (the last may be partial), each well-formed.
      const expectSec = Math.ceil((ref.ticks.at(-1)?.t ?? 0) - 0.01);
      expect(Math.abs(rows.length - expectSec)).toBeLessThanOrEqual(1);
      rows.forEach((r, i) => {
        expect(r.ts).toBe(i * 1000);
        expect(r.peakDbfs).toBeLessThanOrEqual(0.01);
        expect(r.momentaryLufs).toBeGreaterThanOrEqual(-200);
      });
    });
  }

  it('marks generated digital silence silent (stored as -200 LUFS)', async () => {
    const file = makeMedia([
      '-f',
      'lavfi',
      '-i',
      'anullsrc=r=16000:cl=mono',
      '-t',
      '4',
      path.join(scratch.dir, 'silence.wav'),
    ]);
    const { rows, summary, lives } = await loudnessOf(file);
    expect(rows).toHaveLength(4);
    for (const r of rows) {
      expect(r.silent).toBe(true);
      expect(r.momentaryLufs).toBe(-200);
      expect(r.shortTermLufs).toBe(-200);
      expect(r.peakDbfs).toBe(-200);
      expect(r.clippedSamples).toBe(0);
    }
    expect(summary.silentSeconds).toBe(4);
    expect(lives.filter((l) => l.kind === 'loudness')).toHaveLength(4);
  });

  it('counts clipped samples of a sine driven 20 dB over full scale, and only there', async () => {
    // lavfi's sine has amplitude 1/8: 2 s clean, then 2 s at +20 dB (amplitude 1.25, hard-clipped by s16).
    const file = makeMedia([
      ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=16000:duration=4'],
      ...['-af', "volume='if(lt(t,2),1,10)':eval=frame", '-c:a', 'pcm_s16le'],
      path.join(scratch.dir, 'clipped.wav'),
    ]);
    const { rows, summary } = await loudnessOf(file);
    expect(rows).toHaveLength(4);
    expect(rows[0]?.clippedSamples).toBe(0);
    expect(rows[1]?.clippedSamples).toBe(0);
    // |1.25·sin| >= 1 for 41 % of the samples: about 6,500 a second sit at the rails.
    expect(rows[2]?.clippedSamples).toBeGreaterThan(5000);
    expect(rows[3]?.clippedSamples).toBeGreaterThan(5000);
    expect(rows[3]?.peakDbfs).toBeGreaterThan(-0.01);
    expect(rows[0]?.silent).toBe(false);
    expect(summary.clippedSamples as number).toBeGreaterThan(10000);
  });
});
