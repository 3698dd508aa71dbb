import { z } from 'zod';
import type { Frame } from '@aima/ingest';
import { profileOf, type AnalysisEvent, type AnalyzerDefinition } from '@aima/inference';
import type { Store } from '@aima/storage';
import { createFaceStage, type FaceDeps } from '../jobs/face-stage.ts';
import type { LiveFace } from '../protocol.ts';
import { ANALYSIS_EVENTS } from './detect.ts';
import { createFrameKeeper } from './frame-keeper.ts';
import { CUTS } from './shots.ts';

/** Transient table: the faces seen on one analysed frame ({ seq, faces }), for live previews. */
export const FRAME_FACES = 'frame-faces';

export const FacesConfig = z
  .object({
    /** Image folders: every face is its own appearance (no tracking across images). */
    still: z.boolean().default(false),
    /**
     * Where faces are looked for: 'persons', in windows around detect's person boxes only (no
     * person, no face search), a person whose face is known `knownRate` times a second; 'frame',
     * the whole frame on every frame. Image folders always search whole images.
     */
    region: z.enum(['persons', 'frame']).default('persons'),
    /** Looks per second at a person whose face is known (region 'persons'). */
    knownRate: z.number().positive().max(1000).default(4),
    /**
     * Looks per second at a person whose face was found but is not known yet (region 'persons');
     * absent: every frame. Lower is cheaper on faces that stay turned away or blurred, but may
     * miss the one good frame that identifies someone (on the Hamilton clip, 15/s loses a person).
     */
    seenRate: z.number().positive().max(1000).optional(),
    /** Good faces in its face track that make a person's face known (region 'persons'). */
    knownAfter: z.number().int().min(1).max(1000).default(3),
  })
  .strict();

/**
 * Frames in the face models at once per source (their bookkeeping stays in order). The face
 * stage plans frame k after frame k − 3's bookkeeping: with 3 here, that never waits.
 */
const FACE_DEPTH = 3;

/**
 * Faces → persons: detect, align, embed each analysed frame's faces, link them to detect's person
 * tracks, follow face tracks (ended at shot cuts) and hand each finished track to the persons
 * service, which assigns it to a person of this installation.
 */
export const facesAnalyzer: AnalyzerDefinition<z.infer<typeof FacesConfig>> = {
  id: 'faces',
  version: '2',
  title: 'Faces and persons',
  description:
    'Face detection (YuNet/SCRFD), alignment, quality, embeddings; face tracks grouped into persons',
  // The face models are the runtime's (AIMA_FACE_DETECTOR / AIMA_FACE_EMBEDDER), shared by every source.
  models: [],
  consumes: [
    { kind: 'video', minLongSide: 960 },
    { kind: 'results', of: ['detect'], tables: [ANALYSIS_EVENTS] },
    { kind: 'results', of: ['shots'], tables: [CUTS], optional: true },
  ],
  config: FacesConfig,
  defaultOn: true,
  produces: [
    { table: 'faces', live: 'frame', lane: 'faces' },
    // Stored by the persons service; emitted (transient) as { faceTrackId, personId, startTs, endTs }.
    { table: 'appearances', live: '', lane: 'faces' },
  ],
  async create(ctx, cfg) {
    const deps = ctx.service<FaceDeps | null>('faces');
    if (!deps) throw new Error('faces are off in this runtime (AIMA_FACES=off)');
    const onWrite = ctx.service<{ onStoreWrite?: (ms: number) => void }>('hooks').onStoreWrite;
    const stage = createFaceStage(ctx.service<Store>('store'), deps, {
      sourceId: ctx.sourceId,
      still: cfg.still,
      region: cfg.region,
      knownRate: cfg.knownRate,
      seenRate: cfg.seenRate,
      knownAfter: cfg.knownAfter,
      profile: profileOf(ctx),
      onWrite,
      // Stored by the persons service; passed on (transient) to consumers such as speakers.
      onAppearance: (a) =>
        ctx.emit({
          table: 'appearances',
          transient: true,
          rows: [{ faceTrackId: a.appearanceId, personId: a.personId, startTs: a.startTs, endTs: a.endTs }],
        }),
    });
    const keeper = createFrameKeeper();
    const steps: Promise<void>[] = [];
    // Settles every face step (so none is left unhandled) and rethrows the first failure.
    const drain = async (): Promise<void> => {
      const results = await Promise.allSettled(steps.splice(0));
      const bad = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (bad) throw bad.reason;
    };
    return {
      async video(frame) {
        keeper.keep(frame);
      },
      async results(from, batch) {
        if (batch.table === CUTS) {
          // A cut ends every face track first: a track must not run on into the next shot.
          void stage.cut().catch(() => undefined);
          return;
        }
        for (const e of batch.rows as AnalysisEvent[]) {
          if (e.type !== 'frame') continue;
          const frame = keeper.take(e.frame.seq);
          if (!frame) continue;
          const size = { width: frame.sourceWidth, height: frame.sourceHeight };
          const seq = e.frame.seq;
          steps.push(
            stage
              .process(frame as unknown as Frame, e.frame.detections, size)
              .then((faces: LiveFace[]) =>
                ctx.emit({ table: FRAME_FACES, rows: [{ seq, faces }], transient: true }),
              ),
          );
          if (steps.length >= FACE_DEPTH) await steps.shift();
        }
      },
      async finish() {
        await drain();
        await stage.close();
      },
      summary: () => ({ ...stage.totals }),
      async close() {
        keeper.clear();
        await drain().catch(() => undefined);
      },
    };
  },
};
