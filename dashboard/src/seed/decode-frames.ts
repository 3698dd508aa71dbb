// Seed frames → packed RGB pictures as analyzers get them: JPEG/PNG and raw pixel arrays are all
// decoded (and scaled to the analysis size) by real ffmpeg. Everything is checked against the
// limits before a decoder runs; any failure is a coded 4xx for the whole request.
import { DashboardError } from '../errors.ts';
import { bytesOfNumbers, channelsOf, decodeBase64, readImageHeader } from './bytes.ts';
import { ffmpegPipe } from './ffmpeg-pipe.ts';
import { SEED_LIMITS } from './limits.ts';
import type { FrameInput, PixelFrameInput } from './types.ts';

/** A decoded frame: `data` is width·height·3 bytes of rgb24; the source size is what the client sent. */
export interface DecodedFrame {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
  readonly sourceWidth: number;
  readonly sourceHeight: number;
}

const FFMPEG_PIX_FMT = { rgb: 'rgb24', rgba: 'rgba', bgr: 'bgr24', gray: 'gray' } as const;

/** Checks a picture size against the limits (413 ANALYZE_FRAME_TOO_LARGE, 400 for empty ones). */
export function checkSize(width: number, height: number, what: string): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new DashboardError('ANALYZE_BAD_FRAME', `${what}: size ${width}×${height} is not a picture`);
  }
  if (width > SEED_LIMITS.maxSide || height > SEED_LIMITS.maxSide || width * height > SEED_LIMITS.maxPixels) {
    throw new DashboardError(
      'ANALYZE_FRAME_TOO_LARGE',
      `${what}: ${width}×${height} is over the limit (≤ ${SEED_LIMITS.maxSide} px a side, ≤ ${SEED_LIMITS.maxPixels} pixels)`,
    );
  }
}

/** The size a picture is analysed at: fit inside longSide × longSide, never upscaled. */
export function fitLongSide(
  width: number,
  height: number,
  longSide: number,
): { width: number; height: number } {
  const scale = Math.min(1, longSide / Math.max(width, height));
  if (scale === 1) return { width, height };
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** The encoded bytes of one frame and how ffmpeg reads them (checked, not yet decoded). */
interface FramePlan {
  readonly what: string;
  readonly input: Uint8Array;
  readonly inputArgs: readonly string[];
  readonly width: number;
  readonly height: number;
}

/** Checks one frame (base64, header, size, pixel count) without decoding it. */
export function planFrame(frame: FrameInput, what: string): FramePlan {
  if (typeof frame === 'string') {
    const bytes = decodeBase64(frame, 'ANALYZE_BAD_FRAME', what);
    const header = readImageHeader(bytes);
    if (!header) throw new DashboardError('ANALYZE_BAD_FRAME', `${what}: not a JPEG or PNG image`);
    checkSize(header.width, header.height, what);
    const demuxer = header.kind === 'png' ? 'png_pipe' : 'jpeg_pipe';
    return { what, input: bytes, inputArgs: ['-f', demuxer], width: header.width, height: header.height };
  }
  return planPixels(frame, what);
}

function planPixels(frame: PixelFrameInput, what: string): FramePlan {
  checkSize(frame.width, frame.height, what);
  const channels = channelsOf(frame.format);
  const want = frame.width * frame.height * channels;
  const bytes =
    typeof frame.data === 'string'
      ? decodeBase64(frame.data, 'ANALYZE_BAD_FRAME', `${what}.data`)
      : frame.data.length === want
        ? bytesOfNumbers(frame.data, `${what}.data`)
        : null;
  const got = bytes?.length ?? frame.data.length;
  if (got !== want) {
    throw new DashboardError(
      'ANALYZE_PIXELS_MISMATCH',
      `${what}.data: ${got} values, ${frame.width}×${frame.height}×${channels} (${frame.format}) needs ${want}`,
    );
  }
  const inputArgs = [
    '-f',
    'rawvideo',
    '-pix_fmt',
    FFMPEG_PIX_FMT[frame.format],
    '-s',
    `${frame.width}x${frame.height}`,
  ];
  return { what, input: bytes!, inputArgs, width: frame.width, height: frame.height };
}

/** Decodes a checked frame to rgb24 fitting `longSide`. */
export async function decodePlanned(
  plan: FramePlan,
  longSide: number,
  signal?: AbortSignal,
): Promise<DecodedFrame> {
  const size = fitLongSide(plan.width, plan.height, longSide);
  const want = size.width * size.height * 3;
  const r = await ffmpegPipe(
    [
      ...plan.inputArgs,
      '-i', 'pipe:0', '-frames:v', '1', '-an', '-sn',
      '-vf', `scale=${size.width}:${size.height}:flags=bilinear`,
      '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1',
    ], // prettier-ignore
    plan.input,
    { maxOutBytes: want, ...(signal ? { signal } : {}) },
  );
  if (!r.ok || r.out.length !== want) {
    const why = r.stderr ? ` (${r.stderr.slice(0, 160)})` : '';
    throw new DashboardError('ANALYZE_BAD_FRAME', `${plan.what}: cannot be decoded as an image${why}`);
  }
  const data = new Uint8Array(r.out.buffer, r.out.byteOffset, want);
  return { ...size, data, sourceWidth: plan.width, sourceHeight: plan.height };
}

/**
 * Every frame of a request, checked first (all of them, before any decoder runs), then decoded two
 * at a time. Batch frames are one time sequence and must share one size.
 */
export async function decodeFrames(
  frames: readonly FrameInput[],
  longSide: number,
  signal?: AbortSignal,
): Promise<DecodedFrame[]> {
  if (frames.length > SEED_LIMITS.framesPerBatch) {
    throw new DashboardError(
      'ANALYZE_TOO_MANY_FRAMES',
      `${frames.length} frames, at most ${SEED_LIMITS.framesPerBatch} per batch`,
    );
  }
  const plans = frames.map((f, i) => planFrame(f, frames.length === 1 ? 'frame' : `frames[${i}]`));
  const first = plans[0];
  const odd = plans.find((p) => p.width !== first?.width || p.height !== first.height);
  if (first && odd) {
    throw new DashboardError(
      'ANALYZE_FRAME_SIZE_MISMATCH',
      `${odd.what} is ${odd.width}×${odd.height}, the first frame ${first.width}×${first.height}: a batch is one sequence of one size`,
    );
  }
  const out: DecodedFrame[] = new Array<DecodedFrame>(plans.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < plans.length) {
      const i = next++;
      out[i] = await decodePlanned(plans[i]!, longSide, signal);
    }
  };
  await Promise.all([worker(), worker()]);
  return out;
}
