import { z } from 'zod';
import type { AnalyzerDefinition, AnalyzerInstance } from '../../analyzers/contract.ts';
import { profileOf } from '../../profile/index.ts';
import { checkAudioChunk } from '../check-input.ts';
import { createSampleClock, roundTs } from '../clock.ts';
import type { SpeechSegmentRow } from '../records.ts';
import { createSampleQueue } from '../sample-queue.ts';
import { createSpeechHysteresis, type SpeechEvent } from './hysteresis.ts';
import { createSileroStream, SILERO_WINDOW } from './silero.ts';

export const vadConfigSchema = z
  .object({
    threshold: z.number().min(0).max(1).default(0.5),
    negThreshold: z.number().min(0).max(1).default(0.35),
    minSpeechMs: z.number().min(0).default(250),
    minSilenceMs: z.number().min(0).default(400),
    speechPadMs: z.number().min(0).default(30),
    /** Long speech is cut into segments of at most this (0: never), so rows keep flowing live. */
    maxSpeechMs: z.number().min(0).default(30_000),
  })
  .strict()
  .refine((c) => c.negThreshold <= c.threshold, { message: 'negThreshold must be <= threshold' });

export type VadConfig = z.infer<typeof vadConfigSchema>;

/** Live message data of kind 'speech'. */
export interface SpeechLiveData {
  readonly state: 'start' | 'end';
  readonly startTs: number;
  readonly endTs?: number;
}

const SAMPLE_RATE = 16000;
// Windows per ORT round of one audio() call: bounds the probabilities held between awaits.
const WINDOWS_PER_ROUND = 64;

export const vadAnalyzer: AnalyzerDefinition<VadConfig> = {
  id: 'vad',
  version: '1',
  title: 'Voice activity',
  description: 'Silero VAD v6.2: spans of speech (start/end), for the speech lane and to gate ASR.',
  models: ['silero-vad'],
  consumes: [{ kind: 'audio', sampleRate: SAMPLE_RATE }],
  config: vadConfigSchema,
  defaultOn: true,
  produces: [{ table: 'speech_segments', live: 'speech', lane: 'speech' }],
  async create(ctx, config): Promise<AnalyzerInstance> {
    const silero = createSileroStream(await ctx.session('silero-vad'));
    const profile = profileOf(ctx);
    const clock = createSampleClock(SAMPLE_RATE);
    const queue = createSampleQueue();
    const opts = { ...config, windowSamples: SILERO_WINDOW, sampleRate: SAMPLE_RATE };
    let hyst = createSpeechHysteresis(opts);
    let closed = false;
    let speechMs = 0;
    let segments = 0;
    let windows = 0;
    let modelMs = 0;

    const handle = async (events: readonly SpeechEvent[]): Promise<void> => {
      const rows: SpeechSegmentRow[] = [];
      for (const ev of events) {
        if (ev.type === 'start') {
          const startTs = roundTs(clock.tsAt(ev.startSample));
          ctx.pushLive({
            kind: 'speech',
            ts: startTs,
            data: { state: 'start', startTs } satisfies SpeechLiveData,
          });
          continue;
        }
        if (!ev.confirmed) continue;
        const startTs = roundTs(clock.tsAt(ev.span.startSample));
        const endTs = roundTs(clock.tsAt(ev.span.endSample));
        rows.push({
          sourceId: ctx.sourceId,
          startTs,
          endTs,
          probability: Math.round(ev.span.probability * 1000) / 1000,
        });
        speechMs += endTs - startTs;
        segments++;
        ctx.pushLive({
          kind: 'speech',
          ts: endTs,
          data: { state: 'end', startTs, endTs } satisfies SpeechLiveData,
        });
      }
      if (rows.length > 0) await ctx.emit({ table: 'speech_segments', rows });
    };

    const drain = async (): Promise<void> => {
      while (queue.length >= SILERO_WINDOW && !closed) {
        const n = Math.min(Math.floor(queue.length / SILERO_WINDOW), WINDOWS_PER_ROUND);
        const t0 = performance.now();
        const probs = await silero.run(queue.take(n * SILERO_WINDOW));
        modelMs += performance.now() - t0;
        windows += probs.length;
        const events: SpeechEvent[] = [];
        profile.measure('vad', () => {
          for (const p of probs) events.push(...hyst.push(p));
        });
        await handle(events);
      }
    };

    // Ends the current run: the partial window is zero-padded (as Silero does), open speech closed.
    const endRun = async (): Promise<void> => {
      const total = clock.samples;
      if (queue.length > 0 && !closed) {
        const last = new Float32Array(SILERO_WINDOW);
        last.set(queue.take(queue.length));
        const probs = await silero.run(last);
        for (const p of probs) await handle(hyst.push(p));
      }
      await handle(hyst.flush(total));
      queue.clear();
      silero.reset();
      clock.reset();
      hyst = createSpeechHysteresis(opts);
    };

    return {
      async audio(chunk) {
        if (closed) return;
        checkAudioChunk('vad', chunk);
        clock.push(chunk);
        profile.measure('vad', () => queue.push(chunk.samples));
        await drain();
      },
      async gap() {
        if (!closed) await endRun();
      },
      async finish() {
        if (!closed) await endRun();
      },
      summary() {
        return { speechMs: Math.round(speechMs), segments, windows, modelMs: Math.round(modelMs) };
      },
      async close() {
        closed = true;
        queue.clear();
      },
    };
  },
};
