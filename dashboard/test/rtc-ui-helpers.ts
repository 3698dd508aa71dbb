// Shared by the WebRTC live-view browser tests (issue 12): Chromium with WebRTC on loopback (no
// mDNS candidates, optionally the fake camera), a logged-in context, the page's live hooks, and
// the server-side traces a viewer leaves (feed ffmpeg processes, UDP ports of the RTC range).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DEFAULT_RTC_CONFIG } from '../src/rtc/config.ts';
import type { RtcConfig } from '../src/rtc/types.ts';
import { RtcStatusView } from '../src/protocol.ts';
import { CHROMIUM, launchChromium } from './browser-helpers.ts';
import { TOKEN, bearer } from './server-helpers.ts';

/** Why these tests cannot run here, or null. */
export function rtcMissing(): string | null {
  if (!existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM}`;
  const bin = process.env.MEDIASOUP_WORKER_BIN;
  if (!bin || !existsSync(bin)) return 'no mediasoup worker (MEDIASOUP_WORKER_BIN)';
  return null;
}

/** The worker vitest.config.ts points at, on a port range of its own per test file. */
export function rtcTestConfig(minPort: number, more: Partial<RtcConfig> = {}): RtcConfig {
  return Object.freeze({
    ...DEFAULT_RTC_CONFIG,
    workerBin: process.env.MEDIASOUP_WORKER_BIN ?? null,
    minPort,
    maxPort: minPort + 199,
    ...more,
  });
}

export function launchRtcChromium(opts: { camera?: boolean } = {}): Promise<Browser> {
  return launchChromium([
    // Plain host candidates on 127.0.0.1: mDNS names would need multicast, which is not loopback.
    '--disable-features=WebRtcHideLocalIpsWithMdns',
    // Pages behind others keep playing (20 viewers in one browser).
    '--disable-background-timer-throttling',
    '--disable-renderer-backgrounding',
    '--disable-backgrounding-occluded-windows',
    '--autoplay-policy=no-user-gesture-required',
    ...(opts.camera ? ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'] : []),
  ]);
}

/** Adds the stream at `url` as live source `id` through the API (201 expected). */
export async function addStreamSource(
  app: FastifyInstance,
  url: string,
  id: string,
  fps: number,
): Promise<void> {
  const add = await app.inject({
    method: 'POST',
    url: '/api/v1/sources',
    headers: bearer(),
    payload: { input: url, fps, id },
  });
  if (add.statusCode !== 201) throw new Error(`adding ${id}: ${add.statusCode} ${add.body}`);
}

/** Listens on 127.0.0.1 and logs a new context of `browser` in with the token (the session cookie). */
export async function loggedInContext(
  app: FastifyInstance,
  browser: Browser,
  viewport = { width: 1100, height: 760 },
): Promise<{ base: string; context: BrowserContext }> {
  let addr = app.server.address();
  if (addr === null) {
    await app.listen({ host: '127.0.0.1', port: 0 });
    addr = app.server.address();
  }
  if (addr === null || typeof addr !== 'object') throw new Error('server has no address');
  const base = `http://127.0.0.1:${addr.port}`;
  const context = await browser.newContext({ viewport });
  const login = await context.request.post(`${base}/api/v1/auth/login`, { data: { token: TOKEN } });
  if (!login.ok()) throw new Error(`login failed: ${login.status()}`);
  return { base, context };
}

/** The parts of window.__aimaLive these tests read (the UI's AimaLiveHooks). */
export interface RtcLiveHooks {
  mode: 'webrtc' | 'video' | 'frames';
  modeLabel: string;
  rtcFrames: number;
  rtcViewerId: string | null;
  frameTs: number | null;
  sourceMinusArrivalMs: number | null;
  videoPlaying: boolean;
  videoCurrentTime: number;
  overlayDrawsInVideoMode: number;
  lastDetections: { label: string; canvasBox: [number, number, number, number]; color: string }[];
}

export function rtcHooks(page: Page): Promise<RtcLiveHooks | null> {
  return page.evaluate(() => (globalThis as unknown as { __aimaLive?: RtcLiveHooks }).__aimaLive ?? null);
}

export async function waitHooks(page: Page, pred: string, timeout = 30_000): Promise<void> {
  await page.waitForFunction(`(() => { const h = window.__aimaLive; return !!h && (${pred}); })()`, null, {
    timeout,
    polling: 100,
  });
}

export async function rtcStatus(app: FastifyInstance): Promise<RtcStatusView> {
  const res = await app.inject({ method: 'GET', url: '/api/v1/rtc', headers: bearer() });
  if (res.statusCode !== 200) throw new Error(`GET /api/v1/rtc: ${res.statusCode} ${res.body}`);
  return RtcStatusView.parse(res.json());
}

/** Pixels along the last drawn boxes' edges on the video overlay that carry their class colour. */
export function probeOverlayBoxes(
  page: Page,
): Promise<{ detections: number; sampled: number; matched: number }> {
  return page.evaluate(() => {
    interface Canvas {
      width: number;
      height: number;
      getContext(k: '2d'): {
        getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> };
      };
    }
    const g = globalThis as unknown as {
      document: { querySelector(s: string): unknown };
      __aimaLive?: { lastDetections: { canvasBox: [number, number, number, number]; color: string }[] };
    };
    const canvas = g.document.querySelector('[data-testid="video-overlay"]') as Canvas | null;
    const dets = g.__aimaLive?.lastDetections ?? [];
    const report = { detections: dets.length, sampled: 0, matched: 0 };
    if (!canvas || dets.length === 0) return report;
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    for (const d of dets) {
      const n = parseInt(d.color.slice(1), 16);
      const want = [(n >> 16) & 255, (n >> 8) & 255, n & 255];
      const [x1, y1, x2, y2] = d.canvasBox;
      for (let k = 0.35; k <= 0.66; k += 0.1) {
        const y = y1 + (y2 - y1) * k;
        for (const x of [x1 - 1, x1, x2 - 1, x2]) {
          const xi = Math.round(x);
          const yi = Math.round(y);
          if (xi < 0 || yi < 0 || xi >= canvas.width || yi >= canvas.height) continue;
          const i = (yi * canvas.width + xi) * 4;
          report.sampled++;
          const diff =
            Math.abs(data[i]! - want[0]!) +
            Math.abs(data[i + 1]! - want[1]!) +
            Math.abs(data[i + 2]! - want[2]!);
          if (diff <= 30) report.matched++;
        }
      }
    }
    return report;
  });
}

/** Children of this process that are ffmpeg feeds sending RTP to mediasoup. */
export function rtpFeedPids(): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (cmd[0]?.endsWith('ffmpeg') && cmd.some((a) => a.includes('rtp://127.0.0.1')))
        pids.push(Number(name));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

/** Local UDP ports bound in [min, max] (IPv4 and IPv6 tables). */
export function udpPortsInRange(min: number, max: number): number[] {
  const ports: number[] = [];
  for (const file of ['/proc/net/udp', '/proc/net/udp6']) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const local = line.trim().split(/\s+/)[1];
      if (!local) continue;
      const port = parseInt(local.split(':')[1] ?? '', 16);
      if (port >= min && port <= max) ports.push(port);
    }
  }
  return ports;
}
