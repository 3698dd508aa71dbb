import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { IngestError, isIngestError } from '../errors.ts';
import type { FfmpegArgs } from '../ffmpeg/args.ts';
import { detectFeatures } from '../ffmpeg/features.ts';
import { startFfmpeg } from '../ffmpeg/process.ts';
import type { FfmpegExit, FfmpegProcess } from '../ffmpeg/process.ts';
import { resolveFfmpeg } from '../ffmpeg/resolve.ts';
import { probeSource } from '../probe.ts';
import { checkOptions, endOfStreamError } from '../session-setup.ts';
import type { MediaInfo, SourceRef } from '../types.ts';
import { isSafeSourceId, recordArgs, recordingMode, runPrefix, segmentPattern } from './args.ts';
import type { RecordingMode } from './args.ts';
import { Emitter } from './emitter.ts';
import { SegmentListReader } from './segment-list.ts';
import type { Recorder, RecorderEvents, RecorderOptions, RecorderResult, RecorderState } from './types.ts';

/** Fallback poll of the segment list; the segment muxer's "Opening" line usually comes first. */
const POLL_MS = 1000;
/** SIGTERM makes ffmpeg finish the segment (flush the encoder, write the fragment); SIGKILL only
 * after this long. An encoder flush takes well under a second at ordinary sizes. */
const KILL_GRACE_MS = 10_000;
/** Logged when a segment starts, i.e. right after the previous one was finished and listed. */
const SEGMENT_OPENED = /^\[segment @ [^\]]*\] (?:\[info\] )?Opening '.*' for writing/;
/** Largest epoch toISOString() can name with a four-digit year (file names must sort). */
const MAX_EPOCH_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

const pids = new WeakMap<Recorder, number>();

/** The ffmpeg pid behind a recorder, once started (for tests that check it is reaped). */
export function recorderProcessId(recorder: Recorder): number | undefined {
  return pids.get(recorder);
}

/**
 * Record a source as fragmented-MP4 segment files in `<dir>/<sourceId>/`, named
 * `<run epoch, compact ISO>-<counter>.mp4` so that they sort by time.
 *
 * Probes first: h264/hevc video is stream-copied (segments then start at keyframes, so their
 * length follows the source's GOP), other codecs are transcoded with libx264 (a keyframe at every
 * boundary); AAC audio is copied, other audio transcoded to AAC. Each finished segment is
 * announced by a `segment` event with wall-clock `startTs`/`endTs` (`epochMs` + its media times
 * from ffmpeg's segment list), so consecutive segments are contiguous.
 *
 * Returns at once; progress and failures arrive as events and in `done`. Throws RangeError for
 * invalid options only.
 */
export function startRecorder(src: SourceRef, opts: RecorderOptions): Recorder {
  checkRecorderOptions(opts);
  return new RecorderRun(src, opts);
}

function checkRecorderOptions(opts: RecorderOptions): void {
  if (typeof opts.dir !== 'string' || opts.dir === '') throw new RangeError('dir must be a non-empty path');
  if (typeof opts.sourceId !== 'string' || !isSafeSourceId(opts.sourceId)) {
    throw new RangeError(
      `sourceId must be 1-128 characters of [A-Za-z0-9._-] starting with a letter or digit, got ${JSON.stringify(opts.sourceId)}`,
    );
  }
  const s = opts.segmentSeconds;
  if (s !== undefined && !(Number.isFinite(s) && s >= 0.5 && s <= 3600)) {
    throw new RangeError('segmentSeconds must be within [0.5, 3600]');
  }
  checkOptions(opts);
  if (opts.epochMs !== undefined && !(opts.epochMs >= 0 && opts.epochMs <= MAX_EPOCH_MS)) {
    throw new RangeError('epochMs must lie between 1970 and 9999');
  }
}

class RecorderRun implements Recorder {
  readonly sourceId: string;
  readonly outDir: string;
  readonly done: Promise<RecorderResult>;
  private current: RecorderState = 'starting';
  private recording: RecordingMode | null = null;
  private epoch: number | null = null;
  private proc: FfmpegProcess | null = null;
  private stopRequested = false;
  private readonly events = new Emitter<RecorderEvents>();
  /** Cancels the probe when close() comes first. */
  private readonly probeAbort = new AbortController();
  private segments = 0;
  private bytes = 0;
  /** Media time (ms) where the last listed segment ends, for the truncation check. */
  private lastEndMs: number | null = null;
  private draining: Promise<void> = Promise.resolve();
  private listError: unknown = null;
  private readonly onAbort = (): void => void this.close();

  constructor(
    private readonly src: SourceRef,
    private readonly opts: RecorderOptions,
  ) {
    this.sourceId = opts.sourceId;
    this.outDir = path.resolve(opts.dir, opts.sourceId);
    opts.signal?.addEventListener('abort', this.onAbort, { once: true });
    if (opts.signal?.aborted) this.stopRequested = true;
    this.done = this.run().then((result) => {
      opts.signal?.removeEventListener('abort', this.onAbort);
      this.events.clear();
      return result;
    });
  }

  get state(): RecorderState {
    return this.current;
  }

  get mode(): RecordingMode | null {
    return this.recording;
  }

  get epochMs(): number | null {
    return this.epoch;
  }

  get closed(): boolean {
    return this.stopRequested || this.current === 'stopped' || this.current === 'failed';
  }

  on<E extends keyof RecorderEvents>(event: E, listener: RecorderEvents[E]): () => void {
    return this.events.on(event, listener);
  }

  off<E extends keyof RecorderEvents>(event: E, listener: RecorderEvents[E]): void {
    this.events.off(event, listener);
  }

  close(): Promise<RecorderResult> {
    if (!this.stopRequested) {
      this.stopRequested = true;
      this.probeAbort.abort();
      if (this.proc !== null) {
        this.setState('stopping');
        void this.proc.stop();
      }
    }
    return this.done;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async run(): Promise<RecorderResult> {
    let listDir: string | undefined;
    try {
      if (this.stopRequested) return this.finish(null);
      const { ffmpeg } = resolveFfmpeg();
      const [probed, features] = await Promise.all([
        probeSource(this.src, { signal: this.probeAbort.signal }),
        detectFeatures(ffmpeg),
      ]);
      if (this.stopRequested) return this.finish(null);
      const { info } = probed;
      if (info.video === null || probed.stillImage) {
        throw new IngestError('INGEST_NO_VIDEO', `no video stream to record in ${this.src.display}`);
      }
      const mode = recordingMode(info);
      this.recording = mode;
      listDir = await this.prepareDirs();
      if (this.stopRequested) return this.finish(null);
      const epochMs = this.opts.epochMs ?? Date.now();
      const listFile = path.join(listDir, 'segments.csv');
      const reader = new SegmentListReader(listFile);
      const args = recordArgs(this.src, features, {
        info,
        mode,
        segmentSeconds: this.opts.segmentSeconds ?? 10,
        pattern: segmentPattern(this.outDir, runPrefix(epochMs)),
        listFile,
        live: this.isLive(info),
        ...(this.opts.realtime ? { realtime: true } : {}),
        ...(this.opts.durationMs !== undefined ? { durationMs: this.opts.durationMs } : {}),
      });
      const proc = await this.spawn(ffmpeg, args, () => void this.drain(reader, epochMs));
      this.proc = proc;
      this.epoch = epochMs;
      pids.set(this, proc.pid);
      if (this.stopRequested) {
        this.setState('stopping');
        void proc.stop();
      } else {
        this.setState('recording');
      }
      const exit = await this.supervise(proc, reader, epochMs);
      return this.finish(this.verdict(proc, exit, info));
    } catch (err) {
      if (this.stopRequested && isIngestError(err) && err.code === 'INGEST_ABORTED') return this.finish(null);
      return this.finish(
        isIngestError(err)
          ? err
          : new IngestError('INGEST_DECODE_FAILED', `recording ${this.src.display} failed`, { cause: err }),
      );
    } finally {
      if (listDir !== undefined)
        await fs.rm(listDir, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  /** The output directory, and a private temp directory for ffmpeg's segment list. */
  private async prepareDirs(): Promise<string> {
    try {
      await fs.mkdir(this.outDir, { recursive: true });
    } catch (err) {
      throw new IngestError('INGEST_DECODE_FAILED', `cannot create recording directory ${this.outDir}`, {
        cause: err,
      });
    }
    return fs.mkdtemp(path.join(os.tmpdir(), 'aima-rec-'));
  }

  private async spawn(
    ffmpegPath: string,
    args: FfmpegArgs,
    onSegmentDone: () => void,
  ): Promise<FfmpegProcess> {
    let opened = 0;
    try {
      return await startFfmpeg({
        ffmpegPath,
        args,
        killGraceMs: KILL_GRACE_MS,
        onStderrLine: (line) => {
          if (SEGMENT_OPENED.test(line) && ++opened > 1) onSegmentDone();
        },
      });
    } catch (err) {
      const missing =
        err instanceof Error && 'code' in err && (err.code === 'ENOENT' || err.code === 'EACCES');
      throw new IngestError(
        missing ? 'INGEST_FFMPEG_NOT_FOUND' : 'INGEST_DECODE_FAILED',
        `could not start ffmpeg to record ${this.src.display}`,
        { cause: err },
      );
    }
  }

  /** Waits for ffmpeg to exit, polling the list meanwhile; then reads what the last segment added. */
  private async supervise(
    proc: FfmpegProcess,
    reader: SegmentListReader,
    epochMs: number,
  ): Promise<FfmpegExit> {
    const timer = setInterval(() => void this.drain(reader, epochMs), POLL_MS);
    timer.unref();
    let exit: FfmpegExit;
    try {
      exit = await proc.exited;
      await proc.stderrDone;
    } finally {
      clearInterval(timer);
    }
    await this.drain(reader, epochMs);
    return exit;
  }

  /** Emits the segments listed since the last call. Serialised, so events keep list order. */
  private drain(reader: SegmentListReader, epochMs: number): Promise<void> {
    this.draining = this.draining.then(async () => {
      try {
        const entries = await reader.read();
        this.listError = null;
        for (const entry of entries) {
          const file = path.join(this.outDir, entry.name);
          let bytes: number;
          try {
            bytes = (await fs.stat(file)).size;
          } catch {
            continue; // removed before we got to it: there is nothing left to announce
          }
          const startTs = epochMs + Math.max(0, Math.round(entry.start * 1000));
          const endTs = Math.max(startTs, epochMs + Math.round(entry.end * 1000));
          this.segments++;
          this.bytes += bytes;
          this.lastEndMs = endTs - epochMs;
          this.events.emit('segment', { sourceId: this.sourceId, file, startTs, endTs, bytes });
        }
      } catch (err) {
        // The next poll (or the final read) retries from the same place.
        this.listError = err;
      }
    });
    return this.draining;
  }

  private verdict(proc: FfmpegProcess, exit: FfmpegExit, info: MediaInfo): IngestError | null {
    const live = this.isLive(info);
    const failure = endOfStreamError(this.src, proc, exit, {
      live,
      durationMs: info.durationMs,
      limitMs: this.opts.durationMs,
      lastMs: this.lastEndMs,
      toleranceMs: 1500,
    });
    if (failure !== null) return failure;
    if (this.listError !== null) {
      return new IngestError('INGEST_DECODE_FAILED', `cannot read the segment list of ${this.src.display}`, {
        cause: this.listError,
      });
    }
    // A live source has no natural end: ffmpeg leaving on its own means the stream went away.
    if (live && !exit.killedByUs) {
      return new IngestError('INGEST_UNREACHABLE', `cannot reach ${this.src.display}: the live stream ended`);
    }
    return null;
  }

  private isLive(info: MediaInfo): boolean {
    return this.src.live || info.durationMs === null;
  }

  private finish(error: IngestError | null): RecorderResult {
    const state = error === null ? 'stopped' : 'failed';
    if (error !== null) this.events.emit('error', error);
    this.setState(state);
    return { state, error, segments: this.segments, bytes: this.bytes };
  }

  private setState(state: RecorderState): void {
    if (state === this.current) return;
    this.current = state;
    this.events.emit('state', state);
  }
}
