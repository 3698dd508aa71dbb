// Helpers for the browser tests: a fresh UI build when its sources changed, Debian's Chromium
// through playwright-core, and the in-page probes (which run in the browser: self-contained,
// typed structurally because this project compiles without the DOM lib).
import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const UI_ROOT = path.resolve(here, '../ui');
export const UI_DIST = path.resolve(here, '../dist/ui');
export const ARTIFACTS = path.resolve(here, '../../test-artifacts');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const s = await stat(path.join(entry.parentPath, entry.name));
    newest = Math.max(newest, s.mtimeMs);
  }
  return newest;
}

/** Builds dashboard/dist/ui with Vite unless it is newer than every UI source. */
export async function ensureUiBuilt(): Promise<void> {
  const index = path.join(UI_DIST, 'index.html');
  if (existsSync(index)) {
    const built = (await stat(index)).mtimeMs;
    const sources = Math.max(
      await newestMtime(path.join(UI_ROOT, 'src')),
      (await stat(path.join(UI_ROOT, 'index.html'))).mtimeMs,
      (await stat(path.join(UI_ROOT, 'vite.config.ts'))).mtimeMs,
    );
    if (built > sources) return;
  }
  const { build } = await import('vite');
  await build({ configFile: path.join(UI_ROOT, 'vite.config.ts'), logLevel: 'warn' });
}

export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
}

/** A server listening on a free 127.0.0.1 port, and Chromium logged in to it with the token. */
export interface BrowserSession {
  readonly base: string;
  readonly browser: Browser;
  readonly page: Page;
  /** Page and console errors so far (see collectErrors). */
  readonly errors: string[];
}

export async function openBrowserSession(
  app: FastifyInstance,
  token: string,
  viewport: { width: number; height: number },
): Promise<BrowserSession> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  if (addr === null || typeof addr !== 'object') throw new Error('server has no address');
  const base = `http://127.0.0.1:${addr.port}`;
  const browser = await launchChromium();
  const context = await browser.newContext({ viewport });
  // The session cookie, as the login form would set it.
  const login = await context.request.post(`${base}/api/v1/auth/login`, { data: { token } });
  if (!login.ok()) throw new Error(`login failed: ${login.status()}`);
  const page = await context.newPage();
  return { base, browser, page, errors: collectErrors(page) };
}

/** Page errors and console errors, collected so a test can assert there were none. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    // Chromium logs every non-2xx response; the expected ones (401 before login, 404 for a bad
    // path) are asserted by the tests themselves.
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) {
      errors.push(`console: ${msg.text()}`);
    }
  });
  return errors;
}

// ---- in-page probes ----

interface DrawnDetection {
  label: string;
  trackId: number;
  canvasBox: [number, number, number, number];
  color: string;
}

/** The subset of window.__aimaLive the tests read (the UI's AimaLiveHooks). */
export interface LiveHooks {
  framesDrawn: number;
  latencies: number[];
  lastSeq: number;
  lastDetections: DrawnDetection[];
  timelinePoints: number;
  windowsReceived: number;
  framesDroppedDecoding: number;
  invalidMessages: number;
}

interface PixelCanvas {
  width: number;
  height: number;
  getContext(kind: '2d'): {
    getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> };
  };
}

interface PageGlobals {
  __aimaLive?: LiveHooks;
  __aimaHistory?: { keyframesDrawn: number; ts: number; boxes: DrawnDetection[] };
  document: { querySelector(selector: string): unknown };
}

export function liveHooks(page: Page): Promise<LiveHooks | null> {
  return page.evaluate(() => {
    const h = (globalThis as unknown as PageGlobals).__aimaLive;
    return h ? { ...h, latencies: h.latencies.slice(-20) } : null;
  });
}

export interface BoxPixelReport {
  detections: number;
  sampled: number;
  matched: number;
}

/**
 * Reads the live canvas back and counts pixels along the edges of the last drawn boxes that carry
 * their class colour. Runs in one task with the hooks, so canvas and detections are the same frame.
 */
export function probeBoxPixels(page: Page): Promise<BoxPixelReport> {
  return page.evaluate(() => {
    const g = globalThis as unknown as PageGlobals;
    const canvas = g.document.querySelector('[data-testid="live-canvas"]') as PixelCanvas | null;
    const dets = g.__aimaLive?.lastDetections ?? [];
    const report = { detections: dets.length, sampled: 0, matched: 0 };
    if (!canvas || dets.length === 0) return report;
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    const at = (x: number, y: number): [number, number, number] | null => {
      const xi = Math.round(x);
      const yi = Math.round(y);
      if (xi < 0 || yi < 0 || xi >= canvas.width || yi >= canvas.height) return null;
      const i = (yi * canvas.width + xi) * 4;
      return [data[i]!, data[i + 1]!, data[i + 2]!];
    };
    for (const d of dets) {
      const n = parseInt(d.color.slice(1), 16);
      const want = [(n >> 16) & 255, (n >> 8) & 255, n & 255];
      const [x1, y1, x2, y2] = d.canvasBox;
      const points: [number, number][] = [];
      // The line is centred on the edge: sample the pixel either side of it.
      for (let k = 0.35; k <= 0.66; k += 0.1) {
        const y = y1 + (y2 - y1) * k;
        const x = x1 + (x2 - x1) * k;
        points.push([x1 - 1, y], [x1, y], [x2 - 1, y], [x2, y], [x, y2 - 1], [x, y2]);
      }
      for (const [x, y] of points) {
        const px = at(x, y);
        if (!px) continue;
        report.sampled++;
        const diff = Math.abs(px[0] - want[0]!) + Math.abs(px[1] - want[1]!) + Math.abs(px[2] - want[2]!);
        if (diff <= 30) report.matched++;
      }
    }
    return report;
  });
}

/** Distinct grey levels in a sample of the keyframe canvas: a drawn photo has many, a blank canvas one. */
export function probeKeyframe(
  page: Page,
): Promise<{ width: number; height: number; levels: number; drawn: number }> {
  return page.evaluate(() => {
    const g = globalThis as unknown as PageGlobals;
    const canvas = g.document.querySelector('[data-testid="keyframe"]') as PixelCanvas | null;
    if (!canvas || canvas.width < 2) return { width: 0, height: 0, levels: 0, drawn: 0 };
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    const levels = new Set<number>();
    for (let i = 0; i < data.length; i += 4 * 97) levels.add((data[i]! + data[i + 1]! + data[i + 2]!) >> 2);
    return {
      width: canvas.width,
      height: canvas.height,
      levels: levels.size,
      drawn: g.__aimaHistory?.keyframesDrawn ?? 0,
    };
  });
}
