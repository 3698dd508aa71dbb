import { z } from 'zod';
import {
  AGE_VERDICTS,
  createNsfwClassifier,
  type AgeVerdictRow,
  type AnalyzerDefinition,
  type NsfwRow,
} from '@aima/inference';
import { createFrameKeeper } from './frame-keeper.ts';

export const NsfwConfig = z.object({}).strict();

const MODEL_ID = 'nsfwjs-mobilenet-v2';

/**
 * Content classification behind the minor-protection gate (inference/src/analyzers/minor-gate.ts):
 * the host refuses to start it without the age chain and stops it on the first minor or unknown
 * face. On top of that it classifies a frame only once age's verdict for that very frame is
 * 'clear'. Its scores describe content; they never decide anything about age.
 */
export const nsfwAnalyzer: AnalyzerDefinition<z.infer<typeof NsfwConfig>> = {
  id: 'nsfw',
  version: '1',
  title: 'Content classification',
  description: 'NSFW classification behind the age gate (nsfwjs; NudeNet in the manifest)',
  models: [MODEL_ID],
  consumes: [{ kind: 'video' }, { kind: 'results', of: ['age'], tables: [AGE_VERDICTS] }],
  config: NsfwConfig,
  defaultOn: false,
  gate: 'minor-protection',
  produces: [{ table: 'nsfw_scores', live: 'nsfw', lane: 'nsfw' }],
  async create(ctx) {
    const classifier = createNsfwClassifier(await ctx.session(MODEL_ID));
    const keeper = createFrameKeeper();
    let frames = 0;
    let held = 0;
    return {
      async video(frame) {
        keeper.keep(frame);
      },
      async results(_from, batch) {
        if (batch.table !== AGE_VERDICTS) return;
        for (const v of batch.rows as AgeVerdictRow[]) {
          const frame = keeper.take(v.seq);
          // Anything but a clear verdict: the frame is never looked at (the gate stops us anyway).
          if (v.verdict !== 'clear' || !frame) {
            held++;
            continue;
          }
          const s = await classifier.classify(frame);
          const row: NsfwRow = { sourceId: ctx.sourceId, ts: frame.ts, seq: v.seq, ...s, modelId: MODEL_ID };
          frames++;
          await ctx.emit({ table: 'nsfw_scores', rows: [row] });
          ctx.pushLive({ kind: 'nsfw', ts: frame.ts, data: row });
        }
      },
      async finish() {
        keeper.clear();
      },
      summary: () => ({ frames, held }),
      async close() {
        keeper.clear();
      },
    };
  },
};
