// Issue 4 soak: 8 sources analysed for AIMA_SOAK_MINUTES (default 15) at 2 fps. vtest.mp4 lasts
// 80 s, so a finished source is removed and a fresh one added: the soak also churns jobs, the
// usual place for leaks. Every 10 s: RSS, open file descriptors, live ffmpeg processes. Reported
// as linear slopes (per minute) after a 1-minute warm-up, plus first/last values.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSourceManager } from '@aima/dashboard';
import { openObjectRuntime } from './object-runtime.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const shared = process.env.AIMA_SHARED_DIR ?? path.resolve(root, '../shared');
const modelsDir = process.env.AIMA_MODELS_DIR ?? path.join(shared, 'models');
const VTEST = path.join(process.env.AIMA_MEDIA_DIR ?? path.join(shared, 'media'), 'video/vtest.mp4');
const MINUTES = Number(process.env.AIMA_SOAK_MINUTES ?? 15);
const SOURCES = 8;

function ffmpegCount(): number {
  const out = execFileSync('ps', ['-eo', 'ppid=,comm=']).toString();
  return out.split('\n').filter((l) => l.trim().startsWith(`${process.pid} `) && l.includes('ffmpeg')).length;
}

/** Least-squares slope of y over x. */
function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den > 0 ? num / den : 0;
}

export async function benchSoak(): Promise<Record<string, unknown>> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'aima-bench-soak-'));
  const runtime = await openObjectRuntime(dataDir, modelsDir);
  const manager = createSourceManager({ runtime, dataDir, maxConcurrent: SOURCES });
  const samples: Array<{ min: number; rssMiB: number; fds: number; ffmpeg: number; running: number }> = [];
  let added = 0;
  const t0 = Date.now();
  try {
    const active = new Set<string>();
    const fill = async (): Promise<void> => {
      while (active.size < SOURCES) {
        const id = `soak-${added++}`;
        active.add(id);
        await manager.add({ input: VTEST, fps: 2, realtime: true, id });
        void manager.settled(id).then(async () => {
          await manager.remove(id).catch(() => undefined);
          active.delete(id);
        });
      }
    };
    while (Date.now() - t0 < MINUTES * 60_000) {
      await fill();
      await new Promise((r) => setTimeout(r, 10_000));
      const s = {
        min: (Date.now() - t0) / 60_000,
        rssMiB: process.memoryUsage().rss / 2 ** 20,
        fds: readdirSync('/proc/self/fd').length,
        ffmpeg: ffmpegCount(),
        running: manager.stats.running,
      };
      samples.push(s);
      console.log(
        `  ${s.min.toFixed(1)} min: rss ${s.rssMiB.toFixed(0)} MiB, fds ${s.fds}, ffmpeg ${s.ffmpeg}, running ${s.running}`,
      );
    }
  } finally {
    await manager.close();
    await runtime.close();
    await rm(dataDir, { recursive: true, force: true });
  }
  const steady = samples.filter((s) => s.min >= Math.min(1, MINUTES / 3));
  const x = steady.map((s) => s.min);
  const res = {
    minutes: MINUTES,
    sources: SOURCES,
    jobsRun: added,
    rssSlopeMiBPerMin: slope(
      x,
      steady.map((s) => s.rssMiB),
    ),
    fdSlopePerMin: slope(
      x,
      steady.map((s) => s.fds),
    ),
    ffmpegSlopePerMin: slope(
      x,
      steady.map((s) => s.ffmpeg),
    ),
    first: steady[0] ?? null,
    last: steady.at(-1) ?? null,
    samples,
  };
  console.log(
    `soak ${MINUTES} min, ${SOURCES} sources, ${added} jobs: RSS slope ${res.rssSlopeMiBPerMin.toFixed(2)} MiB/min, ` +
      `fd slope ${res.fdSlopePerMin.toFixed(2)}/min, ffmpeg slope ${res.ffmpegSlopePerMin.toFixed(3)}/min`,
  );
  return res;
}
