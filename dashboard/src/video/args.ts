// The ffmpeg command line of a live video feed (pure, so it is easy to test and read).
import type { SourceRef } from '@aima/ingest';

/** What the feed reads; `videoInput` in ServerDeps produces it. */
export interface VideoInput {
  readonly input: SourceRef;
  /** A file read at its native rate, as if it were live (`-re`). */
  readonly realtime: boolean;
  /** Wall-clock ms of the source's media time 0 (what detection timestamps are based on). */
  readonly epochMs: number;
}

export interface FeedArgsOptions {
  /** Copy the video stream (it is H.264 already) instead of encoding it. */
  readonly copy: boolean;
  /** Start this many ms into a file (a file shown as live is joined where its analysis is). */
  readonly startMs?: number;
}

/** Fragments of at most this long (µs): the latency floor of the feed. */
export const FRAGMENT_US = 200_000;
/** Keyframe interval when encoding: a joining client waits at most this long (s). */
export const KEYFRAME_SECONDS = 2;

export function feedArgs(src: VideoInput, opts: FeedArgsOptions): string[] {
  const file = src.input.kind === 'file';
  const start = file && opts.startMs !== undefined && opts.startMs > 0 ? opts.startMs : 0;
  const codec = opts.copy
    ? ['-c:v', 'copy']
    : [
        ...['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p'],
        ...['-force_key_frames', `expr:gte(t,n_forced*${KEYFRAME_SECONDS})`],
      ];
  return [
    ...['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error'],
    ...(file && src.realtime ? ['-re'] : []),
    ...(src.input.kind === 'rtsp' ? ['-rtsp_transport', 'tcp'] : []),
    ...(src.input.live ? ['-fflags', '+genpts+discardcorrupt'] : []),
    // Input seeking: with an encoder this is frame-exact (ffmpeg decodes from the keyframe before
    // and drops what precedes `start`), and -re reads those dropped packets at full speed.
    ...(start > 0 ? ['-ss', (start / 1000).toFixed(3)] : []),
    ...['-i', src.input.input],
    ...['-map', '0:v:0', '-an', '-sn', '-dn'],
    ...codec,
    ...['-f', 'mp4', '-movflags', 'frag_keyframe+empty_moov+default_base_moof'],
    ...['-frag_duration', String(FRAGMENT_US), 'pipe:1'],
  ];
}
