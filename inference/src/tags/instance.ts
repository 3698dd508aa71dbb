// One source's tags instance: frames wait (bounded) for detect's results; due person crops and
// the frame go through the zero-shot tagger, then pose's rows add wrist/ankle crops of frames kept
// for them; scores are aggregated per track and window into `tags` rows.
import type { AnalyzerContext, AnalyzerInstance, VideoInput } from '../analyzers/contract.ts';
import type { PoseRow } from '../pose/records.ts';
import { createTagAggregator, type AggregatedTag } from './aggregate.ts';
import type { TagsConfig } from './config.ts';
import { createCropPlanner, type PersonBox, type PlannedCrop } from './crops.ts';
import type { TagCategory, TagRow } from './records.ts';
import type { ZeroShotTagger } from './tagger.ts';

/** The frame events of detect the instance reads (a structural subset of AnalysisEvent). */
interface DetectFrameEvent {
  readonly type: string;
  readonly frame?: {
    readonly seq: number;
    readonly ts: number;
    readonly detections: ReadonlyArray<{
      readonly label: string;
      readonly trackId: number;
      readonly box: PersonBox['box'];
    }>;
  };
}

export interface TagsInstanceDeps {
  readonly tagger: ZeroShotTagger;
  readonly modelId: string;
  readonly jobId: string;
  /** detect's transient table of analysis events. */
  readonly detectEvents: string;
}

/** Live message data of kind 'tags': the rows of windows that just closed. */
export interface LiveTags {
  readonly rows: readonly TagRow[];
}

const KEEP_FRAMES = 96;
const KEEP_POSE_FRAMES = 24;

function keep(map: Map<number, VideoInput>, f: VideoInput, limit: number): void {
  map.set(f.seq, f);
  if (map.size > limit) map.delete(map.keys().next().value as number);
}

/** Takes frame `seq` and forgets the older ones (results come in seq order). */
function take(map: Map<number, VideoInput>, seq: number): VideoInput | undefined {
  const f = map.get(seq);
  for (const k of map.keys()) {
    if (k > seq) break;
    map.delete(k);
  }
  return f;
}

export function createTagsInstance(
  ctx: AnalyzerContext,
  cfg: TagsConfig,
  deps: TagsInstanceDeps,
): AnalyzerInstance {
  const thresholds: Partial<Record<TagCategory, number>> = {};
  for (const c of deps.tagger.plan.categories) if (c.threshold !== undefined) thresholds[c.id] = c.threshold;
  const aggregator = createTagAggregator({ windowMs: cfg.windowMs, threshold: cfg.threshold, thresholds });
  const planner = createCropPlanner({ everyMs: cfg.everyMs, maxPersons: cfg.maxPersons, frames: cfg.frames });
  const withPose = cfg.limbs && ctx.running.includes('pose');
  const frames = new Map<number, VideoInput>();
  const poseFrames = new Map<number, VideoInput>();
  let closed = false;
  let crops = 0;
  let rowsOut = 0;
  let modelMs = 0;

  const emit = async (tags: readonly AggregatedTag[]): Promise<void> => {
    if (tags.length === 0) return;
    const rows: TagRow[] = tags.map((t) => ({
      sourceId: ctx.sourceId,
      ...t,
      modelId: deps.modelId,
      jobId: deps.jobId,
    }));
    rowsOut += rows.length;
    await ctx.emit({ table: 'tags', rows });
    ctx.pushLive({
      kind: 'tags',
      ts: Math.max(...rows.map((r) => r.endTs)),
      data: { rows } satisfies LiveTags,
    });
  };

  const run = async (frame: VideoInput, ts: number, planned: readonly PlannedCrop[]): Promise<void> => {
    if (planned.length === 0) return;
    const t0 = performance.now();
    const scores = await deps.tagger.tag(frame, planned);
    modelMs += performance.now() - t0;
    crops += planned.length;
    const out: AggregatedTag[] = [];
    planned.forEach((c, i) =>
      out.push(...aggregator.push({ trackId: c.trackId, scope: c.scope, ts, scores: scores[i] ?? [] })),
    );
    await emit(out);
  };

  const onDetect = async (e: DetectFrameEvent): Promise<void> => {
    if (e.type !== 'frame' || !e.frame) return;
    const { seq, ts, detections } = e.frame;
    const frame = take(frames, seq);
    if (!frame) return;
    const persons = detections
      .filter((d) => d.label === 'person' && d.trackId > 0)
      .map((d) => ({ trackId: d.trackId, box: d.box }));
    if (withPose) keep(poseFrames, frame, KEEP_POSE_FRAMES);
    await run(frame, ts, planner.frame(ts, persons));
    // Windows a grace window in the past get no more observations (pose rows lag a little).
    await emit(aggregator.closeBefore(ts - cfg.windowMs));
    planner.forget(ts, 60_000);
  };

  const onPoses = async (rows: readonly PoseRow[]): Promise<void> => {
    const bySeq = new Map<number, PoseRow[]>();
    for (const r of rows) bySeq.set(r.seq, [...(bySeq.get(r.seq) ?? []), r]);
    for (const [seq, poses] of bySeq) {
      // Pose consumes detect too, so its rows for a frame may come before detect's event does:
      // the frame is then still among those waiting for detect (and stays there for it).
      const frame = take(poseFrames, seq) ?? frames.get(seq);
      if (frame) await run(frame, frame.ts, planner.limbs(frame.ts, poses));
    }
  };

  return {
    async video(frame) {
      if (!closed) keep(frames, frame, KEEP_FRAMES);
    },
    async results(from, batch) {
      if (closed) return;
      if (batch.table === deps.detectEvents) {
        for (const e of batch.rows as DetectFrameEvent[]) await onDetect(e);
      } else if (batch.table === 'poses' && withPose) {
        await onPoses(batch.rows as PoseRow[]);
      }
    },
    async gap() {
      if (!closed) await emit(aggregator.flush());
    },
    async finish() {
      if (!closed) await emit(aggregator.flush());
    },
    summary: () => ({ crops, rows: rowsOut, modelMs: Math.round(modelMs), modelId: deps.modelId }),
    async close() {
      closed = true;
      frames.clear();
      poseFrames.clear();
    },
  };
}
