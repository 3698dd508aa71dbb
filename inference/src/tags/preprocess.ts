// CLIP image pre-processing of a crop (pure): the box (source pixels) is scaled to the analysed
// frame, the region a "resize the short side to S, centre-crop S×S" would keep is sampled
// bilinearly straight into the NCHW input, then (pixel - mean) / std per channel. One pass, no
// intermediate image. (CLIP resizes bicubic with antialiasing; bilinear from the decoded frame is
// close enough for zero-shot tagging and far cheaper.)
import type { VideoInput } from '../analyzers/contract.ts';
import type { ImageInputSpec } from '../models/manifest.ts';

/** x1, y1, x2, y2. */
export type Box = readonly [number, number, number, number];

/** CLIP's normalisation (OpenAI / OpenCLIP), in 0-255 pixel units as ImageInputSpec wants it. */
export const CLIP_MEAN: readonly [number, number, number] = [
  0.48145466 * 255,
  0.4578275 * 255,
  0.40821073 * 255,
];
export const CLIP_STD: readonly [number, number, number] = [
  0.26862954 * 255,
  0.26130258 * 255,
  0.27577711 * 255,
];

/** The frame pixels a source-pixel box covers, clipped to the frame; null when empty. */
export function frameBox(
  frame: Pick<VideoInput, 'width' | 'height' | 'sourceWidth' | 'sourceHeight'>,
  box: Box | null,
): Box | null {
  if (!box) return [0, 0, frame.width, frame.height];
  const sx = frame.width / (frame.sourceWidth || frame.width);
  const sy = frame.height / (frame.sourceHeight || frame.height);
  const x1 = Math.max(0, box[0] * sx);
  const y1 = Math.max(0, box[1] * sy);
  const x2 = Math.min(frame.width, box[2] * sx);
  const y2 = Math.min(frame.height, box[3] * sy);
  return x2 - x1 >= 1 && y2 - y1 >= 1 ? [x1, y1, x2, y2] : null;
}

/** The centre region of `b` that resize-short-side + centre-crop to w×h keeps. */
export function centreCropRegion(b: Box, w: number, h: number): Box {
  const bw = b[2] - b[0];
  const bh = b[3] - b[1];
  const scale = Math.max(w / bw, h / bh);
  const rw = w / scale;
  const rh = h / scale;
  const cx = (b[0] + b[2]) / 2;
  const cy = (b[1] + b[3]) / 2;
  return [cx - rw / 2, cy - rh / 2, cx + rw / 2, cy + rh / 2];
}

/**
 * Writes one crop into `out` at `offset` as [3, spec.height, spec.width] floats. `box` is in frame
 * pixels (see frameBox).
 */
export function writeCrop(
  frame: VideoInput,
  box: Box,
  spec: ImageInputSpec,
  out: Float32Array,
  offset: number,
): void {
  const { width: W, height: H } = spec;
  const r = centreCropRegion(box, W, H);
  const stepX = (r[2] - r[0]) / W;
  const stepY = (r[3] - r[1]) / H;
  // Source channel of each model channel: the frame is rgb24 or bgr24, the model RGB or BGR.
  const same = (frame.format === 'rgb24') === (spec.colorOrder === 'RGB');
  const ch = same ? [0, 1, 2] : [2, 1, 0];
  const plane = W * H;
  const fw = frame.width;
  const maxX = frame.width - 1;
  const maxY = frame.height - 1;
  const d = frame.data;
  for (let y = 0; y < H; y++) {
    const sy = Math.min(maxY, Math.max(0, r[1] + (y + 0.5) * stepY - 0.5));
    const y0 = Math.floor(sy);
    const y1 = Math.min(maxY, y0 + 1);
    const wy = sy - y0;
    for (let x = 0; x < W; x++) {
      const sx = Math.min(maxX, Math.max(0, r[0] + (x + 0.5) * stepX - 0.5));
      const x0 = Math.floor(sx);
      const x1 = Math.min(maxX, x0 + 1);
      const wx = sx - x0;
      const i00 = (y0 * fw + x0) * 3;
      const i01 = (y0 * fw + x1) * 3;
      const i10 = (y1 * fw + x0) * 3;
      const i11 = (y1 * fw + x1) * 3;
      for (let c = 0; c < 3; c++) {
        const k = ch[c] as number;
        const top = (d[i00 + k] as number) * (1 - wx) + (d[i01 + k] as number) * wx;
        const bottom = (d[i10 + k] as number) * (1 - wx) + (d[i11 + k] as number) * wx;
        const v = top * (1 - wy) + bottom * wy;
        out[offset + c * plane + y * W + x] = (v - (spec.mean[c] as number)) / (spec.std[c] as number);
      }
    }
  }
}
