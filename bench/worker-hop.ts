// The worker hop: a file through a separate `aima worker` process vs in process (throughput ratio),
// and the latency a live source's results gain crossing the worker socket (p50/p95).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cutClip } from '../dashboard/test/server-helpers.ts';
import { spawnWorker, startControlPlane, until } from '../dashboard/test/workers-helpers.ts';

/** What this bench uses of test-support's ffmpeg listen server (a real RTMP server on 127.0.0.1). */
interface ListenServer {
  readonly url: string;
  stop(): Promise<void>;
}
// Imported by URL, as bench/audio-live.ts does: a static import of test-support from bin's project
// (which holds bench/) trips tsc -b over whose declaration output it is.
const LISTEN_SERVER = new URL('../test-support/servers/ffmpeg-listen.ts', import.meta.url).href;

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export async function benchWorkerHop(): Promise<Record<string, unknown>> {
  // The test helpers this bench shares, and the worker process it starts, read the models from the
  // environment (as the other benches default to ../shared/models).
  process.env.AIMA_MODELS_DIR ??= path.resolve(root, '../shared/models');
  const hops: number[] = [];
  const cp = await startControlPlane({ local: true, onHopLatency: (ms) => hops.push(ms) });
  const media = process.env.AIMA_MEDIA_DIR ?? path.resolve(root, '../shared/media');
  const clip = await cutClip(path.join(media, 'video/vtest.mp4'), cp.dir, 'hop.mp4', 20);
  const { token } = await cp.hub.createJoinToken();
  const worker = spawnWorker(cp.url, token, 'bench');
  const { start } = (await import(LISTEN_SERVER)) as {
    start: (o: { protocol: 'rtmp' | 'http' }) => Promise<ListenServer>;
  };
  const stream = await start({ protocol: 'rtmp' });
  try {
    await worker.joined;
    const timed = async (
      id: string,
      placement: 'local' | 'workers',
    ): Promise<{ ms: number; frames: number }> => {
      const t0 = performance.now();
      await cp.manager.add({
        input: clip,
        fps: 10,
        realtime: false,
        id,
        analyzers: ['detect'],
        placement: { kind: placement },
      });
      const timeout = new Promise<never>((_, reject) =>
        setTimeout(
          () => reject(new Error(`${id} did not finish: ${worker.output().slice(-2000)}`)),
          300_000,
        ).unref(),
      );
      const v = await Promise.race([cp.manager.settled(id), timeout]);
      return { ms: performance.now() - t0, frames: v?.stats.framesAnalysed ?? 0 };
    };
    // A warm-up of each path (ORT sessions, tsx), then the measured runs.
    await timed('warm-local', 'local');
    await timed('warm-remote', 'workers');
    const local = await timed('local', 'local');
    const remote = await timed('remote', 'workers');
    const localFps = (local.frames * 1000) / local.ms;
    const remoteFps = (remote.frames * 1000) / remote.ms;
    console.log(
      `file: in-process ${localFps.toFixed(1)} fps, worker ${remoteFps.toFixed(1)} fps, ratio ${(remoteFps / localFps).toFixed(2)}`,
    );

    hops.length = 0;
    await cp.manager.add({
      input: stream.url,
      fps: 5,
      realtime: false,
      id: 'cam',
      analyzers: ['detect'],
      placement: { kind: 'workers' },
    });
    await until('live results', () => hops.length >= 75 || undefined, 60_000);
    await cp.manager.stop('cam');
    const p50 = pct(hops, 50);
    const p95 = pct(hops, 95);
    console.log(
      `live: hop latency p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms over ${hops.length} events`,
    );
    return {
      file: {
        frames: local.frames,
        inProcessFps: localFps,
        workerFps: remoteFps,
        ratio: remoteFps / localFps,
      },
      liveHopMs: { p50, p95, events: hops.length },
    };
  } finally {
    await worker.stop();
    await stream.stop();
    await cp.close();
  }
}
