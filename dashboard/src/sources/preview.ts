import sharp from 'sharp';
import type { Frame } from '@aima/ingest';

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
