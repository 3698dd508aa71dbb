import sharp from 'sharp';
import type { Frame } from '@aima/ingest';
import type { LiveFrame } from '../jobs/job-types.ts';
import type { RemotePreview } from './executor.ts';

// libvips' own thread pool would compete with inference for the two cores; one thread is plenty
// for a 416-pixel JPEG (~2 ms).
sharp.concurrency(1);
sharp.cache(false);

/** JPEG of an analysed frame, for live previews. */
export async function encodePreview(frame: Frame, quality = 70): Promise<Buffer> {
  return sharp(frame.data, {
    raw: { width: frame.width, height: frame.height, channels: 3 },
  })
    .jpeg({ quality, mozjpeg: false })
    .toBuffer();
}

/**
 * An analysed frame as a live preview: its JPEG with the detections and faces drawn over it. The
 * same body whether the manager encodes it in process or a worker does and sends it over.
 */
export async function livePreview(
  f: LiveFrame,
  receivedAt: number,
  quality?: number,
): Promise<RemotePreview> {
  const { event, frame } = f;
  const jpeg = await encodePreview(frame, quality);
  return {
    seq: event.frame.seq,
    ts: event.frame.ts,
    ptsMs: event.frame.ptsMs,
    receivedAt,
    width: frame.width,
    height: frame.height,
    sourceWidth: f.sourceWidth,
    sourceHeight: f.sourceHeight,
    jpeg: jpeg.toString('base64'),
    detections: event.frame.detections.map((d) => ({
      label: d.label,
      score: d.score,
      box: [...d.box] as [number, number, number, number],
      trackId: d.trackId,
    })),
    faces: [...f.faces],
  };
}
