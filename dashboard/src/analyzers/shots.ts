import { z } from 'zod';
import type { Frame } from '@aima/ingest';
import { profileOf, type AnalysisEvent, type AnalyzerDefinition, type VideoInput } from '@aima/inference';
import type { Store } from '@aima/storage';
import { createShotStage } from '../jobs/shot-stage.ts';
import { ANALYSIS_EVENTS } from './detect.ts';
import { createFrameKeeper } from './frame-keeper.ts';

/** Transient table of cuts: one row { ts } when a frame starts a new shot (faces end their tracks). */
export const CUTS = 'cuts';

export const ShotsConfig = z.object({}).strict();

/**
 * Shot cuts from colour and structure differences. With detect running, it looks at exactly the
 * frames detect analysed (live frames the scheduler dropped are skipped, as before); alone, at
 * every frame it is given.
 */
export const shotsAnalyzer: AnalyzerDefinition<z.infer<typeof ShotsConfig>> = {
  id: 'shots',
  version: '1',
  title: 'Shots',
  description: 'Shot cuts (histogram + structure difference against an adaptive threshold)',
  models: [],
  consumes: [
    { kind: 'video' },
    { kind: 'results', of: ['detect'], tables: [ANALYSIS_EVENTS], optional: true },
  ],
  config: ShotsConfig,
  defaultOn: true,
  produces: [{ table: 'shots', live: '', lane: 'shots' }],
  async create(ctx) {
    const stage = createShotStage(ctx.service<Store>('store'), ctx.sourceId, profileOf(ctx));
    const afterDetect = ctx.running.includes('detect');
    const keeper = createFrameKeeper();
    const push = async (frame: VideoInput): Promise<void> => {
      if (await stage.push(frame as unknown as Frame)) {
        await ctx.emit({ table: CUTS, rows: [{ ts: frame.ts, seq: frame.seq }], transient: true });
      }
    };
    return {
      async video(frame) {
        if (afterDetect) keeper.keep(frame);
        else await push(frame);
      },
      async results(_from, batch) {
        for (const e of batch.rows as AnalysisEvent[]) {
          if (e.type !== 'frame') continue;
          const frame = keeper.take(e.frame.seq);
          if (frame) await push(frame);
        }
      },
      async finish() {
        await stage.close();
      },
      summary: () => ({ shots: stage.shots }),
      async close() {
        keeper.clear();
      },
    };
  },
};
