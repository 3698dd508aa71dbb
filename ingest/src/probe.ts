import { z } from 'zod';
import { IngestError } from './errors.ts';
import { abortedError, failureError, looksIsoBmff } from './failure.ts';
import { ffprobeArgs } from './ffmpeg/args.ts';
import type { FfmpegFeatures } from './ffmpeg/args.ts';
import { detectFeatures } from './ffmpeg/features.ts';
import { runFfprobe } from './ffmpeg/ffprobe.ts';
import { resolveFfmpeg } from './ffmpeg/resolve.ts';
import { classifyStderr } from './ffmpeg/stderr.ts';
import { isNetworkSource } from './source.ts';
import type { AudioStreamInfo, MediaInfo, SourceRef, VideoStreamInfo } from './types.ts';

export interface ProbeOptions {
  readonly signal?: AbortSignal;
  /** Give up after this long (default 20 s; network sources also fail on a 10 s socket timeout). */
  readonly timeoutMs?: number;
}

/** What the decoders need beyond the public MediaInfo. */
export interface ProbeResult {
  readonly info: MediaInfo;
  /** A single picture (jpeg/png/...), not a video. */
  readonly stillImage: boolean;
  /**
   * The container's start time (ms; the earliest stream's first PTS), 0 when unknown. Decoders
   * run ffmpeg with -copyts on files and subtract this, so every stream is on one clock.
   */
  readonly startMs: number;
  /** The video stream's first PTS (ms, same clock as startMs); null when unknown or no video. */
  readonly videoStartMs: number | null;
  /** Can this ffmpeg decode the audio stream's codec? (ffprobe names codecs it has no decoder for.) */
  readonly audioCodecKnown: boolean;
}

// Only the fields we use; everything is optional because ffprobe omits what it does not know.
const num = z.union([z.number(), z.string()]).optional();
const Stream = z.object({
  index: z.number(),
  codec_type: z.string().optional(),
  codec_name: z.string().optional(),
  profile: z.string().optional(),
  width: z.number().optional(),
  height: z.number().optional(),
  avg_frame_rate: z.string().optional(),
  r_frame_rate: z.string().optional(),
  nb_frames: num,
  pix_fmt: z.string().optional(),
  sample_rate: num,
  channels: z.number().optional(),
  start_time: num,
  disposition: z.record(z.number()).optional(),
  tags: z.record(z.string()).optional(),
  side_data_list: z.array(z.object({ rotation: num }).passthrough()).optional(),
});
const FfprobeJson = z.object({
  streams: z.array(Stream).default([]),
  format: z
    .object({ format_name: z.string().optional(), duration: num, size: num, start_time: num })
    .default({}),
});
type FfprobeStream = z.infer<typeof Stream>;
type FfprobeOutput = z.infer<typeof FfprobeJson>;

const DEFAULT_FEATURES: FfmpegFeatures = {
  rtspTimeout: 'timeout',
  fpsMode: true,
  showinfoChecksumOption: true,
};

/**
 * Probe a source with ffprobe. A source without a video stream is not an error here (audio-only
 * files exist); live sources report `durationMs: null`. Fails with INGEST_NOT_MEDIA,
 * INGEST_TRUNCATED, INGEST_UNREACHABLE, INGEST_FILE_NOT_FOUND or INGEST_ABORTED.
 */
export async function probe(src: SourceRef, opts: ProbeOptions = {}): Promise<MediaInfo> {
  return (await probeSource(src, opts)).info;
}

export async function probeSource(src: SourceRef, opts: ProbeOptions = {}): Promise<ProbeResult> {
  if (opts.signal?.aborted) throw abortedError(src, opts.signal.reason);
  const { ffprobe } = resolveFfmpeg();
  // Only rtsp options differ between ffprobe builds; skip the extra `-h` runs otherwise.
  const features = src.kind === 'rtsp' ? await detectFeatures(ffprobe) : DEFAULT_FEATURES;
  const run = await runFfprobe(ffprobe, ffprobeArgs(src, features), {
    ...(opts.signal ? { signal: opts.signal } : {}),
    timeoutMs: opts.timeoutMs ?? 20_000,
  });
  if (run.stoppedBy === 'abort') throw abortedError(src, opts.signal?.reason);
  if (run.stoppedBy === 'timeout') {
    const code = isNetworkSource(src) ? 'INGEST_UNREACHABLE' : 'INGEST_DECODE_FAILED';
    throw failureError(src, { code, detail: `no answer from ffprobe within ${opts.timeoutMs ?? 20_000} ms` });
  }
  if (run.exitCode !== 0) {
    const ctx = { network: isNetworkSource(src), isoBmff: looksIsoBmff(src) };
    const failure = classifyStderr(run.stderr, ctx);
    // A crash prints nothing useful (the bundled static ffprobe segfaults resolving hostnames).
    const crashed = run.signal !== null && failure.detail === null;
    throw failureError(src, crashed ? { ...failure, detail: `ffprobe died of ${run.signal}` } : failure);
  }
  let parsed: FfprobeOutput;
  try {
    parsed = FfprobeJson.parse(JSON.parse(run.stdout));
  } catch (err) {
    throw new IngestError('INGEST_DECODE_FAILED', `unreadable ffprobe output for ${src.display}`, {
      cause: err,
    });
  }
  const result = toProbeResult(parsed, src.live);
  if (!result.info.video && !result.info.audio) {
    throw failureError(src, { code: 'INGEST_NOT_MEDIA', detail: 'no audio or video stream' });
  }
  return result;
}

/** ffprobe JSON → our types, at the boundary. Exported for tests. */
export function toProbeResult(json: FfprobeOutput, live: boolean): ProbeResult {
  // Cover art in audio files is a "video" stream of one picture; it is not video.
  const video = pick(
    json.streams.filter((s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1),
  );
  const audio = pick(json.streams.filter((s) => s.codec_type === 'audio'));
  const durationSec = toNumber(json.format.duration);
  const formatName = json.format.format_name ?? 'unknown';
  const info: MediaInfo = Object.freeze({
    formatName,
    durationMs: live || durationSec === null || durationSec <= 0 ? null : Math.round(durationSec * 1000),
    sizeBytes: toInt(json.format.size),
    video: video ? toVideo(video) : null,
    audio: audio ? toAudio(audio) : null,
  });
  const startSec = toNumber(json.format.start_time);
  return {
    info,
    stillImage: video !== undefined && /^image2$|_pipe$/.test(formatName),
    startMs: startSec === null ? 0 : toMs(startSec),
    videoStartMs: video ? nullableMs(toNumber(video.start_time)) : null,
    // ffprobe says "unknown"/"none" for a codec id it cannot name (a wav with an unknown format tag).
    audioCodecKnown: audio !== undefined && !['unknown', 'none', undefined].includes(audio.codec_name),
  };
}

/** The default-disposition stream of a kind, else the first. */
function pick(streams: FfprobeStream[]): FfprobeStream | undefined {
  return streams.find((s) => s.disposition?.default === 1) ?? streams[0];
}

function toVideo(s: FfprobeStream): VideoStreamInfo {
  // ffmpeg auto-rotates on decode, so report the size frames will actually have.
  const quarterTurn = Math.abs(rotation(s)) % 180 === 90;
  const width = s.width ?? 0;
  const height = s.height ?? 0;
  return Object.freeze({
    index: s.index,
    codec: s.codec_name ?? 'unknown',
    width: quarterTurn ? height : width,
    height: quarterTurn ? width : height,
    fps: rate(s.avg_frame_rate) ?? rate(s.r_frame_rate),
    frames: toInt(s.nb_frames),
    pixelFormat: s.pix_fmt ?? null,
    profile: s.profile ?? null,
  });
}

function toAudio(s: FfprobeStream): AudioStreamInfo {
  return Object.freeze({
    index: s.index,
    codec: s.codec_name ?? 'unknown',
    sampleRate: toInt(s.sample_rate) ?? 0,
    channels: s.channels ?? 0,
  });
}

function rotation(s: FfprobeStream): number {
  const fromSide = s.side_data_list?.map((d) => toNumber(d.rotation)).find((r) => r !== null);
  return fromSide ?? toNumber(s.tags?.rotate) ?? 0;
}

/** "30000/1001" → 29.97; "0/0" and absurd values (timebase-like r_frame_rate) → null. */
function rate(text: string | undefined): number | null {
  const m = /^(\d+)\/(\d+)$/.exec(text ?? '');
  if (!m) return null;
  const value = Number(m[1]) / Number(m[2]);
  return Number.isFinite(value) && value > 0 && value <= 1000 ? value : null;
}

function toMs(seconds: number): number {
  return Math.round(seconds * 1e6) / 1e3;
}

function nullableMs(seconds: number | null): number | null {
  return seconds === null ? null : toMs(seconds);
}

function toNumber(v: number | string | undefined): number | null {
  if (v === undefined || v === 'N/A' || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

function toInt(v: number | string | undefined): number | null {
  const n = toNumber(v);
  return n === null ? null : Math.trunc(n);
}
