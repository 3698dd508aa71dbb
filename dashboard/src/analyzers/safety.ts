import { z } from 'zod';
import {
  createSafetyEngine,
  loadRules,
  SAFETY_ASSESSMENT,
  type AnalysisEvent,
  type AnalyzerDefinition,
  type AudioEventRow,
  type EngineOutput,
  type PoseFeatureRow,
  type TagRow,
  type TranscriptSegmentRow,
} from '@aima/inference';
import { ANALYSIS_EVENTS } from './detect.ts';

/** Per-source settings: the rule file (else the shipped default), the user's safe words, the window. */
export const SafetyConfig = z
  .object({
    /** A rule file (YAML or JSON) on the server; default inference/src/safety/rules.default.yaml. */
    rulesFile: z.string().min(1).max(4096).optional(),
    /** Words that, spoken, mean "stop now" (matched on word boundaries in the transcript). */
    safeWords: z.array(z.string().trim().min(1).max(64)).max(32).default([]),
    windowMs: z.number().int().min(100).max(60_000).default(1000),
    /**
     * How long after a window ends it is evaluated (late pose rows, sound events and transcript
     * lines still count in it). Default: one window live (alerts stay prompt), 8 s for files
     * (audio analyzers may trail the frames; nothing waits for a viewer).
     */
    lagMs: z.number().int().min(0).max(60_000).optional(),
  })
  .strict();
export type SafetyConfig = z.infer<typeof SafetyConfig>;

/** A strictly increasing µs-scaled wall clock: an event's later row (its close) replaces the earlier. */
function versions(): () => number {
  let last = 0;
  return () => {
    const now = Date.now() * 1000;
    last = now > last ? now : last + 1;
    return last;
  };
}

/**
 * Rules over other analyzers' results (issue 11): restraint, alone, unsupervised restraint,
 * distress in the audio, immobility; a risk score per window. Its purpose is protection: it
 * raises alerts, it identifies nobody and follows nobody beyond detect's per-source tracks.
 */
export const safetyAnalyzer: AnalyzerDefinition<SafetyConfig> = {
  id: 'safety',
  version: '1',
  title: 'Safety rules',
  description: 'Rules over other analyzers: restraint, alone, distress, immobility, and a risk score',
  models: [],
  consumes: [
    { kind: 'results', of: ['detect'], tables: [ANALYSIS_EVENTS] },
    { kind: 'results', of: ['pose'], tables: ['pose_features'] },
    { kind: 'results', of: ['tags'], tables: ['tags'], optional: true },
    { kind: 'results', of: ['sounds'], tables: ['audio_events'], optional: true },
    { kind: 'results', of: ['asr'], tables: ['transcript_segments'], optional: true },
  ],
  config: SafetyConfig,
  defaultOn: false,
  produces: [
    { table: 'safety_events', live: 'safety-event', lane: 'safety' },
    { table: 'risk_scores', live: 'safety', lane: 'safety' },
  ],
  async create(ctx, cfg) {
    const { rules } = await loadRules(cfg.rulesFile);
    const engine = createSafetyEngine({
      sourceId: ctx.sourceId,
      rules,
      running: ctx.running,
      windowMs: cfg.windowMs,
      lagMs: cfg.lagMs ?? (ctx.live ? cfg.windowMs : Math.max(cfg.windowMs, 8000)),
      safeWords: cfg.safeWords,
      version: versions(),
    });
    let maxRisk = 0;

    const publish = async (out: EngineOutput): Promise<void> => {
      if (out.events.length > 0) await ctx.emit({ table: 'safety_events', rows: out.events });
      if (out.risks.length > 0) await ctx.emit({ table: 'risk_scores', rows: out.risks });
      if (out.assessments.length > 0) {
        await ctx.emit({ table: SAFETY_ASSESSMENT, rows: out.assessments, transient: true });
      }
      for (const e of out.events)
        ctx.pushLive({ kind: 'safety-event', ts: e.open ? e.startTs : e.endTs, data: e });
      // Viewers need the present state, not every window of a file analysed faster than real time.
      const a = out.assessments.at(-1);
      if (a) ctx.pushLive({ kind: 'safety', ts: a.ts, data: a });
      for (const r of out.risks) maxRisk = Math.max(maxRisk, r.score);
    };

    return {
      async results(from, batch) {
        if (batch.table === ANALYSIS_EVENTS) {
          for (const e of batch.rows as AnalysisEvent[]) if (e.type === 'frame') engine.frame(e.frame);
        } else if (batch.table === 'pose_features') engine.poseFeatures(batch.rows as PoseFeatureRow[]);
        else if (batch.table === 'tags') engine.tags(batch.rows as TagRow[]);
        else if (batch.table === 'audio_events') engine.audioEvents(batch.rows as AudioEventRow[]);
        else if (batch.table === 'transcript_segments' && from === 'asr') {
          engine.transcript(batch.rows as TranscriptSegmentRow[]);
        }
        await publish(engine.advance());
      },
      async gap() {
        await publish(engine.gap());
      },
      async finish() {
        await publish(engine.finish());
      },
      summary: () => ({
        ...engine.totals,
        maxRisk,
        inactive: engine.inactive,
        tags: ctx.running.includes('tags'),
      }),
      async close() {},
    };
  },
};
