// Video and audio from ONE ffmpeg: one connection to a live source, frames on fd 1 and 16 kHz audio
// on fd 3, both on the same clock. For live sources only: both pipes are drained continuously
// ('drop-oldest' queues), because ffmpeg writes its outputs from one thread and a stalled reader
// of either pipe would stall the other. Files decode video and audio in separate processes
// (decodeVideo, decodeAudio) so that each keeps its own backpressure.
import { AudioClock } from './audio-clock.ts';
import { assertAudioDecodable, checkChunkSamples, probeForAudio } from './decode-audio.ts';
import { createDecodeStream } from './decode-stream.ts';
import { checkVideoOptions, planVideo } from './decode-video.ts';
import type { VideoPlan } from './decode-video.ts';
import { isIngestError } from './errors.ts';
import type { IngestError } from './errors.ts';
import { abortedError } from './failure.ts';
import { AUDIO_FD, avArgs } from './ffmpeg/args.ts';
import { startFfmpegPipes } from './ffmpeg/process.ts';
import type { FfmpegProcess } from './ffmpeg/process.ts';
import { resolveFfmpeg } from './ffmpeg/resolve.ts';
import { PtsTracker } from './pts-tracker.ts';
import { launchWith } from './session-setup.ts';
import { audioTrack, frameTrack, trackCommon } from './tracks.ts';
import type { AudioChunk, DecodeStream, DecodeVideoOptions, Frame, MediaInfo, SourceRef } from './types.ts';

export interface DecodeAvOptions extends Pick<
  DecodeVideoOptions,
  'fps' | 'maxWidth' | 'maxHeight' | 'pixelFormat' | 'threads' | 'decode' | 'signal'
> {
  /** Audio as well (16 kHz mono chunks of `chunkSamples`, default 8000). */
  readonly audio?: { readonly chunkSamples?: number };
  /** Items buffered per output before the oldest is dropped (default 8). */
  readonly highWaterMark?: number;
}

/** One ffmpeg's outputs. Closing either stream, or this, stops the shared process. */
export interface AvDecode {
  readonly info: MediaInfo;
  /** null for an audio-only source. */
  readonly video: DecodeStream<Frame> | null;
  /** null when audio was not asked for, the source has none, or it cannot be decoded. */
  readonly audio: DecodeStream<AudioChunk> | null;
  /** Why a source's audio is not decoded (INGEST_AUDIO_UNSUPPORTED); null otherwise. */
  readonly audioError: IngestError | null;
  readonly pid: number;
  close(): Promise<void>;
}

/**
 * Probe, then run one ffmpeg for the video and (when asked) the audio of `src`. Audio-only
 * sources are fine when audio is asked for; otherwise they throw INGEST_NO_VIDEO, as decodeVideo.
 * An audio stream ffmpeg cannot decode is left out (audioError says why) so that video goes on.
 */
export async function decodeAv(src: SourceRef, opts: DecodeAvOptions = {}): Promise<AvDecode> {
  checkVideoOptions(opts);
  const chunkSamples = opts.audio ? checkChunkSamples(opts.audio.chunkSamples) : 0;
  if (opts.signal?.aborted) throw abortedError(src, opts.signal.reason);

  const { ffmpeg } = resolveFfmpeg();
  const { probed, features, codecs } = await probeForAudio(src, ffmpeg, opts.signal);
  const { info } = probed;
  let audioError: IngestError | null = null;
  let withAudio = opts.audio !== undefined && info.audio !== null;
  if (withAudio) {
    try {
      assertAudioDecodable(src, probed, codecs);
    } catch (err) {
      if (!isIngestError(err)) throw err;
      audioError = err;
      withAudio = false;
    }
  }
  const live = src.live || info.durationMs === null;
  let plan: VideoPlan | null = null;
  try {
    plan = planVideo(src, probed, opts, !live);
  } catch (err) {
    // Audio-only is first-class when audio is wanted; otherwise (or with no usable audio) the
    // caller hears why there is nothing to decode.
    if (!(withAudio && isIngestError(err) && err.code === 'INGEST_NO_VIDEO')) throw audioError ?? err;
  }

  const pts = new PtsTracker();
  const clock = new AudioClock();
  const args = avArgs(src, features, {
    ...(plan ? { video: plan.output } : {}),
    ...(withAudio && info.audio ? { audio: { streamIndex: info.audio.index } } : {}),
    // A finite source (a file played as if live) keeps its own clock, as decodeVideo does.
    copyTimestamps: !live,
    // The decode mode's threads and skips (an audio-only run keeps the threads asked for).
    ...(plan ? { threads: plan.decoder.threads, skip: plan.decoder.skip } : { threads: opts.threads }),
  });
  const onStderrLine = (line: string): void => {
    pts.onLine(line);
    clock.onLine(line);
  };
  const proc = await launchWith(src, opts.signal, () =>
    startFfmpegPipes({ ffmpegPath: ffmpeg, args, onStderrLine, cpuRole: 'decode' }),
  );
  void proc.stderrDone.then(() => {
    pts.end();
    clock.end();
  });

  // One origin for both outputs: they come from one input, so ffmpeg's clock is already shared.
  // (Live: ffmpeg's own shifted clock, 0 near the start; files: the container's start.)
  const audioOrigin = live ? 0 : probed.startMs;
  const videoOrigin = live ? 0 : (plan?.originMs ?? 0);
  // Both outputs are drained continuously (see the top) and stamped from one epoch.
  const buffering = {
    epochMs: Date.now(),
    highWaterMark: opts.highWaterMark,
    overflow: 'drop-oldest' as const,
    signal: opts.signal,
  };
  const video = plan
    ? createDecodeStream(
        frameTrack({
          ...trackCommon(src, info, proc, live, buffering, { toleranceMs: plan.toleranceMs }),
          size: plan.size,
          format: plan.format,
          frameMs: plan.frameMs,
          pts,
          originMs: videoOrigin,
        }),
      )
    : null;
  const audio = withAudio
    ? createDecodeStream(
        audioTrack({
          ...trackCommon(src, info, proc, live, buffering, { toleranceMs: 1000, audio: true }),
          stream: proc.pipe(AUDIO_FD),
          chunkSamples,
          clock,
          originMs: audioOrigin,
        }),
      )
    : null;
  return new Av(info, video, audio, audioError, proc);
}

class Av implements AvDecode {
  private closing: Promise<void> | undefined;

  constructor(
    readonly info: MediaInfo,
    readonly video: DecodeStream<Frame> | null,
    readonly audio: DecodeStream<AudioChunk> | null,
    readonly audioError: IngestError | null,
    private readonly proc: FfmpegProcess,
  ) {}

  get pid(): number {
    return this.proc.pid;
  }

  close(): Promise<void> {
    this.closing ??= Promise.all([this.video?.close(), this.audio?.close(), this.proc.stop()]).then(
      () => undefined,
    );
    return this.closing;
  }
}
