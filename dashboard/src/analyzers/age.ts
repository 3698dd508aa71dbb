import { z } from 'zod';
import {
  AGE_VERDICTS,
  createModelRegistry,
  createModelSession,
  DEFAULT_AGE_MARGIN,
  MIN_FACE_PX,
  adultThreshold,
  ageInterval,
  ageable,
  createAgeModel,
  faceVerdict,
  frameVerdict,
  type AgeDecoder,
  type AgeModel,
  type AgeRow,
  type AnalyzerContext,
  type AnalyzerDefinition,
  type ModelSession,
  type VideoInput,
} from '@aima/inference';
import type { LiveFace } from '../protocol.ts';
import { FRAME_FACES } from './faces.ts';
import { createFrameKeeper } from './frame-keeper.ts';

export const AgeConfig = z
  .object({
    /** Years over 18 an estimate must reach to count as adult (the weak model's error band). */
    margin: z.number().min(0).max(30).default(DEFAULT_AGE_MARGIN),
    /** Faces with a shorter side (source pixels) are not aged: verdict 'unknown'. */
    minFacePx: z.number().int().min(8).max(512).default(MIN_FACE_PX),
    /** ssrnet (shared/models, weak) or genderage (InsightFace, stronger: `aima models pull genderage`). */
    model: z.enum(['ssrnet', 'genderage']).default('ssrnet'),
    /** Download genderage when it is not local (default: only AIMA_MODELS_DIR and the cache). */
    download: z.boolean().default(false),
  })
  .strict();
type AgeConfig = z.infer<typeof AgeConfig>;

const MODEL_ID = 'ssrnet';

/**
 * SSR-Net is the runtime's shared session; genderage is loaded for this instance. A model that
 * cannot be had fails create(): with NSFW analysis chosen, the host then refuses to start at all.
 */
async function loadModel(
  ctx: AnalyzerContext,
  cfg: AgeConfig,
): Promise<{ model: AgeModel; id: string; owned: ModelSession | null }> {
  if (cfg.model === MODEL_ID) {
    return { model: createAgeModel(await ctx.session(MODEL_ID), 'ssrnet'), id: MODEL_ID, owned: null };
  }
  const registry = createModelRegistry({ modelsDir: process.env.AIMA_MODELS_DIR ?? null });
  const m = await registry.resolve(cfg.model, { download: cfg.download, signal: ctx.signal });
  const session = await createModelSession(m.path, {
    executionProvider: ctx.executionProvider,
    intraOpThreads: 1,
    label: cfg.model,
  });
  return { model: createAgeModel(session, m.spec.decoder as AgeDecoder), id: cfg.model, owned: session };
}

/**
 * Age per face on every analysed frame that faces looked at (the minor-protection gate's input):
 * one age_estimates row per face, one AGE_VERDICTS row per frame (faces or not), in frame order.
 * A face that cannot be aged (too small, model error) is 'unknown': never adult. A frame whose
 * pixels the host dropped (a live source far behind) is 'skipped': never classified, not a quarantine.
 */
export const ageAnalyzer: AnalyzerDefinition<z.infer<typeof AgeConfig>> = {
  id: 'age',
  version: '1',
  title: 'Age',
  description: 'Age estimate per face (SSR-Net; stronger models in the manifest): the age gate’s input',
  models: [MODEL_ID],
  consumes: [{ kind: 'video' }, { kind: 'results', of: ['faces'], tables: [FRAME_FACES] }],
  config: AgeConfig,
  defaultOn: false,
  produces: [
    { table: 'age_estimates', live: 'age', lane: 'age' },
    { table: AGE_VERDICTS, live: '', lane: 'none' },
  ],
  async create(ctx, cfg) {
    const { model, id: modelId, owned } = await loadModel(ctx, cfg);
    const threshold = adultThreshold(cfg.margin);
    const keeper = createFrameKeeper();
    const totals = { frames: 0, faces: 0, minors: 0, unknown: 0, skipped: 0 };

    const ageOf = async (frame: VideoInput | undefined, box: LiveFace['box']): Promise<number | null> => {
      if (!frame || !ageable(box, cfg.minFacePx)) return null;
      try {
        return (await model.estimate(frame, box))?.age ?? null;
      } catch {
        // A model error is not an age: 'unknown' trips the gate (fail closed).
        return null;
      }
    };

    return {
      async video(frame) {
        keeper.keep(frame);
      },
      async results(_from, batch) {
        if (batch.table !== FRAME_FACES) return;
        for (const r of batch.rows as Array<{ seq: number; faces: LiveFace[] }>) {
          const frame = keeper.take(r.seq);
          if (!frame) {
            // The host dropped this live frame before we got it: no face of it was looked at.
            totals.skipped++;
            const skipped = {
              seq: r.seq,
              ts: ctx.epochMs,
              faces: r.faces.length,
              minAge: null,
              verdict: 'skipped' as const,
              threshold,
            };
            await ctx.emit({ table: AGE_VERDICTS, rows: [skipped], transient: true });
            continue;
          }
          const ts = frame.ts;
          const rows: AgeRow[] = [];
          for (const f of r.faces) {
            const age = await ageOf(frame, f.box);
            const band = age === null ? null : ageInterval(age);
            rows.push({
              sourceId: ctx.sourceId,
              ts,
              seq: r.seq,
              faceTrackId: f.faceTrackId,
              box: f.box,
              age,
              low: band?.low ?? null,
              high: band?.high ?? null,
              verdict: faceVerdict(age, cfg.margin),
              modelId,
            });
          }
          const verdict = frameVerdict(r.seq, ts, rows, threshold);
          totals.frames++;
          totals.faces += rows.length;
          if (verdict.verdict === 'minor') totals.minors++;
          if (verdict.verdict === 'unknown') totals.unknown++;
          if (rows.length > 0) await ctx.emit({ table: 'age_estimates', rows });
          await ctx.emit({ table: AGE_VERDICTS, rows: [verdict], transient: true });
          ctx.pushLive({
            kind: 'age',
            ts,
            data: {
              seq: r.seq,
              verdict: verdict.verdict,
              faces: rows.map((a) => ({ box: a.box, age: a.age, verdict: a.verdict })),
            },
          });
        }
      },
      async finish() {
        keeper.clear();
      },
      summary: () => ({ ...totals, threshold }),
      async close() {
        keeper.clear();
        await owned?.close();
      },
    };
  },
};
