// Drawing annotations on a 2D canvas. Boxes arrive in source pixels; `scale` maps them to canvas pixels.
import { classColor, textOn } from './colors.ts';
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
    const w = Math.ceil(ctx.measureText(text).width) + pad * 2;
    const h = fontPx + pad * 2;
    // Label above the box, or inside it when the box touches the top edge.
    const ly = y1 - h >= 0 ? y1 - h : y1;
    const lx = Math.min(Math.max(0, x1 - line / 2), ctx.canvas.width - w);
    ctx.fillStyle = color;
    ctx.fillRect(lx, ly, w, h);
    ctx.fillStyle = textOn(color);
    ctx.fillText(text, lx + pad, ly + pad);
    drawn.push({ ...d, canvasBox: [x1, y1, x2, y2], color });
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
