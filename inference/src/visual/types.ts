import type { RgbImage } from '../detect/letterbox.ts';

/** How bright a frame is: mean luma and the share of pixels crushed to black or blown to white. */
export interface Exposure {
  /** Mean luma (BT.601), 0 = black, 1 = white. */
  readonly mean: number;
  /** Share of pixels with luma ≤ 8/255. */
  readonly clippedLow: number;
  /** Share of pixels with luma ≥ 247/255. */
  readonly clippedHigh: number;
}

/** Model-free look of one frame. */
export interface FrameFeatures {
  /**
   * Variance of the 4-neighbour Laplacian of the grey image (0..255 units), measured after
   * downsampling to ≤ 320 px on the long side so that values compare across input sizes.
   */
  readonly sharpness: number;
  readonly exposure: Exposure;
  /** Up to 5 dominant colours as 0xRRGGBB, largest share first. */
  readonly palette: number[];
  /** Share (0..1) of the pixels each palette colour stands for, parallel to `palette`. */
  readonly paletteShare: number[];
}

/** A run of frames between two hard cuts. */
export interface Shot {
  /** 0-based, in the order shots start. */
  readonly index: number;
  /** ts of the shot's first frame. */
  readonly startTs: number;
  /**
   * Exclusive end: the ts of the frame that cut to the next shot, so shots tile the timeline.
   * For the last shot (flush) the last frame's ts plus the last frame interval seen.
   */
  readonly endTs: number;
  /** Score of the cut that started this shot; 0 for the first shot of the stream. */
  readonly cutScore: number;
  /** ts of the sharpest frame of the shot (the earliest one on ties). */
  readonly keyframeTs: number;
  /** Palette, sharpness and exposure of the keyframe. */
  readonly palette: number[];
  readonly sharpness: number;
  readonly exposure: Exposure;
  /** Frames pushed into this shot. */
  readonly frames: number;
}

export interface ShotDetectorOptions {
  /** A cut closer than this to the start of the current shot is ignored (default 500 ms). */
  readonly minShotMs?: number;
  /** Recent frame-difference scores the adaptive threshold looks at (default 10). */
  readonly windowSize?: number;
  /** Threshold = median + k·MAD of the window (default 8). */
  readonly k?: number;
  /** The threshold never drops below this score (0..1, default 0.15). */
  readonly floor?: number;
  /** Weight of the colour-histogram difference; the structure difference gets 1 − this (default 0.5). */
  readonly histogramWeight?: number;
}

/**
 * Finds hard cuts in a stream of frames. Feed frames in ts order; a cut at a frame starts a new
 * shot at that frame. Keeps a few small buffers and reuses them; it holds no resource to close.
 */
export interface ShotDetector {
  /** Returns the shot that just ended when this frame is a cut, else null. */
  push(ts: number, image: RgbImage): Shot | null;
  /** Ends the open shot (end of stream) and returns it; null when no frame was pushed since. */
  flush(): Shot | null;
  /** Score of the last pushed frame against the one before (0 for the first frame). */
  readonly lastScore: number;
  /** The threshold the last score was compared with. */
  readonly lastThreshold: number;
}
