// Drawing annotations on a 2D canvas. Boxes arrive in source pixels; `scale` maps them to canvas pixels.
import { classColor, personColor, textOn } from './colors.ts';
import type { TrailStore } from './trails.ts';

export interface OverlayDetection {
  readonly label: string;
  readonly score: number;
  readonly box: readonly [number, number, number, number];
  readonly trackId: number;
}

/** A detection as drawn: its box in canvas pixels and its colour (read back by the browser tests). */
export interface DrawnDetection extends OverlayDetection {
  readonly canvasBox: readonly [number, number, number, number];
  readonly color: string;
}

/** A face with the person it belongs to ('' = nobody known yet). */
export interface OverlayFace {
  readonly box: readonly [number, number, number, number];
  readonly faceTrackId: number;
  readonly personId: string;
  readonly name: string;
}

/** A face as drawn: box in canvas pixels, colour, and the label shown ('' when none). */
export interface DrawnFace extends OverlayFace {
  readonly canvasBox: readonly [number, number, number, number];
  readonly color: string;
  readonly label: string;
}

/** Hidden-set key that hides face boxes (next to the class labels). */
export const FACE_LAYER = 'face';

/** What a face box says: the person's name, or its id while unnamed; nothing for an unknown face. */
export function faceLabel(f: Pick<OverlayFace, 'personId' | 'name'>): string {
  return f.personId === '' ? '' : f.name || f.personId;
}

export interface Scale {
  readonly x: number;
  readonly y: number;
  /** Device pixel ratio: line widths and fonts grow with it. */
  readonly dpr: number;
}

export function drawDetections(
  ctx: CanvasRenderingContext2D,
  dets: readonly OverlayDetection[],
  scale: Scale,
  hidden: ReadonlySet<string>,
): DrawnDetection[] {
  const drawn: DrawnDetection[] = [];
  const line = Math.max(2, Math.round(2 * scale.dpr));
  const fontPx = Math.round(12 * scale.dpr);
  ctx.font = `600 ${fontPx}px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif`;
  ctx.textBaseline = 'top';
  for (const d of dets) {
    if (hidden.has(d.label)) continue;
    const color = classColor(d.label);
    // Whole pixels: an even line width centred on an integer edge covers whole pixels, no blur.
    const x1 = Math.round(d.box[0] * scale.x);
    const y1 = Math.round(d.box[1] * scale.y);
    const x2 = Math.round(d.box[2] * scale.x);
    const y2 = Math.round(d.box[3] * scale.y);
    ctx.lineWidth = line;
    ctx.strokeStyle = color;
    ctx.strokeRect(x1, y1, x2 - x1, y2 - y1);

    const text = d.trackId > 0 ? `${d.label} #${d.trackId}` : d.label;
    const pad = Math.round(3 * scale.dpr);
    const h = fontPx + pad * 2;
    // Label above the box, or inside it when the box touches the top edge.
    drawLabel(ctx, text, color, x1 - line / 2, y1 - h >= 0 ? y1 - h : y1, fontPx, pad);
    drawn.push({ ...d, canvasBox: [x1, y1, x2, y2], color });
  }
  return drawn;
}

function drawLabel(
  ctx: CanvasRenderingContext2D,
  text: string,
  color: string,
  x: number,
  y: number,
  fontPx: number,
  pad: number,
): void {
  const w = Math.ceil(ctx.measureText(text).width) + pad * 2;
  const lx = Math.min(Math.max(0, x), ctx.canvas.width - w);
  ctx.fillStyle = color;
  ctx.fillRect(lx, y, w, fontPx + pad * 2);
  ctx.fillStyle = textOn(color);
  ctx.fillText(text, lx + pad, y + pad);
}

/**
 * Face boxes in the person's colour with its name below the box (the person box's label is above
 * it, usually right where the face is). Unknown faces get a dashed box and no label.
 */
export function drawFaces(
  ctx: CanvasRenderingContext2D,
  faces: readonly OverlayFace[],
  scale: Scale,
  hidden: ReadonlySet<string>,
): DrawnFace[] {
  if (hidden.has(FACE_LAYER) || faces.length === 0) return [];
  const drawn: DrawnFace[] = [];
  const line = Math.max(2, Math.round(2 * scale.dpr));
  const fontPx = Math.round(12 * scale.dpr);
  const pad = Math.round(3 * scale.dpr);
  ctx.font = `600 ${fontPx}px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif`;
  ctx.textBaseline = 'top';
  for (const f of faces) {
    const color = personColor(f.personId);
    const label = faceLabel(f);
    const x1 = Math.round(f.box[0] * scale.x);
    const y1 = Math.round(f.box[1] * scale.y);
    const x2 = Math.round(f.box[2] * scale.x);
    const y2 = Math.round(f.box[3] * scale.y);
    ctx.lineWidth = line;
    ctx.strokeStyle = color;
    ctx.setLineDash(label === '' ? [line * 2, line * 2] : []);
    ctx.strokeRect(x1, y1, x2 - x1, y2 - y1);
    ctx.setLineDash([]);
    if (label !== '') {
      const h = fontPx + pad * 2;
      const below = y2 + line / 2;
      drawLabel(
        ctx,
        label,
        color,
        x1 - line / 2,
        below + h <= ctx.canvas.height ? below : y2 - h,
        fontPx,
        pad,
      );
    }
    drawn.push({ ...f, canvasBox: [x1, y1, x2, y2], color, label });
  }
  return drawn;
}

export function drawTrails(
  ctx: CanvasRenderingContext2D,
  trails: TrailStore,
  scale: Scale,
  hidden: ReadonlySet<string>,
): void {
  ctx.lineWidth = Math.max(1.5, 2 * scale.dpr);
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  trails.forEach((t) => {
    if (t.count < 2 || hidden.has(t.label)) return;
    ctx.strokeStyle = classColor(t.label);
    // Older segments fade out.
    for (let i = 1; i < t.count; i++) {
      ctx.globalAlpha = 0.15 + (0.7 * i) / t.count;
      ctx.beginPath();
      ctx.moveTo(t.points[(i - 1) * 2]! * scale.x, t.points[(i - 1) * 2 + 1]! * scale.y);
      ctx.lineTo(t.points[i * 2]! * scale.x, t.points[i * 2 + 1]! * scale.y);
      ctx.stroke();
    }
  });
  ctx.globalAlpha = 1;
}
