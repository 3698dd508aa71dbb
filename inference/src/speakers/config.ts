import { z } from 'zod';
import { DEFAULT_SPEAKER_EMBEDDER_ID } from '../models/manifest-speakers.ts';

export const speakersConfigSchema = z
  .object({
    /** Registry id of the voice embedder (task 'speaker-embedding', sherpa-onnx metadata). */
    embeddingModel: z.string().min(1).default(DEFAULT_SPEAKER_EMBEDDER_ID),
    /**
     * 'sherpa': sherpa-onnx's extractor (its fbank and ORT, in the job's thread); 'ort': our fbank
     * and the runtime's shared ORT session (worker thread, the job's execution provider).
     */
    engine: z.enum(['sherpa', 'ort']).default('sherpa'),
    /**
     * Registry id of a pyannote segmentation model (task 'speaker-segmentation'): files then go
     * through sherpa-onnx's offline diarization at finish() instead of VAD turns. null: VAD turns.
     * The host must resolve it (it is not in the definition's models): missing → MODEL_NOT_FOUND.
     */
    segmentationModel: z.string().min(1).nullable().default(null),
    /**
     * Cosine similarity at or above which a turn joins a known speaker. Not measured for the
     * real embedders here (no weights on this machine): 0.5 is sherpa-onnx's usual verification
     * threshold for CAM++; tune per model.
     */
    threshold: z.number().min(-1).max(1).default(0.5),
    /** Neighbouring windows of one turn below this similarity: a speaker change. */
    changeThreshold: z.number().min(-1).max(1).default(0.3),
    /** Sliding window for speaker changes inside long turns. */
    windowMs: z.number().min(500).max(10_000).default(1500),
    hopMs: z.number().min(100).max(10_000).default(750),
    /** Pieces of a split turn are at least this long. */
    minPieceMs: z.number().min(0).default(1000),
    /** Turns shorter than this are not embedded: they join the previous speaker when it spoke within mergeGapMs. */
    minTurnMs: z.number().min(30).default(600),
    mergeGapMs: z.number().min(0).default(1500),
    maxSpeakers: z.number().int().min(1).max(1000).default(32),
    maxExemplarsPerSpeaker: z.number().int().min(1).max(256).default(16),
    /** Audio kept for turns the VAD reports late (bounded). */
    audioBufferMs: z.number().min(5_000).max(600_000).default(120_000),
    /** A transcript segment waits this long past its end for turns covering it. */
    transcriptSettleMs: z.number().min(0).default(5_000),
    /** Linking to persons: share of speaking time one person alone must be visible. */
    linkMinShare: z.number().min(0).max(1).default(0.6),
    linkMinSpeakingMs: z.number().min(0).default(1000),
    /** Turns and face tracks kept for linking; transcript segments kept for re-emission (each bounded). */
    maxTurnsKept: z.number().int().min(16).default(4096),
    maxFaceTracksKept: z.number().int().min(16).default(4096),
    maxTranscriptsKept: z.number().int().min(16).default(1024),
    /** Files longer than this skip offline diarization (its input is held in memory) and use VAD turns. */
    maxOfflineMs: z.number().min(0).default(3_600_000),
  })
  .strict()
  .refine((c) => c.hopMs <= c.windowMs, { message: 'hopMs must be <= windowMs' });

export type SpeakersConfig = z.infer<typeof speakersConfigSchema>;
