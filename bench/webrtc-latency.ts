// Issue 12 benchmark: glass-to-glass latency in Chromium, WebRTC versus MSE, on one paced source.
// A generator stamps Date.now() into the pixels of each frame (bench/webrtc-stamp.ts) and publishes
// it live to a local nginx-rtmp; AIMA runs it as a live source; a page with the live view's own
// clients (bench/webrtc-page.ts) reads the stamp of every presented frame back. The floor, in the
// same run: a bare ffmpeg decoding the same RTMP stream (no AIMA, no browser). CPU per viewer: the
// server process, the mediasoup worker and Chromium over N viewers against 1 (/proc, proc-cpu.ts).
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import WebSocket from 'ws';
import {
  buildServer,
  createKeyframes,
  createSourceManager,
  openRuntime,
  recordingsRoot,
} from '@aima/dashboard';
import { cpuBetween, pidCpu, sampleCpu, type CpuRole } from './proc-cpu.ts';
import { pct, table } from './report.ts';
import { benchPageHtml } from './webrtc-page.ts';
import { startFloorReader, startStampedSource, type StampCodec } from './webrtc-stamp.ts';

/** What this bench uses of test-support's nginx-rtmp server (imported by URL, see audio-live.ts). */
interface RtmpServer {
  readonly rtmpUrl: string;
  stop(): Promise<void>;
}
interface NginxModule {
  missing(): string | null;
  start(o: { clip: { seconds: number; audio: boolean } }): Promise<RtmpServer>;
}
const NGINX = new URL('../test-support/servers/nginx-rtmp.ts', import.meta.url).href;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const shared = process.env.AIMA_SHARED_DIR ?? path.resolve(root, '../shared');
const modelsDir = process.env.AIMA_MODELS_DIR ?? path.join(shared, 'models');
const SECONDS = Number(process.env.AIMA_BENCH_RTC_SECONDS ?? 20);
const CPU_SECONDS = Number(process.env.AIMA_BENCH_RTC_CPU_SECONDS ?? 10);
const VIEWERS = Number(process.env.AIMA_BENCH_RTC_VIEWERS ?? 4);
// h264 (default): AIMA copies the camera's H.264 to MSE and RTP; flv1: AIMA encodes it once for both.
const CODEC: StampCodec = process.env.AIMA_BENCH_RTC_CODEC === 'flv1' ? 'flv1' : 'h264';
const SOURCE = 'bench-rtc';
const WORKER_BIN = path.join(shared, 'tools/mediasoup/mediasoup-worker-3.32.2');

type Mode = 'mse' | 'webrtc';
interface PageRead {
  latencies: number[];
  /** WebRTC only: packet arrival → expected display of each measured frame (ms). */
  inBrowser: number[];
  unreadable: number;
  frames: number[];
  errors: string[];
}

interface Latency {
  frames: number;
  unreadable: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

function latency(xs: readonly number[], unreadable: number): Latency {
  return { frames: xs.length, unreadable, p50Ms: pct(xs, 50), p95Ms: pct(xs, 95), maxMs: Math.max(...xs) };
}

const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;
const roundAll = (r: Record<CpuRole, number>): Record<CpuRole, number> =>
  Object.fromEntries(Object.entries(r).map(([k, v]) => [k, round(v)])) as Record<CpuRole, number>;

async function read(page: Page): Promise<PageRead> {
  return (await page.evaluate('window.bench.read()')) as PageRead;
}

/** Resolves once every viewer on the page has presented `frames` frames (else throws with why). */
async function waitFrames(page: Page, viewers: number, frames: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await read(page);
    if (r.frames.length >= viewers && r.frames.every((n) => n >= frames)) return;
    if (Date.now() > deadline) {
      throw new Error(
        `viewers did not play (frames ${r.frames.join(',')}): ${r.errors.join('; ') || 'no error'}`,
      );
    }
    await sleep(250);
  }
}

/** CPU ms per wall second by role over `seconds` (the page keeps playing meanwhile). */
async function cpuWindow(seconds: number): Promise<Record<CpuRole, number>> {
  const a = sampleCpu();
  await sleep(seconds * 1000);
  return cpuBetween(a, sampleCpu());
}

interface ModeResult {
  latency: Latency;
  /** WebRTC: p50 of last packet received → frame displayed (jitter buffer, decode, render). */
  inBrowserP50Ms: number | null;
  /** CPU ms/s with one viewer, and with VIEWERS, per role. */
  cpu1: Record<CpuRole, number>;
  cpuN: Record<CpuRole, number>;
  /** (cpuN − cpu1) / (VIEWERS − 1) per role. */
  perViewer: Record<CpuRole, number>;
  framesPerViewer: number[];
  errors: string[];
}

/** One viewer's latency and CPU, then VIEWERS' CPU; `whileN` runs after that, before they leave. */
async function runMode(page: Page, mode: Mode, whileN?: () => Promise<void>): Promise<ModeResult> {
  await page.evaluate(`window.bench.start('${mode}', 1, '${SOURCE}')`);
  await waitFrames(page, 1, 25, 40_000);
  await sleep(2000);
  await page.evaluate('window.bench.measure()');
  await sleep(SECONDS * 1000);
  const one = await read(page);
  await page.evaluate(`window.bench.stopMeasuring()`);
  const cpu1 = await cpuWindow(CPU_SECONDS);
  await page.evaluate(`window.bench.start('${mode}', ${VIEWERS - 1}, '${SOURCE}')`);
  await waitFrames(page, VIEWERS, 25, 40_000);
  await sleep(2000);
  const before = (await read(page)).frames;
  const cpuN = await cpuWindow(CPU_SECONDS);
  const after = await read(page);
  await whileN?.();
  await page.evaluate('window.bench.stop()');
  const perViewer = Object.fromEntries(
    Object.keys(cpu1).map((k) => [k, (cpuN[k as CpuRole] - cpu1[k as CpuRole]) / (VIEWERS - 1)]),
  ) as Record<CpuRole, number>;
  return {
    latency: latency(one.latencies, one.unreadable),
    inBrowserP50Ms: one.inBrowser.length > 0 ? round(pct(one.inBrowser, 50)) : null,
    cpu1: roundAll(cpu1),
    cpuN: roundAll(cpuN),
    perViewer: roundAll(perViewer),
    framesPerViewer: after.frames.map((n, i) => n - (before[i] ?? 0)),
    errors: after.errors,
  };
}

export async function benchWebrtcLatency(): Promise<Record<string, unknown>> {
  if (!existsSync('/usr/bin/chromium')) return { skipped: 'no /usr/bin/chromium' };
  const nginxMod = (await import(NGINX)) as NginxModule;
  const missing = nginxMod.missing();
  if (missing !== null) return { skipped: missing };
  process.env.MEDIASOUP_WORKER_BIN ??= existsSync(WORKER_BIN) ? WORKER_BIN : undefined;

  const dir = await mkdtemp(path.join(os.tmpdir(), 'aima-bench-rtc-'));
  const nginx = await nginxMod.start({ clip: { seconds: 2, audio: false } });
  // nginx allows any stream name from 127.0.0.1: ours beside the server's own looping clip.
  const url = nginx.rtmpUrl.replace(/[^/]+$/, 'bench');
  const source = startStampedSource(url, CODEC);
  const cleanup: (() => Promise<unknown>)[] = [() => rm(dir, { recursive: true, force: true })];
  // Publisher before server, so that it does not complain about the server going away.
  cleanup.unshift(
    () => source.close(),
    () => nginx.stop(),
  );
  try {
    // ---- the floor: bare ffmpeg decoding the stream, stamps read as frames leave it
    await sleep(1500); // the publisher connects
    const floorReader = startFloorReader(url);
    const warm = Date.now() + 15_000;
    while (floorReader.frames < 25) {
      if (Date.now() > warm)
        throw new Error(`the floor reader got no frames: ${floorReader.stderr()}${source.stderr()}`);
      await sleep(100);
    }
    const skip = floorReader.latencies.length;
    const unreadable0 = floorReader.unreadable;
    const c0 = sampleCpu();
    await sleep(SECONDS * 1000);
    const c1 = sampleCpu();
    const floor = latency(floorReader.latencies.slice(skip), floorReader.unreadable - unreadable0);
    const floorCpu = pidCpu(c0, c1, floorReader.pid);
    await floorReader.close();

    // ---- AIMA with the stream as a live source
    const runtime = await openRuntime({
      dataDir: dir,
      modelsDir,
      executionProvider: 'cpu',
      offline: true,
      modelId: 'yolox-nano',
      faces: { enabled: false },
      analyzers: ['shots'],
    });
    const manager = createSourceManager({ runtime, dataDir: dir });
    cleanup.unshift(
      () => manager.close(),
      () => runtime.close(),
    );
    const token = 'bench-token-0123456789abcdef';
    const app = await buildServer({
      manager,
      store: runtime.store,
      token,
      dataDir: dir,
      uiDir: null,
      keyframe: createKeyframes(runtime.store, recordingsRoot(dir)),
      labels: runtime.detector.labels,
      videoInput: (id) => manager.videoInput(id),
      // The WebRTC live view as `aima serve` sets it up, on a port range of its own.
      rtc: {
        enabled: true,
        workerBin: process.env.MEDIASOUP_WORKER_BIN ?? null,
        listenIp: '127.0.0.1',
        announcedIp: null,
        minPort: 42000,
        maxPort: 42999,
        maxViewersPerSource: Math.max(16, VIEWERS),
        maxRouters: 8,
        tcp: false,
      },
    });
    cleanup.unshift(() => app.close());
    await app.listen({ host: '127.0.0.1', port: 0 });
    const addr = app.server.address();
    const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    // A real live source (the video socket wants one), analysed lightly: the live view is measured.
    await manager.add({ input: url, fps: 1, realtime: false, id: SOURCE, analyzers: ['shots'] });

    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        ...['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run'],
        ...['--disable-background-networking', '--disable-component-update', '--disable-sync'],
        // No mDNS candidates (multicast): only 127.0.0.1 exists here.
        '--disable-features=WebRtcHideLocalIpsWithMdns',
        '--autoplay-policy=no-user-gesture-required',
      ],
    });
    cleanup.unshift(() => browser.close());
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const login = await context.request.post(`${base}/api/v1/auth/login`, { data: { token } });
    if (!login.ok()) throw new Error(`login failed: ${login.status()}`);
    // Keeps the source's live feed running for the whole run: without it the feed stops between
    // the modes (hub grace) and its restart (probe + first keyframe, ~8 s on a stream) would land
    // in the WebRTC client's first-frame watchdog. Startup is not what this bench measures.
    const cookie = (await context.cookies(base)).map((c) => `${c.name}=${c.value}`).join('; ');
    const keeper = new WebSocket(`${base.replace('http', 'ws')}/api/v1/sources/${SOURCE}/video`, {
      headers: { cookie },
    });
    keeper.on('error', () => undefined);
    cleanup.unshift(async () => keeper.close());
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('the live feed did not start within 30 s')), 30_000);
      keeper.once('message', () => (clearTimeout(t), resolve()));
      keeper.once(
        'close',
        (code) => (clearTimeout(t), reject(new Error(`the video socket closed: ${code}`))),
      );
    });
    const html = await benchPageHtml(root);
    const page = await context.newPage();
    // The page must be a document of the server's own origin (cookie, and Chromium's Local Network
    // Access lets it open sockets to 127.0.0.1): load any of its URLs, then write ours over it.
    await page.goto(`${base}/api/v1/rtc`);
    await page.setContent(html);

    const mse = await runMode(page, 'mse');
    await sleep(3000); // the MSE sockets close, the feed stays (the ingest keeps the source live)
    const got = await context.request.get(`${base}/api/v1/rtc`);
    const status = (
      got.ok()
        ? await got.json()
        : { available: false, code: `HTTP ${got.status()}`, reason: 'no /api/v1/rtc' }
    ) as {
      available: boolean;
      code: string | null;
      reason: string | null;
    };
    let webrtc: ModeResult | { skipped: string };
    let rtcStats: unknown = null;
    if (!status.available) webrtc = { skipped: `${status.code}: ${status.reason}` };
    else {
      try {
        webrtc = await runMode(page, 'webrtc', async () => {
          rtcStats = await (await context.request.get(`${base}/api/v1/sources/${SOURCE}/rtc`)).json();
        });
      } catch (err) {
        // Still report MSE and the floor; the reason (and what the server saw) goes in the results.
        rtcStats = await (
          await context.request.get(`${base}/api/v1/sources/${SOURCE}/rtc`)
        )
          .json()
          .catch(() => null);
        webrtc = { skipped: `failed: ${(err as Error).message}; server: ${JSON.stringify(rtcStats)}` };
        await page.evaluate('window.bench.stop()').catch(() => undefined);
      }
    }
    const res = {
      seconds: SECONDS,
      cpuSeconds: CPU_SECONDS,
      viewers: VIEWERS,
      source: {
        fps: 25,
        size: '640x360',
        codec:
          CODEC === 'h264'
            ? 'H.264 baseline (libx264 zerolatency, 1 s GOP): AIMA copies it'
            : 'Sorenson H.263 (flv1, 1 s GOP): AIMA encodes it (libx264 baseline) for MSE and RTP',
        frames: source.frames,
        late: source.late,
      },
      floor: { ...floor, cpuMsPerS: round(floorCpu) },
      mse,
      webrtc,
      rtcStats,
    };
    report(res.floor, floorCpu, mse, webrtc);
    return res;
  } finally {
    for (const step of cleanup) await step().catch(() => undefined);
  }
}

function report(
  floor: Latency,
  floorCpu: number,
  mse: ModeResult,
  webrtc: ModeResult | { skipped: string },
): void {
  const modes: [string, ModeResult | { skipped: string }][] = [
    ['MSE', mse],
    ['WebRTC', webrtc],
  ];
  console.log(
    `glass-to-glass, stamp written → frame presented in Chromium (${SECONDS} s per mode, 25 fps 640x360, source ${CODEC}):`,
  );
  const ms = (x: number): string => x.toFixed(0);
  const rows = [
    ['floor: bare ffmpeg decode of the RTMP stream', ms(floor.p50Ms), ms(floor.p95Ms), '1.0', '1.0', '-'],
  ];
  for (const [name, r] of modes) {
    if ('skipped' in r) {
      rows.push([`${name}: not measured (below)`, '-', '-', '-', '-', '-']);
      continue;
    }
    const l = r.latency;
    const inBrowser = r.inBrowserP50Ms === null ? '-' : ms(r.inBrowserP50Ms);
    const ratio = (x: number, f: number): string => (x / f).toFixed(1);
    rows.push([
      name,
      ms(l.p50Ms),
      ms(l.p95Ms),
      ratio(l.p50Ms, floor.p50Ms),
      ratio(l.p95Ms, floor.p95Ms),
      inBrowser,
    ]);
  }
  console.log(table(['path', 'p50 ms', 'p95 ms', 'p50/floor', 'p95/floor', 'in browser p50 ms'], rows));
  console.log(
    `CPU per added viewer, ms CPU per s: (${VIEWERS} viewers − 1) / ${VIEWERS - 1}; (x) = / the floor decoder's ${floorCpu.toFixed(1)} ms/s`,
  );
  const f = (x: number): string => `${x.toFixed(1)} (${(x / floorCpu).toFixed(2)})`;
  const cpuRows = modes.flatMap(([name, r]) =>
    'skipped' in r
      ? []
      : [
          [
            name,
            f(r.perViewer.server),
            f(r.perViewer.worker),
            f(r.perViewer.chromium),
            r.framesPerViewer.join(','),
          ],
        ],
  );
  const head = [
    'path',
    'server',
    'mediasoup worker',
    'chromium',
    `frames shown per viewer in ${CPU_SECONDS} s`,
  ];
  console.log(table(head, cpuRows));
  for (const [name, r] of modes) {
    if ('skipped' in r) console.log(`  ${name}: ${r.skipped}`);
    else if (r.errors.length > 0) console.log(`  ${name} page errors: ${r.errors.join('; ')}`);
  }
}
