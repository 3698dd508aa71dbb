import type { RgbImage } from '../detect/letterbox.ts';
import { Downsampler } from './downsample.ts';
import type { SmallImage } from './downsample.ts';
import { PaletteQuantizer } from './palette.ts';
import type { Exposure, FrameFeatures } from './types.ts';

/** Luma at or below this (0..255) counts as crushed black, at or above 255 − this as blown white. */
const CLIP_MARGIN = 8;

/** Variance of the 4-neighbour Laplacian over the interior of a grey image; 0 when it has none. */
export function laplacianVariance(grey: Float32Array, width: number, height: number): number {
  if (width < 3 || height < 3) return 0;
  let sum = 0;
  let sumSq = 0;
  for (let y = 1; y < height - 1; y++) {
    let i = y * width + 1;
    for (let end = i + width - 2; i < end; i++) {
      const l = grey[i - 1]! + grey[i + 1]! + grey[i - width]! + grey[i + width]! - 4 * grey[i]!;
      sum += l;
      sumSq += l * l;
    }
  }
  const n = (width - 2) * (height - 2);
  const mean = sum / n;
  return Math.max(0, sumSq / n - mean * mean);
}

export function exposureOf(grey: Float32Array, pixels: number): Exposure {
  let sum = 0;
  let low = 0;
  let high = 0;
  for (let i = 0; i < pixels; i++) {
    const v = grey[i]!;
    sum += v;
    if (v <= CLIP_MARGIN) low++;
    else if (v >= 255 - CLIP_MARGIN) high++;
  }
  return { mean: sum / pixels / 255, clippedLow: low / pixels, clippedHigh: high / pixels };
}

/** Downsampler and quantiser bundled, so repeated calls reuse the same buffers. */
export class FeatureExtractor {
  readonly downsampler = new Downsampler();
  readonly #quantizer = new PaletteQuantizer();

  run(image: RgbImage): FrameFeatures {
    return this.fromSmall(this.downsampler.run(image));
  }

  fromSmall(small: SmallImage): FrameFeatures {
    const pixels = small.width * small.height;
    const palette = this.#quantizer.run(small.rgb, pixels);
    return {
      sharpness: laplacianVariance(small.grey, small.width, small.height),
      exposure: exposureOf(small.grey, pixels),
      palette: palette.colors,
      paletteShare: palette.shares,
    };
  }

  palette(rgb: Uint8Array, pixels: number): { colors: number[]; shares: number[] } {
    return this.#quantizer.run(rgb, pixels);
  }
}

let shared: FeatureExtractor | null = null;

/**
 * Sharpness, exposure and dominant colours of one frame, without a model. The frame is first
 * box-filtered to ≤ 320 px on the long side (see FrameFeatures.sharpness). Synchronous; reuses
 * module-level buffers, so calling it per frame allocates only the small result.
 */
export function frameFeatures(image: RgbImage): FrameFeatures {
  shared ??= new FeatureExtractor();
  return shared.run(image);
}
