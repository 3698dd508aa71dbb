// NudeNet v3 (320n / 640m, ultralytics YOLOv8 exports): pre-processing and decoding, as
// nudenet/nudenet.py does it. Users download the weights; tests use a fixture graph.
import { InferenceError } from '../errors.ts';
import { NUDENET_CLASSES } from '../models/manifest-nsfw.ts';
import type { TensorData } from '../ort/protocol.ts';
import type { PackedImage } from '../age/resize.ts';
import { regionToTensor } from '../age/resize.ts';

export interface NudeNetDetection {
  readonly label: string;
  readonly score: number;
  /** [x1, y1, x2, y2] in the image's pixels. */
  readonly box: readonly [number, number, number, number];
}

/** Where the image sits in the square model input (centre padding, as NudeNet pads). */
export interface NudeNetLetterbox {
  readonly size: number;
  /** Model pixels per image pixel. */
  readonly scale: number;
  readonly padLeft: number;
  readonly padTop: number;
}

export function nudenetLetterbox(width: number, height: number, size = 320): NudeNetLetterbox {
  const scale = size / Math.max(width, height);
  const w = Math.round(width * scale);
  const h = Math.round(height * scale);
  return { size, scale, padLeft: Math.floor((size - w) / 2), padTop: Math.floor((size - h) / 2) };
}

/** RGB /255 NCHW, the image scaled into the centre of a black square. */
export function nudenetTensor(img: PackedImage, lb: NudeNetLetterbox): Float32Array {
  const s = lb.size;
  const w = Math.round(img.width * lb.scale);
  const h = Math.round(img.height * lb.scale);
  const inner = new Float32Array(3 * w * h);
  regionToTensor(
    img,
    { x: 0, y: 0, w: img.width, h: img.height },
    {
      width: w,
      height: h,
      order: 'RGB',
      layout: 'NCHW',
      scale: 255,
      mean: [0, 0, 0],
      std: [1, 1, 1],
      grid: 'half-pixel',
    },
    inner,
  );
  const out = new Float32Array(3 * s * s);
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < h; y++)
      out.set(
        inner.subarray(c * w * h + y * w, c * w * h + (y + 1) * w),
        c * s * s + (y + lb.padTop) * s + lb.padLeft,
      );
  return out;
}

function iou(a: readonly number[], b: readonly number[]): number {
  const ix = Math.max(0, Math.min(a[2]!, b[2]!) - Math.max(a[0]!, b[0]!));
  const iy = Math.max(0, Math.min(a[3]!, b[3]!) - Math.max(a[1]!, b[1]!));
  const inter = ix * iy;
  const u = (a[2]! - a[0]!) * (a[3]! - a[1]!) + (b[2]! - b[0]!) * (b[3]! - b[1]!) - inter;
  return u > 0 ? inter / u : 0;
}

/**
 * Output [1, 4 + 18, N] (N = 2100 at 320): per anchor cx, cy, w, h in model pixels, then the 18
 * class scores (already sigmoided). Best class per anchor ≥ `minScore`, then NMS (IoU 0.45),
 * boxes back in image pixels.
 */
export function decodeNudenet(
  t: TensorData | undefined,
  lb: NudeNetLetterbox,
  opts: { minScore?: number; iou?: number; classes?: readonly string[] } = {},
): NudeNetDetection[] {
  const classes = opts.classes ?? NUDENET_CLASSES;
  const rows = 4 + classes.length;
  if (!t || !(t.data instanceof Float32Array) || t.dims.length !== 3 || t.dims[1] !== rows) {
    throw new InferenceError(
      'MODEL_BAD_OUTPUT',
      `nudenet: expected [1, ${rows}, N], got [${t?.dims.join(', ') ?? ''}]`,
    );
  }
  const n = t.dims[2]!;
  const d = t.data;
  const min = opts.minScore ?? 0.25;
  const cands: NudeNetDetection[] = [];
  for (let i = 0; i < n; i++) {
    let best = -1;
    let score = min;
    for (let c = 0; c < classes.length; c++) {
      const v = d[(4 + c) * n + i]!;
      if (v >= score) {
        score = v;
        best = c;
      }
    }
    if (best < 0) continue;
    const cx = d[i]!;
    const cy = d[n + i]!;
    const w = d[2 * n + i]!;
    const h = d[3 * n + i]!;
    const x1 = (cx - w / 2 - lb.padLeft) / lb.scale;
    const y1 = (cy - h / 2 - lb.padTop) / lb.scale;
    cands.push({ label: classes[best]!, score, box: [x1, y1, x1 + w / lb.scale, y1 + h / lb.scale] });
  }
  cands.sort((a, b) => b.score - a.score);
  const kept: NudeNetDetection[] = [];
  const limit = opts.iou ?? 0.45;
  // Class-agnostic, as cv2.dnn.NMSBoxes in nudenet.py is.
  for (const c of cands) if (kept.every((k) => iou(k.box, c.box) <= limit)) kept.push(c);
  return kept;
}
