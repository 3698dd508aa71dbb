import type { AnalyzerContext, AnalyzerDefinition, AnalyzerInstance } from '../analyzers/contract.ts';
import { InferenceError } from '../errors.ts';
import { DEFAULT_SPEAKER_EMBEDDER_ID } from '../models/manifest-speakers.ts';
import { speakersConfigSchema, type SpeakersConfig } from './config.ts';
import { createOrtEmbedder, createSherpaEmbedder, type SpeakerEmbedder } from './embedder.ts';
import { createSpeakersInstance } from './instance.ts';
import { createOfflineDiarizer, type OfflineDiarizer } from './offline.ts';

/** What a failed start leaves: an instance that ignores its inputs (the failure is already reported). */
function inertInstance(): AnalyzerInstance {
  return {
    async audio() {},
    async results() {},
    async finish() {},
    summary: () => ({ failed: true }),
    async close() {},
  };
}

const asInferenceError = (err: unknown): InferenceError =>
  err instanceof InferenceError
    ? err
    : new InferenceError('MODEL_LOAD_FAILED', `speakers: ${String(err)}`, { cause: err });

async function start(ctx: AnalyzerContext, config: SpeakersConfig): Promise<AnalyzerInstance> {
  const id = config.embeddingModel;
  const model = ctx.models.get(id);
  if (!model)
    throw new InferenceError(
      'MODEL_NOT_FOUND',
      `analyzer speakers: voice embedder '${id}' is not available (aima models pull ${id})`,
    );
  if (model.spec.task !== 'speaker-embedding')
    throw new InferenceError(
      'INFER_BAD_CONFIG',
      `analyzer speakers: model '${id}' is not a speaker embedder`,
    );
  let offline: OfflineDiarizer | null = null;
  if (config.segmentationModel && !ctx.live) {
    const seg = ctx.models.get(config.segmentationModel);
    if (!seg || seg.spec.task !== 'speaker-segmentation')
      throw new InferenceError(
        'MODEL_NOT_FOUND',
        `analyzer speakers: segmentation model '${config.segmentationModel}' is not available`,
      );
    offline = await createOfflineDiarizer({
      segmentationPath: seg.path,
      embeddingPath: model.path,
      label: seg.spec.id,
      threshold: config.threshold,
    });
  }
  const embedder: SpeakerEmbedder =
    config.engine === 'sherpa'
      ? await createSherpaEmbedder(model.path, { label: id })
      : await createOrtEmbedder(await ctx.session(id), model.path, { label: id });
  return createSpeakersInstance(ctx, config, embedder, offline);
}

/**
 * Who speaks when, within one source: speakers S1, S2, … from voice embeddings of the VAD's speech
 * turns (cut further at speaker changes), transcript segments re-emitted with their speaker, and a
 * link to the person whose face alone is visible while the speaker talks.
 *
 * Off by default: its voice embedder is a download (`aima models pull 3dspeaker-campplus-en-voxceleb`),
 * and a default run must not fail on installations without it. A missing or unloadable model is
 * reported through ctx.fail (MODEL_NOT_FOUND / MODEL_LOAD_FAILED) and the rest of the job goes on.
 */
export const speakersAnalyzer: AnalyzerDefinition<SpeakersConfig> = {
  id: 'speakers',
  version: '1',
  title: 'Speakers',
  description:
    'Speaker turns and speakers (S1, S2, …) from voice embeddings; transcript speakers; links to visible persons.',
  models: [DEFAULT_SPEAKER_EMBEDDER_ID],
  consumes: [
    { kind: 'audio', sampleRate: 16000 },
    { kind: 'results', of: ['vad'], tables: ['speech_segments'] },
    // Transcripts get their speaker when asr runs; speakers get a person when faces run.
    { kind: 'results', of: ['asr'], tables: ['transcript_segments'], optional: true },
    { kind: 'results', of: ['faces'], tables: ['appearances'], optional: true },
  ],
  config: speakersConfigSchema,
  defaultOn: false,
  produces: [
    { table: 'speaker_turns', live: 'speaker', lane: 'speakers' },
    { table: 'speakers', live: '', lane: 'none' },
    // The asr analyzer's segments again, now with speakerId and personId (same segmentId: the later row wins).
    { table: 'transcript_segments', live: '', lane: 'none' },
  ],
  async create(ctx, config) {
    try {
      return await start(ctx, config);
    } catch (err) {
      ctx.fail(asInferenceError(err));
      return inertInstance();
    }
  },
};
