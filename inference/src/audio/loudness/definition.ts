import { z } from 'zod';
import type { AnalyzerDefinition, AnalyzerInstance } from '../../analyzers/contract.ts';
import { profileOf } from '../../profile/index.ts';
import { checkAudioChunk } from '../check-input.ts';
import { createSampleClock, roundTs } from '../clock.ts';
import { SILENT_LUFS, type LoudnessRow } from '../records.ts';
import { createLoudnessMeter, type LoudnessSecond } from './meter.ts';

export const loudnessConfigSchema = z
  .object({
    /** Short-term loudness below this (LUFS) marks a second silent. */
    silenceLufs: z.number().max(0).default(-50),
    /** |sample| at or above this counts as clipped. */
    clipLevel: z.number().gt(0).max(1).default(0.999),
  })
  .strict();

export type LoudnessConfig = z.infer<typeof loudnessConfigSchema>;

const SAMPLE_RATE = 16000;

/** Finite, rounded to 0.01, -Infinity as SILENT_LUFS. */
function level(v: number): number {
  return Number.isFinite(v) ? Math.max(SILENT_LUFS, Math.round(v * 100) / 100) : SILENT_LUFS;
}

export const loudnessAnalyzer: AnalyzerDefinition<LoudnessConfig> = {
  id: 'loudness',
  version: '1',
  title: 'Loudness',
  description: 'EBU R128 momentary and short-term loudness per second, sample peak, silence and clipping.',
  models: [],
  consumes: [{ kind: 'audio', sampleRate: SAMPLE_RATE }],
  config: loudnessConfigSchema,
  defaultOn: true,
  produces: [{ table: 'loudness', live: 'loudness', lane: 'loudness' }],
  async create(ctx, config): Promise<AnalyzerInstance> {
    const profile = profileOf(ctx);
    const meter = createLoudnessMeter({ sampleRate: SAMPLE_RATE, ...config });
    const clock = createSampleClock(SAMPLE_RATE);
    let closed = false;
    let seconds = 0;
    let silentSeconds = 0;
    let clippedSamples = 0;
    let maxMomentary = -Infinity;

    const emit = async (done: readonly LoudnessSecond[]): Promise<void> => {
      if (done.length === 0) return;
      const rows = done.map((s): LoudnessRow => {
        seconds++;
        if (s.silent) silentSeconds++;
        clippedSamples += s.clippedSamples;
        if (s.momentaryMaxLufs > maxMomentary) maxMomentary = s.momentaryMaxLufs;
        return {
          sourceId: ctx.sourceId,
          ts: roundTs(clock.tsAt(s.index * SAMPLE_RATE)),
          momentaryLufs: level(s.momentaryMaxLufs),
          shortTermLufs: level(s.shortTermLufs),
          peakDbfs: level(s.peakDbfs),
          silent: s.silent,
          clippedSamples: s.clippedSamples,
        };
      });
      for (const r of rows) ctx.pushLive({ kind: 'loudness', ts: r.ts, data: r });
      await ctx.emit({ table: 'loudness', rows });
    };

    const endRun = async (): Promise<void> => {
      await emit(profile.measure('loudness', () => meter.flush()));
      clock.reset();
    };

    return {
      async audio(chunk) {
        if (closed) return;
        checkAudioChunk('loudness', chunk);
        clock.push(chunk);
        await emit(profile.measure('loudness', () => meter.push(chunk.samples)));
      },
      async gap() {
        if (!closed) await endRun();
      },
      async finish() {
        if (!closed) await endRun();
      },
      summary() {
        return {
          seconds,
          integratedLufs: level(meter.integratedLufs()),
          maxMomentaryLufs: level(maxMomentary),
          silentSeconds,
          clippedSamples,
        };
      },
      async close() {
        closed = true;
      },
    };
  },
};
