// The seed API's request and answer shapes (issue 11): one frame or a time sequence of frames, with
// optional audio, run through the same analyzers and the same age gate as every other source.
import type { SafetyAssessment } from '@aima/inference';

/** Channel order of a raw pixel array. */
export type PixelFormat = 'rgb' | 'rgba' | 'bgr' | 'gray';

/** A raw pixel array: width·height·channels bytes, as numbers 0..255 or base64. */
export interface PixelFrameInput {
  readonly width: number;
  readonly height: number;
  readonly data: readonly number[] | string;
  readonly format: PixelFormat;
}

/** A frame: base64 JPEG/PNG (a data URL too), or raw pixels. */
export type FrameInput = string | PixelFrameInput;

/** Samples as floats in [-1, 1], or base64 of little-endian float32 ('f32') / int16 ('s16'). */
export type AudioClipInput = readonly number[] | string;
export type AudioEncoding = 'f32' | 's16';

export interface SeedAudioInput {
  /** One clip, or one clip per frame (concatenated in frame order). */
  readonly clips: readonly AudioClipInput[];
  /** One rate for every clip, or one per clip. */
  readonly sampleRates: readonly number[];
  readonly encoding: AudioEncoding;
  /** Interleaved channels (mixed down to mono). */
  readonly channels: number;
}

export interface SeedRequest {
  readonly frames: readonly FrameInput[];
  readonly audio: SeedAudioInput | null;
  /** Frames per second of the sequence (frame i is at i / fps s). */
  readonly fps: number;
  /** Analyzer ids; null: the seed API's default set, each only where available. */
  readonly analyzers: readonly string[] | null;
}

export type Box = readonly [number, number, number, number];

export interface SeedFrame {
  readonly index: number;
  readonly ts: number;
  readonly width: number;
  readonly height: number;
  readonly detections: Array<{ label: string; score: number; box: Box; trackId: number }>;
  readonly persons: Array<{ trackId: number; faceTrackId: number; personId: string; name: string; box: Box }>;
  readonly pose: Array<{ trackId: number; keypoints: number[][]; score: number }>;
  readonly tags: Array<{ trackId: number; scope: string; category: string; tag: string; score: number }>;
  age?: Array<{ faceTrackId: number; age: number | null; verdict: string; box: Box }>;
  nsfw?: Record<string, number>;
}

export interface SeedAudio {
  readonly events: Array<{ label: string; startTs: number; endTs: number; peakScore: number }>;
  readonly transcript: Array<{ segmentId: string; text: string; startTs: number; endTs: number }>;
}

export interface SeedQuarantine {
  readonly code: string;
  readonly reason: string;
  readonly ts: number;
}

export interface SeedFailure {
  readonly analyzer: string;
  readonly code: string;
  readonly message: string;
}

export interface SeedResponse {
  readonly sourceId: string;
  readonly analyzers: readonly string[];
  readonly frames: SeedFrame[];
  readonly audio: SeedAudio;
  readonly safety: SafetyAssessment | null;
  readonly quarantine: SeedQuarantine | null;
  /** Analyzers that could not run (no model, not built, failed): each with its code. */
  readonly unavailable: SeedFailure[];
  readonly timings: { decodeMs: number; analyzeMs: number; totalMs: number };
}

/** What the routes call (ServerDeps.analyze). */
export interface FrameAnalyzer {
  analyze(req: SeedRequest, signal?: AbortSignal): Promise<SeedResponse>;
}
