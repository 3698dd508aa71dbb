// Draws live frames: decode the JPEG off the main thread (createImageBitmap), then paint it and its
// overlay in one go, so boxes always sit on the picture they were detected on. At most one decode
// is in flight; a frame arriving meanwhile is dropped and counted, never queued.
import type { FrameMessage } from '../../../src/protocol.ts';
import {
  drawDetections,
  drawFaces,
  drawTrails,
  type DrawnDetection,
  type DrawnFace,
  type Scale,
} from './overlay.ts';
import { createPoseBuffer, drawSkeletons, SKELETON_LAYER, type PoseEntry } from './skeleton.ts';
import { createTrailStore } from './trails.ts';

export interface FrameRenderer {
  push(msg: FrameMessage): void;
  /** Classes whose boxes and trails are hidden; redraws the last frame. */
  setHidden(hidden: ReadonlySet<string>): void;
  /** A track ended: forget its trail. */
  endTrack(trackId: number): void;
  /** The skeletons of an analysed frame (they come after its picture: redrawn if it is shown). */
  pushPose(entry: PoseEntry): void;
  destroy(): void;
}

export interface FrameRendererEvents {
  /** Called right after a frame and its overlay (detections, then faces with their names) are drawn. */
  onDrawn?(msg: FrameMessage, drawn: DrawnDetection[], faces: DrawnFace[]): void;
  onDropped?(msg: FrameMessage): void;
  /** Decoding failed (corrupt JPEG): the frame is skipped. */
  onError?(err: unknown): void;
}

export function base64ToBlob(b64: string, type = 'image/jpeg'): Blob {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Blob([bytes], { type });
}

export function createFrameRenderer(
  canvas: HTMLCanvasElement,
  events: FrameRendererEvents = {},
): FrameRenderer {
  const ctx = canvas.getContext('2d', { alpha: false });
  if (!ctx) throw new Error('2D canvas unavailable');
  const trails = createTrailStore();
  const poses = createPoseBuffer(64);
  let hidden: ReadonlySet<string> = new Set();
  let decoding = false;
  let destroyed = false;
  let bitmap: ImageBitmap | null = null;
  let last: FrameMessage | null = null;

  // Canvas resolution follows its CSS size × devicePixelRatio, so labels stay crisp at any width.
  const resize = (): void => {
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(canvas.clientWidth * dpr));
    const h = Math.max(1, Math.round(canvas.clientHeight * dpr));
    if (canvas.width !== w || canvas.height !== h) {
      canvas.width = w;
      canvas.height = h;
      paint();
    }
  };
  const observer = new ResizeObserver(resize);
  observer.observe(canvas);

  function paint(): { drawn: DrawnDetection[]; faces: DrawnFace[] } {
    if (!bitmap || !last) return { drawn: [], faces: [] };
    // Labels shrink a little on narrow screens, where the picture itself is small.
    const dpr = (window.devicePixelRatio || 1) * Math.min(1, Math.max(0.75, canvas.clientWidth / 720));
    const scale: Scale = { x: canvas.width / last.sourceWidth, y: canvas.height / last.sourceHeight, dpr };
    ctx!.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    drawTrails(ctx!, trails, scale, hidden);
    const drawn = drawDetections(ctx!, last.detections, scale, hidden);
    const pose = hidden.has(SKELETON_LAYER) ? null : poses.at(last.ts, 0);
    if (pose) drawSkeletons(ctx!, pose.persons, scale);
    return { drawn, faces: drawFaces(ctx!, last.faces, scale, hidden) };
  }

  async function decodeAndDraw(msg: FrameMessage): Promise<void> {
    decoding = true;
    try {
      const next = await createImageBitmap(base64ToBlob(msg.jpeg));
      if (destroyed) {
        next.close();
        return;
      }
      bitmap?.close();
      bitmap = next;
      const prev = last;
      last = msg;
      if (!prev || prev.sourceWidth !== msg.sourceWidth || prev.sourceHeight !== msg.sourceHeight) {
        canvas.style.aspectRatio = `${msg.sourceWidth} / ${msg.sourceHeight}`;
        resize();
      }
      for (const d of msg.detections) {
        if (d.trackId > 0)
          trails.add(d.trackId, d.label, (d.box[0] + d.box[2]) / 2, (d.box[1] + d.box[3]) / 2, msg.seq);
      }
      const { drawn, faces } = paint();
      events.onDrawn?.(msg, drawn, faces);
    } catch (err) {
      events.onError?.(err);
    } finally {
      decoding = false;
    }
  }

  return {
    push(msg) {
      if (destroyed) return;
      if (decoding) {
        events.onDropped?.(msg);
        return;
      }
      void decodeAndDraw(msg);
    },
    setHidden(next) {
      hidden = next;
      paint();
    },
    endTrack(trackId) {
      trails.end(trackId);
    },
    pushPose(entry) {
      poses.push(entry);
      if (!decoding && last?.ts === entry.ts) paint();
    },
    destroy() {
      destroyed = true;
      observer.disconnect();
      bitmap?.close();
      bitmap = null;
      trails.clear();
    },
  };
}
