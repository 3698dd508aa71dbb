// Pure planning for the recorder: how a source is recorded (copy or transcode), where the
// segments go, and ffmpeg's argument list. Nothing here touches a process or the disk.
import path from 'node:path';
import { sourceInputOptions } from '../ffmpeg/args.ts';
import type { ArgSource, FfmpegArgs, FfmpegFeatures } from '../ffmpeg/args.ts';
import type { MediaInfo } from '../types.ts';

/** Video codecs browsers play from fMP4 and that we therefore store as they arrive. */
const COPY_VIDEO = new Set(['h264', 'hevc']);

/**
 * How a source is recorded, decided from its probe:
 * - video: stream copy for h264/hevc (no decode, no quality loss, ~0 CPU); anything else is
 *   transcoded with libx264 `-preset veryfast`.
 * - audio: AAC is copied; any other codec (G.711 from cameras, Opus, MP3, ...) is transcoded to
 *   AAC, which every browser plays from MP4 and costs little CPU; no audio stream → 'none'.
 */
export interface RecordingMode {
  readonly video: 'copy' | 'libx264';
  readonly audio: 'copy' | 'aac' | 'none';
}

export function recordingMode(info: MediaInfo): RecordingMode {
  return {
    video: info.video !== null && COPY_VIDEO.has(info.video.codec) ? 'copy' : 'libx264',
    audio: info.audio === null ? 'none' : info.audio.codec === 'aac' ? 'copy' : 'aac',
  };
}

/**
 * The name prefix of one recording run: the run's epoch as compact UTC ISO 8601
 * (`20240501T120000.123Z`). Runs of a source therefore never overwrite each other, and file
 * names sort by time across runs (and, through the zero-padded counter, within one).
 */
export function runPrefix(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/[-:]/g, '');
}

/** Digits of the per-run segment counter: 10^8 segments of 1 s is over three years. */
const COUNTER_DIGITS = 8;

/** The file name of segment `index` of the run with `prefix` (what ffmpeg's pattern expands to). */
export function segmentName(prefix: string, index: number): string {
  return `${prefix}-${String(index).padStart(COUNTER_DIGITS, '0')}.mp4`;
}

/** ffmpeg's output pattern: `%` in directory names escaped, since the segment muxer expands it. */
export function segmentPattern(outDir: string, prefix: string): string {
  return path.join(outDir, `${prefix}-`).replaceAll('%', '%%') + `%0${COUNTER_DIGITS}d.mp4`;
}

/** A source id becomes a directory name: keep it to a safe, portable path component. */
const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function isSafeSourceId(id: string): boolean {
  return SAFE_ID.test(id) && !id.includes('..');
}

export interface RecordArgsOptions {
  readonly info: MediaInfo;
  readonly mode: RecordingMode;
  readonly segmentSeconds: number;
  /** From segmentPattern(). */
  readonly pattern: string;
  /** CSV segment list ffmpeg appends one line to as each segment is finished. */
  readonly listFile: string;
  readonly live: boolean;
  readonly realtime?: boolean;
  readonly durationMs?: number;
}

/**
 * The recorder's ffmpeg arguments. The segment muxer writes fragmented MP4 files (playable while
 * being written, and each one on its own), cut at keyframes every `segmentSeconds`, and appends
 * `name,start,end` to the CSV list once a segment is complete (its data flushed to the file).
 */
export function recordArgs(src: ArgSource, features: FfmpegFeatures, opts: RecordArgsOptions): FfmpegArgs {
  const { info, mode } = opts;
  const video = info.video;
  if (video === null) throw new RangeError('recordArgs needs a source with a video stream');
  const seconds = String(opts.segmentSeconds);
  return {
    inputOptions: [
      ...['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'level+info'],
      // Cameras send broken packets and packets without PTS; mp4 cannot store either.
      ...(opts.live ? ['-fflags', '+genpts+discardcorrupt'] : []),
      ...(opts.realtime ? ['-re'] : []),
      ...sourceInputOptions(src.kind, features),
    ],
    input: src.input,
    outputOptions: [
      ...['-map', `0:${video.index}`],
      ...(mode.audio === 'none' || info.audio === null ? [] : ['-map', `0:${info.audio.index}`]),
      ...['-sn', '-dn'],
      ...videoCodecArgs(mode, video.codec, opts.segmentSeconds),
      ...audioCodecArgs(mode),
      ...(opts.durationMs === undefined ? [] : ['-t', (opts.durationMs / 1000).toFixed(3)]),
      // Keep the timeline the segment list reports equal to the input's (ffmpeg would otherwise
      // shift it by the B-frame delay, ~0.1-0.2 s); each segment file is still reset to 0 and its
      // own mp4 muxer handles negative DTS.
      ...['-avoid_negative_ts', 'disabled'],
      ...['-f', 'segment', '-segment_time', seconds, '-segment_format', 'mp4'],
      ...['-segment_format_options', 'movflags=+frag_keyframe+empty_moov+default_base_moof'],
      ...['-reset_timestamps', '1'],
      ...['-segment_list', opts.listFile, '-segment_list_type', 'csv'],
      opts.pattern,
      // Our process wrapper always adds a `pipe:1` output after these options (it owns ffmpeg's
      // lifetime through fluent-ffmpeg, which insists on one). A null sink fed by stream copy
      // satisfies it: nothing is decoded, nothing is written to the pipe.
      ...['-map', `0:${video.index}`, '-c', 'copy', '-f', 'null'],
    ],
  };
}

function videoCodecArgs(mode: RecordingMode, codec: string, segmentSeconds: number): string[] {
  if (mode.video === 'copy') {
    // hvc1 (parameter sets in the sample entry) is the HEVC tag Safari requires in MP4; ffmpeg's
    // default, hev1, plays only elsewhere.
    return ['-c:v', 'copy', ...(codec === 'hevc' ? ['-tag:v', 'hvc1'] : [])];
  }
  return [
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p'],
    // A keyframe exactly at every segment boundary, so transcoded segments are cut on time.
    ...['-force_key_frames', `expr:gte(t,n_forced*${segmentSeconds})`],
  ];
}

function audioCodecArgs(mode: RecordingMode): string[] {
  switch (mode.audio) {
    case 'none':
      return ['-an'];
    case 'copy':
      return ['-c:a', 'copy'];
    case 'aac':
      return ['-c:a', 'aac', '-b:a', '128k'];
  }
}
