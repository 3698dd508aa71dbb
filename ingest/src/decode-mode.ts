// How much of a video stream ffmpeg decodes (DecodeMode), and the decoder options each mode sets.
// Pure: the numbers behind each choice come from bench/decode-modes.ts (ffmpeg 5.1, 2 cores).
import type { DecoderSkip } from './ffmpeg/args.ts';
import type { DecodeMode } from './types.ts';

/** Every DecodeMode, for schemas and CLI checks. */
export const DECODE_MODES = ['full', 'fast', 'keyframes'] as const satisfies readonly DecodeMode[];

export function isDecodeMode(value: unknown): value is DecodeMode {
  return typeof value === 'string' && (DECODE_MODES as readonly string[]).includes(value);
}

/**
 * 'fast' is the default for paced sources (live, or files read at their real rate) analysed at
 * this fraction of their frame rate or less (2 fps of a 10 fps camera qualifies, 8 fps does not).
 * Files read as fast as possible default to 'full': their results stay bit-identical.
 */
export const FAST_MAX_RATE_RATIO = 0.5;

/**
 * `-skip_frame noref` only when the analysed rate is at most 1/8 of the source's (2 fps of 25 fps):
 * skipped frames leave gaps of several source frames (vtest.mp4 has runs of 6 non-reference
 * B-frames: 0.7 s gaps at 10 fps), and the fps filter fills an analysed slot with the nearest
 * decoded frame. With 8 source frames per slot, that frame stays within the slot.
 */
export const SKIP_NONREF_MIN_RATE_RATIO = 8;

export interface DecodeModeContext {
  /** Live, or a file read at its real rate (-re). */
  readonly paced: boolean;
  /** The analysed frame rate; undefined = every source frame. */
  readonly fps?: number;
  /** The source's frame rate as probed; null when unknown. */
  readonly sourceFps: number | null;
}

/** The mode that `requested` (undefined = the default) means for this source. */
export function resolveDecodeMode(requested: DecodeMode | undefined, ctx: DecodeModeContext): DecodeMode {
  if (requested !== undefined) return requested;
  const { paced, fps, sourceFps } = ctx;
  if (!paced || fps === undefined || sourceFps === null || !(sourceFps > 0)) return 'full';
  return fps <= sourceFps * FAST_MAX_RATE_RATIO ? 'fast' : 'full';
}

/** What the decoder is told for a resolved mode. */
export interface DecoderPlan {
  readonly mode: DecodeMode;
  /** Decoder threads; undefined = ffmpeg's choice (all cores). */
  readonly threads?: number;
  readonly skip: DecoderSkip;
}

/**
 * - 'full': every frame decoded exactly (threads as asked).
 * - 'fast': one decoder thread (frame threading buys nothing at a few fps and costs ~10 % more CPU
 *   and a frame of latency per thread), no deblocking on non-reference frames, and no decoding of
 *   non-reference frames at all when the analysed rate is far below the source's (see
 *   SKIP_NONREF_MIN_RATE_RATIO). Frames stay on the same timestamps as 'full'.
 * - 'keyframes': only keyframes are decoded: the analysed rate becomes the keyframe (GOP) rate,
 *   at most `fps`, and each frame's ptsMs is its keyframe's own PTS.
 */
export function decoderPlan(mode: DecodeMode, ctx: DecodeModeContext, threads?: number): DecoderPlan {
  switch (mode) {
    case 'full':
      return { mode, ...(threads ? { threads } : {}), skip: {} };
    case 'fast': {
      const { fps, sourceFps } = ctx;
      const farBelow =
        fps !== undefined &&
        sourceFps !== null &&
        sourceFps > 0 &&
        fps * SKIP_NONREF_MIN_RATE_RATIO <= sourceFps;
      return { mode, threads: threads ?? 1, skip: farBelow ? { frame: 'noref' } : { loopFilter: 'noref' } };
    }
    case 'keyframes':
      return { mode, threads: threads ?? 1, skip: { frame: 'nokey' } };
  }
}
