// The media the servers stream. vtest.mp4 has a keyframe only every 6.4 s, so a client joining a
// live stream could wait that long for its first picture; a camera sends one every second or two.
// We re-encode a short piece once per server with a 1 s GOP (~1 s of CPU).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The default input: vtest.mp4 from the shared media (AIMA_MEDIA_DIR when set). */
export function defaultMedia(): string {
  const mediaDir = process.env.AIMA_MEDIA_DIR ?? path.resolve(import.meta.dirname, '../../../shared/media');
  return path.join(mediaDir, 'video/vtest.mp4');
}

export interface ClipOptions {
  /** Source media (default: vtest.mp4). */
  readonly media?: string;
  /** Seconds taken from the source (default 20). */
  readonly seconds?: number;
  /** Keep an AAC audio track (default true: real cameras often send one, and decoders must skip it). */
  readonly audio?: boolean;
  /** Repeat the clip this many times in the output (stream copy), for servers that cannot loop. */
  readonly repeat?: number;
}

/**
 * Write `dir/clip.mp4`: H.264 (1 s GOP, no B-frames, yuv420p) at the source's size and rate.
 * Returns its path.
 */
export async function prepareClip(ffmpeg: string, dir: string, opts: ClipOptions = {}): Promise<string> {
  const base = path.join(dir, 'base.mp4');
  const fps = 10; // vtest's rate; -r keeps the GOP at exactly one second for other inputs too
  await run(ffmpeg, [
    ...['-hide_banner', '-nostdin', '-v', 'error', '-y'],
    ...['-t', String(opts.seconds ?? 20), '-i', opts.media ?? defaultMedia()],
    ...['-map', '0:v:0', ...(opts.audio === false ? ['-an'] : ['-map', '0:a:0?'])],
    ...['-r', String(fps), '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '30', '-pix_fmt', 'yuv420p'],
    ...['-g', String(fps), '-keyint_min', String(fps), '-sc_threshold', '0', '-bf', '0'],
    ...['-c:a', 'aac', '-ac', '1', '-b:a', '48k'],
    ...['-movflags', '+faststart', base],
  ]);
  const repeat = opts.repeat ?? 1;
  if (repeat <= 1) return base;
  const out = path.join(dir, 'clip.mp4');
  await run(ffmpeg, [
    ...['-hide_banner', '-nostdin', '-v', 'error', '-y'],
    ...['-stream_loop', String(repeat - 1), '-i', base, '-c', 'copy', '-movflags', '+faststart', out],
  ]);
  return out;
}
