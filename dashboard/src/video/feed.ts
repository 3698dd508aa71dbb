// One source's live video: a single ffmpeg process turning the source into fragmented MP4, its
// output split into the init segment and fragments, fanned out to the watchers of that source.
//
// Joining mid-stream: the fragments since the last one that starts with a keyframe (the current
// GOP) are kept, so a new watcher gets init + GOP and can decode at once. The cache is capped at
// GOP_CACHE_BYTES; past that it is dropped and rebuilt from the next keyframe (a watcher joining
// meanwhile waits for that keyframe). Nothing else is buffered here: each watcher's own socket
// send buffer is its queue, bounded by the WebSocket layer (server/video-socket.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { probe, resolveFfmpeg } from '@aima/ingest';
import type { RtpOutputs, RtpSink } from '../rtc/types.ts';
import { feedArgs, type FeedRtp, type VideoInput } from './args.ts';
import { createBoxSplitter, parseFragment, parseInit, type InitInfo } from './mp4.ts';

export const GOP_CACHE_BYTES = 8 * 1024 * 1024;
const STDERR_KEEP = 2048;
const KILL_AFTER_MS = 2000;

/** Why a feed ended: no live video to be had, the source ended, ffmpeg failed, or we closed it. */
export type FeedEnd = 'unavailable' | 'ended' | 'failed' | 'closed';

export interface FeedStart {
  readonly mime: string;
  /** Wall-clock ms of this feed's media time 0. */
  readonly epochMs: number;
  readonly init: Buffer;
}

export interface FeedWatcher {
  /** The feed's init segment and, when there is one, the GOP so far (starting at a keyframe). */
  start(info: FeedStart, gop: readonly Buffer[]): void;
  /** A moof+mdat pair; a watcher gets its first one only from a keyframe on. */
  fragment(data: Buffer): void;
  end(reason: FeedEnd, message: string): void;
}

export interface Feed {
  readonly sourceId: string;
  readonly watchers: number;
  /** The ffmpeg process id while it runs. */
  readonly pid: number | null;
  add(w: FeedWatcher): void;
  remove(w: FeedWatcher): void;
  /** Ends ffmpeg (SIGTERM, SIGKILL after 2 s) and tells the watchers 'closed'. Idempotent. */
  close(): Promise<void>;
  readonly closed: boolean;
}

export interface FeedOptions {
  readonly sourceId: string;
  readonly resolveInput: (sourceId: string) => Promise<VideoInput | null>;
  /** Called once when the feed has ended, whatever the reason. */
  readonly onEnd: (feed: Feed) => void;
  /**
   * The WebRTC side (issue 12): asked for RTP outputs before ffmpeg starts; they are closed when
   * the feed ends. Omitted or answering null: the fMP4 output alone.
   */
  readonly rtp?: RtpSink;
}

export function createFeed(opts: FeedOptions): Feed {
  const watchers = new Map<FeedWatcher, { synced: boolean }>();
  let proc: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let closed = false;
  let init: Buffer | null = null;
  let initInfo: InitInfo | null = null;
  let start: FeedStart | null = null;
  /** File feeds know their epoch up front; live ones derive it from the first fragment. */
  let fixedEpochMs: number | null = null;
  let gop: Buffer[] = [];
  let gopBytes = 0;
  let stderr = '';
  let outputs: RtpOutputs | null = null;
  /** What this feed reads, once resolved. */
  let current: VideoInput | null = null;

  const safe = (fn: () => void): void => {
    try {
      fn();
    } catch {
      // One watcher's failure (a socket gone bad) must not stop the others.
    }
  };

  function finish(reason: FeedEnd, message: string): void {
    if (closed) return;
    closed = true;
    // The router goes first: its viewers hear why (rtc-closed) before the MSE watchers do.
    if (outputs) safe(() => outputs!.close(reason, message));
    outputs = null;
    for (const w of watchers.keys()) safe(() => w.end(reason, message));
    watchers.clear();
    gop = [];
    opts.onEnd(feed);
  }

  function onFragment(moof: Buffer, mdat: Buffer): void {
    if (!initInfo || !init) throw new RangeError('fragment before the init segment');
    const info = parseFragment(moof, initInfo.defaultSampleFlags);
    const data = Buffer.concat([moof, mdat]);
    if (!start) {
      // The first fragment has just been written, so it ends about now.
      const endMs = ((info.baseMediaDecodeTime + info.duration) / initInfo.timescale) * 1000;
      // A live source's clock is its arrival time plus the analysis timeline's offset.
      const epochMs = fixedEpochMs ?? Date.now() + (current?.clockOffsetMs?.() ?? 0) - endMs;
      start = { mime: initInfo.mime, epochMs: Math.round(epochMs), init };
      for (const w of watchers.keys()) safe(() => w.start(start!, gop));
      for (const s of watchers.values()) s.synced = gop.length > 0;
    }
    if (info.keyframe) {
      gop = [data];
      gopBytes = data.length;
    } else if (gop.length > 0) {
      gopBytes += data.length;
      if (gopBytes > GOP_CACHE_BYTES) {
        gop = [];
        gopBytes = 0;
      } else gop.push(data);
    }
    for (const [w, s] of watchers) {
      if (!s.synced && !info.keyframe) continue;
      s.synced = true;
      safe(() => w.fragment(data));
    }
  }

  function spawnFfmpeg(input: VideoInput, copy: boolean, rtp: FeedRtp | null): void {
    const startMs = input.input.kind === 'file' ? Math.max(0, Date.now() - input.epochMs) : 0;
    if (input.input.kind === 'file') fixedEpochMs = input.epochMs + startMs;
    const args = feedArgs(input, { copy, startMs, ...(rtp ? { rtp } : {}) });
    const child = spawn(resolveFfmpeg().ffmpeg, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc = child;
    exited = new Promise((resolve) => child.once('close', () => resolve()));
    const splitter = createBoxSplitter();
    let moof: Buffer | null = null;
    const header: Buffer[] = [];
    child.stdout!.on('data', (chunk: Buffer) => {
      if (closed) return;
      try {
        for (const box of splitter.push(chunk)) {
          if (box.type === 'moof') moof = box.data;
          else if (box.type === 'mdat' && moof) {
            onFragment(moof, box.data);
            moof = null;
          } else if (!init && (box.type === 'ftyp' || box.type === 'moov')) {
            header.push(box.data);
            if (box.type === 'moov') {
              initInfo = parseInit(box.data);
              if (!initInfo) throw new RangeError('the video is not H.264');
              init = Buffer.concat(header);
            }
          }
        }
      } catch (err) {
        finish('failed', `bad fMP4 from ffmpeg: ${(err as Error).message}`);
        child.kill('SIGKILL');
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_KEEP);
    });
    child.once('error', (err) => finish('failed', `ffmpeg could not start: ${err.message}`));
    child.once('close', (code) => {
      proc = null;
      const last = stderr.trim().split('\n').pop() ?? '';
      // Stream URLs may hold credentials; ffmpeg's stderr quotes them. Keep the message generic.
      if (code === 0) finish('ended', 'the source ended');
      else
        finish(
          'failed',
          `ffmpeg exited with ${code ?? 'a signal'}${last && input.input.kind === 'file' ? `: ${last}` : ''}`,
        );
    });
  }

  async function begin(): Promise<void> {
    const input = await opts.resolveInput(opts.sourceId);
    current = input;
    if (closed) return;
    if (!input) return finish('unavailable', 'no live video for this source');
    // Files are encoded, so the feed can start exactly where analysis is; live H.264 is copied.
    // A file is probed only for the WebRTC side (its audio); a stream always (its codec).
    let copy = false;
    let info: Awaited<ReturnType<typeof probe>> | null = null;
    if (input.input.kind !== 'file' || opts.rtp) {
      info = await probe(input.input, { timeoutMs: 15_000 }).catch(() => null);
      if (closed) return;
      copy = input.input.kind !== 'file' && info?.video?.codec === 'h264';
    }
    const rtp = opts.rtp && info?.video ? await openRtp(opts.rtp, info, copy) : null;
    if (closed) {
      rtp?.close('closed', 'feed closed');
      return;
    }
    outputs = rtp;
    // The router went under us (worker death, quarantine): end, so the next feed gets new outputs.
    rtp?.onLost((message) => {
      if (outputs !== rtp) return;
      outputs = null;
      void stopProcess('failed', `WebRTC outputs lost: ${message}`);
    });
    spawnFfmpeg(
      input,
      copy,
      rtp ? { video: rtp.video, audio: rtp.audio, transcodeVideo: rtp.transcodeVideo } : null,
    );
  }

  async function openRtp(
    sink: RtpSink,
    info: NonNullable<Awaited<ReturnType<typeof probe>>>,
    copy: boolean,
  ): Promise<RtpOutputs | null> {
    const media = {
      clockOffsetMs: current?.clockOffsetMs ?? ((): number => 0),
      h264Profile: copy ? (info.video?.profile ?? null) : null,
      copy,
      // An audio codec ffmpeg cannot name would fail the whole process, MSE output included.
      audio: info.audio !== null && !['unknown', 'none'].includes(info.audio.codec),
    };
    // No WebRTC is no reason to fail the MSE feed: it runs without RTP.
    return sink.openOutputs(opts.sourceId, media).catch(() => null);
  }
  begin().catch((err: unknown) => finish('failed', (err as Error).message));

  /** Ends the feed with `reason` and ffmpeg with it (SIGTERM, SIGKILL after 2 s). */
  async function stopProcess(reason: FeedEnd, message: string): Promise<void> {
    const child = proc;
    finish(reason, message);
    if (!child || child.exitCode !== null || child.signalCode !== null) return exited;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
    await exited;
    clearTimeout(timer);
  }

  const feed: Feed = {
    sourceId: opts.sourceId,
    get watchers() {
      return watchers.size;
    },
    get pid() {
      return proc?.pid ?? null;
    },
    get closed() {
      return closed;
    },
    add(w) {
      if (closed) return w.end('closed', 'feed closed');
      watchers.set(w, { synced: start !== null && gop.length > 0 });
      if (start) w.start(start, gop);
    },
    remove(w) {
      watchers.delete(w);
    },
    close: () => stopProcess('closed', 'server shutting down'),
  };
  return feed;
}
