// Pure argument building: everything ffmpeg/ffprobe is told lives here, so it can be unit-tested
// without spawning anything.
import type { PixelFormat, SourceKind } from '../types.ts';

/** What differs between the ffmpeg builds we may meet (Debian 5.x, the 2018 bundled 4.x, ...). */
export interface FfmpegFeatures {
  /** The rtsp demuxer's socket I/O timeout: `-timeout` since ffmpeg 5; in 4.x that name means
   * "listen for incoming connections" and the socket timeout is `-stimeout`. */
  readonly rtspTimeout: 'timeout' | 'stimeout';
  /** `-fps_mode` exists (ffmpeg >= 5.1); older builds only know the now-deprecated `-vsync`. */
  readonly fpsMode: boolean;
  /** showinfo takes `checksum=0` (ffmpeg >= 5): skips an adler32 of every plane, ~0.4 ms a frame. */
  readonly showinfoChecksumOption: boolean;
}

/** What the argument builders need to know about a source. */
export interface ArgSource {
  readonly kind: SourceKind;
  readonly input: string;
}

/** ffmpeg's argument list split the way fluent-ffmpeg wants it; the output is always `pipe:1`. */
export interface FfmpegArgs {
  readonly inputOptions: readonly string[];
  readonly input: string;
  readonly outputOptions: readonly string[];
}

/** Socket I/O timeout (µs): an unreachable or stalled network source fails within ~10 s. */
export const NETWORK_TIMEOUT_US = 10_000_000;

/** Demuxer/protocol options for the source kind, shared by ffprobe and ffmpeg. */
export function sourceInputOptions(kind: SourceKind, features: FfmpegFeatures): string[] {
  switch (kind) {
    case 'file':
    case 'images':
      return [];
    case 'rtsp':
      return [...LIVE_ANALYZE, ...rtspOptions(features)];
    case 'rtmp':
    case 'srt':
    case 'whip':
      return [...LIVE_ANALYZE, ...RW_TIMEOUT];
    case 'http':
    case 'hls':
      return [...RW_TIMEOUT];
  }
}

// Generic URLContext socket timeout. Not `-timeout`: for rtmp that means "listen and wait".
const RW_TIMEOUT = ['-rw_timeout', String(NETWORK_TIMEOUT_US)];
// Stream analysis reads 5 s of a live stream by default, in real time, once for ffprobe and again
// for ffmpeg; 1 s finds the streams and their rates in the rtmp and srt streams we tested.
const LIVE_ANALYZE = ['-analyzeduration', '1000000'];

function rtspOptions(features: FfmpegFeatures): string[] {
  // UDP transport loses packets (smeared frames) behind NAT and on busy links; TCP is what
  // Frigate and DeepStream default to. rtsp opens its own sockets, so `-rw_timeout` would go
  // unused (ffmpeg rejects unused options); it has its own socket timeout instead.
  return ['-rtsp_transport', 'tcp', `-${features.rtspTimeout}`, String(NETWORK_TIMEOUT_US)];
}

function ffmpegInputOptions(
  src: ArgSource,
  features: FfmpegFeatures,
  realtime: boolean,
  copyTimestamps: boolean,
): string[] {
  return [
    // `level` prefixes each stderr line with [error]/[warning]/[info]: error classification and
    // "did decoding hit errors" become reliable. `info` is needed for showinfo's per-frame lines.
    ...['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'level+info'],
    ...(realtime ? ['-re'] : []),
    ...(copyTimestamps ? ['-copyts'] : []),
    ...sourceInputOptions(src.kind, features),
  ];
}

/** ffprobe's full argument list (JSON on stdout). */
export function ffprobeArgs(src: ArgSource, features: FfmpegFeatures): string[] {
  return [
    ...['-hide_banner', '-v', 'error'],
    ...sourceInputOptions(src.kind, features),
    ...['-print_format', 'json', '-show_format', '-show_streams'],
    src.input,
  ];
}

export interface Size {
  readonly width: number;
  readonly height: number;
}

/**
 * The size a frame gets when it must fit inside maxWidth x maxHeight with its aspect ratio kept,
 * like ffmpeg's `force_original_aspect_ratio=decrease`, but never upscaling. Scaled sizes are
 * rounded down to even numbers (what most encoders and models expect).
 */
export function fitSize(src: Size, maxWidth?: number, maxHeight?: number): Size {
  const scale = Math.min(1, (maxWidth ?? Infinity) / src.width, (maxHeight ?? Infinity) / src.height);
  if (scale >= 1) return { width: src.width, height: src.height };
  return {
    width: evenWithin(src.width * scale),
    height: evenWithin(src.height * scale),
  };
}

function evenWithin(value: number): number {
  // Round down (never out of the box); the epsilon keeps 311.99999 (float error) at 312.
  return Math.max(2, 2 * Math.floor(value / 2 + 1e-9));
}

/**
 * `fps` first so that scaling only touches the frames we keep; showinfo last reports their PTS.
 * `shiftMs` (files, decoded with -copyts) moves the video's first PTS to 0 before `fps`, whose
 * output grid is anchored at PTS 0: the kept frames then start with the first frame, as they
 * would without -copyts, instead of on a grid anchored wherever the container's clock began.
 * `keyframes` (the decoder only outputs keyframes): no `fps` grid, which would repeat each keyframe
 * to fill its slots; `fps` is then a cap (`select`), and showinfo reports each keyframe's own PTS.
 */
export function videoFilter(
  size: Size,
  fps?: number,
  features?: FfmpegFeatures,
  shiftMs?: number,
  keyframes?: boolean,
): string {
  const filters = [
    ...(shiftMs ? [`setpts=PTS-${(shiftMs / 1000).toFixed(6)}/TB`] : []),
    ...(fps === undefined ? [] : [keyframes ? keyframeCap(fps) : `fps=${fps}`]),
    // Always an explicit size, even when it equals the source: a live stream may change
    // resolution mid-way, and the reader slices stdout into frames of exactly this size.
    // Bilinear: detectors do not need bicubic's sharpness, and it costs ~20% less CPU per frame.
    // (fast_bilinear and area measured no cheaper at detector sizes: bench decode-modes.)
    `scale=${size.width}:${size.height}:flags=bilinear`,
    features?.showinfoChecksumOption ? 'showinfo=checksum=0' : 'showinfo',
  ];
  return filters.join(',');
}

/**
 * At most `fps` keyframes a second: a keyframe passes when it is at least 3/4 of a slot after the
 * last one that passed (keyframes exactly one slot apart all pass despite timestamp jitter).
 */
function keyframeCap(fps: number): string {
  const minGap = (0.75 / fps).toFixed(6);
  return `select='isnan(prev_selected_t)+gte(t-prev_selected_t\\,${minGap})'`;
}

/** What one raw-video output needs. */
export interface VideoOutputOptions {
  readonly streamIndex: number;
  readonly size: Size;
  readonly pixelFormat: PixelFormat;
  readonly fps?: number;
  readonly durationMs?: number;
  /** Subtract this from the PTS before `fps` (see videoFilter). */
  readonly shiftMs?: number;
  /** The decoder outputs keyframes only (DecoderSkip frame 'nokey'): `fps` is a cap, not a grid. */
  readonly keyframes?: boolean;
}

/**
 * Decoder shortcuts (AVCodecContext options, video decoders only):
 * - frame 'noref': non-reference frames are not decoded; 'nokey': only keyframes are;
 * - loopFilter 'noref': no deblocking on non-reference frames (nothing refers to their pixels).
 */
export interface DecoderSkip {
  readonly frame?: 'noref' | 'nokey';
  readonly loopFilter?: 'noref';
}

/** What the whole input side needs (shared by every output of one ffmpeg). */
export interface InputArgsOptions {
  readonly realtime?: boolean;
  /** Decoder threads (default: ffmpeg's choice, all cores). */
  readonly threads?: number;
  /** What the video decoder may skip (default: nothing). */
  readonly skip?: DecoderSkip;
  /**
   * Keep the container's timestamps (-copyts). Without it ffmpeg shifts timestamps by a start
   * time that depends on which streams are mapped (a video-only run of an MPEG-TS starts at the
   * video's first PTS, an audio-only run at the audio's), so two runs over one file would disagree
   * by the streams' start offset. Files are decoded with it, and the caller subtracts the
   * container's start time (the same for every run).
   */
  readonly copyTimestamps?: boolean;
}

export interface VideoArgsOptions extends VideoOutputOptions, InputArgsOptions {}

export function videoArgs(src: ArgSource, features: FfmpegFeatures, opts: VideoArgsOptions): FfmpegArgs {
  return {
    inputOptions: [
      ...ffmpegInputOptions(src, features, opts.realtime === true, opts.copyTimestamps === true),
      ...decoderOptions(opts),
    ],
    input: src.input,
    outputOptions: videoOutputOptions(features, opts),
  };
}

/**
 * Before -i, so they set the decoder's options. The skips name the video stream (`:v`): the same
 * input may feed an audio decoder, which has no such options.
 */
function decoderOptions(opts: InputArgsOptions): string[] {
  return [
    ...(opts.threads ? ['-threads', String(opts.threads)] : []),
    ...(opts.skip?.frame ? ['-skip_frame:v', opts.skip.frame] : []),
    ...(opts.skip?.loopFilter ? ['-skip_loop_filter:v', opts.skip.loopFilter] : []),
  ];
}

/** The part of the command line that turns the mapped video stream into raw frames. */
function videoOutputOptions(features: FfmpegFeatures, opts: VideoOutputOptions): string[] {
  return [
    ...['-map', `0:${opts.streamIndex}`, '-an', '-sn', '-dn'],
    ...['-vf', videoFilter(opts.size, opts.fps, features, opts.shiftMs, opts.keyframes)],
    // rawvideo has no timestamps, so ffmpeg would default to constant-frame-rate output and
    // duplicate/drop frames; passthrough keeps one output frame per showinfo line.
    ...(features.fpsMode ? ['-fps_mode', 'passthrough'] : ['-vsync', 'passthrough']),
    ...['-pix_fmt', opts.pixelFormat],
    ...durationArgs(opts.durationMs),
    ...['-f', 'rawvideo'],
  ];
}

/** Every audio chunk we emit is at this rate (Hz), mono float32. */
export const AUDIO_SAMPLE_RATE = 16_000;

export interface AudioOutputOptions {
  readonly streamIndex: number;
  readonly durationMs?: number;
}

export interface AudioArgsOptions extends AudioOutputOptions, InputArgsOptions {}

/**
 * 16 kHz mono float32 in the filter graph itself, so that ashowinfo, last, reports the PTS and
 * size of exactly the frames that reach the pipe. `async=1` keeps the sample count on the media
 * clock (holes are filled with silence, small drift is absorbed). A mid-stream change of sample
 * rate or layout makes ffmpeg rebuild this graph, and the resampler with it.
 */
export function audioFilter(): string {
  return [
    `aresample=${AUDIO_SAMPLE_RATE}:async=1`,
    'aformat=sample_fmts=flt:channel_layouts=mono',
    'ashowinfo',
  ].join(',');
}

/** 16 kHz mono float32 little-endian PCM, what speech and audio-event models take. */
export function audioArgs(src: ArgSource, features: FfmpegFeatures, opts: AudioArgsOptions): FfmpegArgs {
  return {
    inputOptions: ffmpegInputOptions(src, features, opts.realtime === true, opts.copyTimestamps === true),
    input: src.input,
    outputOptions: audioOutputOptions(opts),
  };
}

function audioOutputOptions(opts: AudioOutputOptions): string[] {
  return [
    ...['-map', `0:${opts.streamIndex}`, '-vn', '-sn', '-dn'],
    ...['-af', audioFilter()],
    ...durationArgs(opts.durationMs),
    ...['-f', 'f32le'],
  ];
}

/** The fd an A/V run writes its audio to (video keeps stdout, fd 1). */
export const AUDIO_FD = 3;

/** One output of a run with several: its options and the pipe (fd) it writes to. */
export interface PipeOutput {
  readonly fd: number;
  readonly options: readonly string[];
}

/** A run of one ffmpeg with several piped outputs (fluent-ffmpeg cannot open fds past 2). */
export interface MultiOutputArgs {
  readonly inputOptions: readonly string[];
  readonly input: string;
  readonly outputs: readonly PipeOutput[];
}

export interface AvArgsOptions extends InputArgsOptions {
  readonly video?: VideoOutputOptions;
  readonly audio?: AudioOutputOptions;
}

/**
 * One ffmpeg, one connection: raw video on fd 1 and 16 kHz audio on fd 3. Both outputs come from
 * one input, so their timestamps share one origin. ffmpeg writes them from one thread: a reader
 * that stops reading one pipe stalls the other, so both must be drained continuously.
 */
export function avArgs(src: ArgSource, features: FfmpegFeatures, opts: AvArgsOptions): MultiOutputArgs {
  const outputs: PipeOutput[] = [];
  if (opts.video) outputs.push({ fd: 1, options: videoOutputOptions(features, opts.video) });
  if (opts.audio) outputs.push({ fd: AUDIO_FD, options: audioOutputOptions(opts.audio) });
  if (outputs.length === 0) throw new RangeError('avArgs needs a video or an audio output');
  return {
    inputOptions: [
      ...ffmpegInputOptions(src, features, opts.realtime === true, opts.copyTimestamps === true),
      ...decoderOptions(opts),
    ],
    input: src.input,
    outputs,
  };
}

/** The exact argv of a multi-output run. */
export function multiArgv(args: MultiOutputArgs): string[] {
  return [
    ...args.inputOptions,
    ...['-i', args.input],
    ...args.outputs.flatMap((o) => [...o.options, `pipe:${o.fd}`]),
  ];
}

function durationArgs(durationMs: number | undefined): string[] {
  return durationMs === undefined ? [] : ['-t', (durationMs / 1000).toFixed(3)];
}

/** The exact argv ffmpeg receives (fluent-ffmpeg's order: input options, -i, output options, target). */
export function toArgv(args: FfmpegArgs): string[] {
  return [...args.inputOptions, '-i', args.input, ...args.outputOptions, 'pipe:1'];
}
