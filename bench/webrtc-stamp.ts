// The stamped source of the WebRTC bench (bench/webrtc-latency.ts): frames whose pixels carry the
// wall-clock ms they were handed to the encoder, published live over RTMP, and the floor reader
// (a bare ffmpeg decoding the same stream, as close to the stream server as a player gets).
//
// Stamp layout (640x360): 32 bars of 20 px across the top 96 rows hold Date.now() mod 2^32 (bit
// 31 first, white = 1), the next 96 rows hold the complement, so a frame decoded from a broken
// GOP or mid-blend is rejected instead of read as a wrong time. Bars this big survive H.264.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolveFfmpeg } from '@aima/ingest';

export const WIDTH = 640;
export const HEIGHT = 360;
export const FPS = 25;
const BITS = 32;
const BAR = WIDTH / BITS;
const BAND = 96;
const STOP_MS = 3000;

/** Draws `stamp` (an unsigned 32-bit number) into a luma plane of WIDTH x HEIGHT. */
export function drawStamp(y: Buffer, stamp: number): void {
  for (let i = 0; i < BITS; i++) {
    const one = Math.floor(stamp / 2 ** (BITS - 1 - i)) % 2 === 1;
    for (let row = 0; row < 2 * BAND; row++) {
      const white = row < BAND ? one : !one;
      y.fill(white ? 235 : 16, row * WIDTH + i * BAR, row * WIDTH + (i + 1) * BAR);
    }
  }
}

/** Reads the stamp back from a luma plane (`at(x, y)` = 0..255), or null when the bars disagree. */
export function readStamp(at: (x: number, y: number) => number): number | null {
  let v = 0;
  for (let i = 0; i < BITS; i++) {
    const x = i * BAR + BAR / 2;
    const bit = at(x, BAND / 2) > 128;
    if (bit === at(x, BAND + BAND / 2) > 128) return null;
    v = v * 2 + (bit ? 1 : 0);
  }
  return v;
}

/** now − stamp in ms, both mod 2^32 (the stamps wrap every ~50 days). */
export function sinceStamp(nowMs: number, stamp: number): number {
  const d = (Math.round(nowMs) % 2 ** 32) - stamp;
  return d < -(2 ** 31) ? d + 2 ** 32 : d;
}

/** h264: AIMA's copy path; flv1: its encode path. */
export type StampCodec = 'h264' | 'flv1';

export interface StampedSource {
  /** Frames written to the encoder so far, and those written late (> 1 frame behind schedule). */
  readonly frames: number;
  readonly late: number;
  readonly pid: number | undefined;
  stderr(): string;
  close(): Promise<void>;
}

/**
 * Paces raw frames at FPS into ffmpeg (1 s GOP) publishing FLV to `url`: H.264 baseline (libx264
 * zerolatency), which AIMA copies to MSE and RTP, or Sorenson H.263 (flv1), which AIMA's feed must
 * encode (one libx264 baseline encode teed to both). Each frame is stamped with Date.now() just before it is written: what is measured starts
 * where a camera's sensor would hand the picture to its encoder.
 */
export function startStampedSource(url: string, codec: StampCodec = 'h264'): StampedSource {
  const { ffmpeg } = resolveFfmpeg();
  const proc = spawn(
    ffmpeg,
    [
      ...['-hide_banner', '-nostdin', '-loglevel', 'error'],
      ...[
        '-f',
        'rawvideo',
        '-pix_fmt',
        'yuv420p',
        '-s',
        `${WIDTH}x${HEIGHT}`,
        '-r',
        String(FPS),
        '-i',
        'pipe:0',
      ],
      ...(codec === 'h264'
        ? [
            '-c:v',
            'libx264',
            '-preset',
            'ultrafast',
            '-tune',
            'zerolatency',
            '-profile:v',
            'baseline',
            '-sc_threshold',
            '0',
          ]
        : ['-c:v', 'flv', '-q:v', '4']),
      ...['-pix_fmt', 'yuv420p', '-g', String(FPS), '-keyint_min', String(FPS)],
      ...['-b:v', '1500k', '-maxrate', '1500k', '-bufsize', '750k'],
      ...['-f', 'flv', url],
    ],
    { stdio: ['pipe', 'ignore', 'pipe'] },
  );
  let err = '';
  proc.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2048)));
  // EPIPE when ffmpeg dies first: the exit is what we report.
  proc.stdin?.on('error', () => undefined);
  const template = Buffer.alloc((WIDTH * HEIGHT * 3) / 2, 128);
  template.fill(60, 0, WIDTH * HEIGHT);
  let frames = 0;
  let late = 0;
  let closed = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t0 = performance.now();
  const period = 1000 / FPS;

  const tick = (): void => {
    if (closed) return;
    // A fresh buffer per frame: stdin may still hold the previous one.
    const frame = Buffer.from(template);
    // Something moving below the stamp, so the encoder does the work of a real scene.
    const x = (frames * 8) % (WIDTH - 80);
    for (let row = 240; row < 320; row++) frame.fill(200, row * WIDTH + x, row * WIDTH + x + 80);
    drawStamp(frame, Date.now() % 2 ** 32);
    proc.stdin?.write(frame);
    frames++;
    const next = t0 + frames * period;
    const now = performance.now();
    if (now - next > period) late++;
    timer = setTimeout(tick, Math.max(0, next - now));
  };
  tick();

  return {
    get frames() {
      return frames;
    },
    get late() {
      return late;
    },
    pid: proc.pid,
    stderr: () => err,
    close: () => {
      closed = true;
      clearTimeout(timer);
      proc.stdin?.end();
      return stopProcess(proc);
    },
  };
}

export interface FloorReader {
  /** Glass-to-glass of each decoded frame: its arrival on ffmpeg's stdout − its stamp (ms). */
  readonly latencies: number[];
  readonly frames: number;
  readonly unreadable: number;
  readonly pid: number | undefined;
  stderr(): string;
  close(): Promise<void>;
}

/**
 * The floor: ffmpeg reading `url` with every buffer it has turned down (nobuffer, low_delay, one
 * thread for the decoder and for the output: frame threads hold frames back), writing grey frames
 * to a pipe flushed per frame, frames passed through as they come (no frame-rate conversion); Node
 * reads each stamp the moment the frame arrives.
 */
export function startFloorReader(url: string): FloorReader {
  const { ffmpeg } = resolveFfmpeg();
  const proc = spawn(
    ffmpeg,
    [
      ...['-hide_banner', '-nostdin', '-loglevel', 'error'],
      ...['-fflags', 'nobuffer', '-flags', 'low_delay', '-threads', '1', '-i', url],
      // Output side too: the rawvideo encoder's frame threads hold a frame back (~40 ms at 25 fps).
      ...['-map', '0:v:0', '-fps_mode', 'passthrough', '-threads', '1'],
      ...['-f', 'rawvideo', '-pix_fmt', 'gray', '-flush_packets', '1', 'pipe:1'],
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let err = '';
  proc.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2048)));
  const size = WIDTH * HEIGHT;
  const frame = Buffer.alloc(size);
  let filled = 0;
  const res = { latencies: [] as number[], frames: 0, unreadable: 0 };
  proc.stdout?.on('data', (chunk: Buffer) => {
    let off = 0;
    while (off < chunk.length) {
      const n = Math.min(size - filled, chunk.length - off);
      chunk.copy(frame, filled, off, off + n);
      filled += n;
      off += n;
      if (filled < size) break;
      filled = 0;
      const now = Date.now();
      const stamp = readStamp((x, y) => frame[y * WIDTH + x]!);
      res.frames++;
      if (stamp === null) res.unreadable++;
      else res.latencies.push(sinceStamp(now, stamp));
    }
  });
  return {
    get latencies() {
      return res.latencies;
    },
    get frames() {
      return res.frames;
    },
    get unreadable() {
      return res.unreadable;
    },
    pid: proc.pid,
    stderr: () => err,
    close: () => stopProcess(proc),
  };
}

/** SIGTERM, SIGKILL after STOP_MS; resolves when it has exited. */
function stopProcess(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => proc.kill('SIGKILL'), STOP_MS);
    proc.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    proc.kill('SIGTERM');
  });
}
