// The seed API's limits, stated once: the OpenAPI descriptions quote them and the decoders enforce them.

export const SEED_LIMITS = Object.freeze({
  /** Largest request body (JSON), bytes. */
  bodyBytes: 32 * 1024 * 1024,
  /** Frames in one batch. */
  framesPerBatch: 64,
  /** Longest side of a frame, pixels. */
  maxSide: 4096,
  /** Pixels of one frame. */
  maxPixels: 16 * 1024 * 1024,
  minSampleRate: 8000,
  maxSampleRate: 192_000,
  /** Audio per request, seconds (all clips together). */
  maxAudioSeconds: 60,
  maxChannels: 8,
  /** Sequence rate of a batch, frames per second. */
  maxFps: 60,
  /** Seed runs at once (more answer 503 ANALYZE_BUSY). */
  concurrent: 2,
});

/** Analyzers the seed API runs when the request names none (each only where available). */
export const SEED_DEFAULT_ANALYZERS: readonly string[] = Object.freeze([
  'detect',
  'faces',
  'pose',
  'tags',
  'age',
  'sounds',
  'asr',
  'safety',
]);

/** One line for the OpenAPI descriptions. */
export function describeLimits(): string {
  const l = SEED_LIMITS;
  return (
    `Limits: body ≤ ${l.bodyBytes / 1024 / 1024} MiB (413); frames ≤ ${l.framesPerBatch} per batch ` +
    `(413 ANALYZE_TOO_MANY_FRAMES); a frame ≤ ${l.maxSide} px a side and ≤ ${l.maxPixels / 1024 / 1024} MP ` +
    `(413 ANALYZE_FRAME_TOO_LARGE); sample rates ${l.minSampleRate}–${l.maxSampleRate} Hz ` +
    `(400 ANALYZE_BAD_SAMPLE_RATE); audio ≤ ${l.maxAudioSeconds} s (413 ANALYZE_AUDIO_TOO_LONG); ` +
    `≤ ${l.maxChannels} interleaved channels. Malformed base64 or images: 400 ANALYZE_BAD_FRAME; a pixel ` +
    `array whose length is not width·height·channels: 400 ANALYZE_PIXELS_MISMATCH; batch frames of ` +
    `different sizes: 400 ANALYZE_FRAME_SIZE_MISMATCH; malformed audio: 400 ANALYZE_BAD_AUDIO; an ` +
    `unknown analyzer: 400 INFER_UNKNOWN_ANALYZER; a requested analyzer without its model: 422 ` +
    `ANALYZE_MODEL_MISSING; nsfw without a working age analyzer: SAFETY_AGE_GATE_REQUIRED. ` +
    `Every input is validated and decoded before anything is stored or analysed.`
  );
}
