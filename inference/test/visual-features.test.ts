import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RgbImage } from '../src/detect/letterbox.ts';
import { frameFeatures } from '../src/visual/features.ts';
import { grabFrame, MEDIA_DIR } from './helpers.ts';

const W = 640;
const H = 360;

function solid(w: number, h: number, rgb: readonly [number, number, number]): RgbImage {
  const data = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) data.set(rgb, i * 3);
  return { width: w, height: h, data };
}

/** Black and white squares of `cell` px. */
function checkerboard(w: number, h: number, cell: number): RgbImage {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (((Math.floor(x / cell) + Math.floor(y / cell)) & 1) === 1)
        data.fill(255, (y * w + x) * 3, (y * w + x) * 3 + 3);
    }
  }
  return { width: w, height: h, data };
}

/** The same raw frame after ffmpeg's Gaussian blur. */
function ffmpegBlur(img: RgbImage, sigma: number): RgbImage {
  const out = execFileSync(
    process.env.FFMPEG_PATH ?? 'ffmpeg',
    [
      ...[
        '-v',
        'error',
        '-f',
        'rawvideo',
        '-pix_fmt',
        'rgb24',
        '-s',
        `${img.width}x${img.height}`,
        '-i',
        'pipe:0',
      ],
      ...['-vf', `gblur=sigma=${sigma}`, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'],
    ],
    { input: img.data, maxBuffer: 64 * 1024 * 1024 },
  );
  expect(out.length).toBe(img.data.length);
  return {
    width: img.width,
    height: img.height,
    data: new Uint8Array(out.buffer, out.byteOffset, out.length),
  };
}

describe('frameFeatures', () => {
  it('gives a uniform grey frame no sharpness, its own luma and a one-colour palette', () => {
    const f = frameFeatures(solid(W, H, [100, 100, 100]));
    expect(f.sharpness).toBeLessThan(1e-6);
    expect(f.exposure.mean).toBeCloseTo(100 / 255, 3);
    expect(f.exposure).toMatchObject({ clippedLow: 0, clippedHigh: 0 });
    expect(f.palette).toEqual([0x646464]);
    expect(f.paletteShare).toEqual([1]);
  });

  it('counts crushed blacks and blown whites', () => {
    expect(frameFeatures(solid(W, H, [0, 0, 0])).exposure).toEqual({
      mean: 0,
      clippedLow: 1,
      clippedHigh: 0,
    });
    expect(frameFeatures(solid(W, H, [255, 255, 255])).exposure).toEqual({
      mean: 1,
      clippedLow: 0,
      clippedHigh: 1,
    });
    const half = solid(W, H, [0, 0, 0]);
    half.data.fill(255, 0, (W * H * 3) / 2);
    const e = frameFeatures(half).exposure;
    expect(e.mean).toBeCloseTo(0.5, 2);
    expect(e.clippedLow).toBeCloseTo(0.5, 2);
    expect(e.clippedHigh).toBeCloseTo(0.5, 2);
  });

  it('rates a checkerboard far sharper than the same board through ffmpeg gblur', () => {
    const board = checkerboard(W, H, 16);
    const sharp = frameFeatures(board).sharpness;
    const soft = frameFeatures(ffmpegBlur(board, 4)).sharpness;
    const softer = frameFeatures(ffmpegBlur(board, 10)).sharpness;
    expect(sharp).toBeGreaterThan(10 * soft);
    expect(soft).toBeGreaterThan(softer);
    // Same content, twice the pixels: the ≤ 320 px working size keeps the measure comparable.
    const big = frameFeatures(checkerboard(2 * W, 2 * H, 32)).sharpness;
    expect(big / sharp).toBeGreaterThan(0.8);
    expect(big / sharp).toBeLessThan(1.25);
  });

  it('finds red and blue, half each, in a half-red half-blue frame, in either byte order', () => {
    const img = solid(W, H, [255, 0, 0]);
    for (let y = 0; y < H; y++) for (let x = W / 2; x < W; x++) img.data.set([0, 0, 255], (y * W + x) * 3);
    const f = frameFeatures(img);
    expect([...f.palette].sort((a, b) => a - b)).toEqual([0x0000ff, 0xff0000]);
    for (const share of f.paletteShare) expect(share).toBeCloseTo(0.5, 2);
    // Bytes 255,0,0 are blue when the frame says it is BGR.
    const bgr = frameFeatures({ ...solid(W, H, [255, 0, 0]), bgr: true });
    expect(bgr.palette).toEqual([0x0000ff]);
    expect(bgr.exposure.mean).toBeCloseTo((0.114 * 255) / 255, 3);
  });

  it('gives a real frame up to five colours by falling share, the same on every call', () => {
    const data = grabFrame(path.join(MEDIA_DIR, 'video', 'vtest.mp4'), 10, 480, 360);
    const img = { width: 480, height: 360, data };
    const f = frameFeatures(img);
    expect(f.palette.length).toBeGreaterThanOrEqual(3);
    expect(f.palette.length).toBeLessThanOrEqual(5);
    expect(f.paletteShare).toEqual([...f.paletteShare].sort((a, b) => b - a));
    expect(f.paletteShare.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1 + 1e-9);
    expect(f.paletteShare.reduce((a, b) => a + b, 0)).toBeGreaterThan(0.9);
    for (const c of f.palette) expect(Number.isInteger(c) && c >= 0 && c <= 0xffffff).toBe(true);
    expect(f.sharpness).toBeGreaterThan(50);
    expect(f.exposure.mean).toBeGreaterThan(0.2);
    expect(f.exposure.mean).toBeLessThan(0.8);
    expect(frameFeatures(img)).toEqual(f);
  });

  it('handles frames smaller than its working size and rejects short buffers', () => {
    const tiny = frameFeatures(checkerboard(2, 2, 1));
    expect(tiny.sharpness).toBe(0);
    expect(tiny.exposure.mean).toBeCloseTo(0.5, 5);
    expect(() => frameFeatures({ width: 10, height: 10, data: new Uint8Array(10) })).toThrow(RangeError);
  });
});
