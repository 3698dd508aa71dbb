// Shared set-up of the server tests: a real runtime (chDB + YOLOX-Nano on CPU), a real source
// manager, short clips cut from the shared media with real ffmpeg, and the server on top.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { createKeyframes } from '../src/keyframes.ts';
import { recordingsRoot } from '../src/ui-dir.ts';
import { openRuntime, type Runtime, type RuntimeOptions } from '../src/runtime.ts';
import { buildServer, type ServerDeps } from '../src/server/index.ts';
import { createSourceManager } from '../src/sources/manager.ts';
import type { SourceManager } from '../src/sources/types.ts';

const run = promisify(execFile);

export const MEDIA = process.env.AIMA_MEDIA_DIR ?? path.resolve('../shared/media');
export const VTEST = path.join(MEDIA, 'video/vtest.mp4');
export const TOKEN = 'test-token-0123456789abcdef';
export const bearer = (token = TOKEN): Record<string, string> => ({ authorization: `Bearer ${token}` });

/** Cuts `seconds` of `input` from `start` into `<dir>/<name>` (re-encoded: exact length, no audio). */
export async function cutClip(
  input: string,
  dir: string,
  name: string,
  seconds: number,
  start = 0,
): Promise<string> {
  const out = path.join(dir, name);
  await run('ffmpeg', [
    '-v', 'error', '-y', ...(start > 0 ? ['-ss', String(start)] : []), '-i', input, '-t', String(seconds), '-an',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', out,
  ]); // prettier-ignore
  return out;
}

export interface ServerEnv {
  readonly dir: string;
  readonly dataDir: string;
  readonly runtime: Runtime;
  readonly manager: SourceManager;
  readonly app: FastifyInstance;
  /** The deps `app` was built from, to build more servers over the same manager. */
  readonly deps: ServerDeps;
  close(): Promise<void>;
}

/** The runtime of the server tests: chDB in `dataDir`, YOLOX-Nano on CPU, never downloading. */
export function openTestRuntime(dataDir: string, more: Partial<RuntimeOptions> = {}): Promise<Runtime> {
  return openRuntime({
    dataDir,
    modelsDir: process.env.AIMA_MODELS_DIR ?? null,
    executionProvider: 'cpu',
    offline: true,
    modelId: 'yolox-nano',
    ...more,
  });
}

/** The deps every test server starts from (no UI, the test token); callers add what they test. */
export function testServerDeps(runtime: Runtime, manager: SourceManager, dataDir: string): ServerDeps {
  return {
    manager,
    store: runtime.store,
    token: TOKEN,
    dataDir,
    uiDir: null,
    labels: runtime.detector.labels,
    keyframe: createKeyframes(runtime.store, recordingsRoot(dataDir)),
  };
}

/** Listens on 127.0.0.1 (a free port) and gives the base URL, for clients that need a socket. */
export async function listenLocal(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  return `http://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}`;
}

/** Opens runtime + manager in a fresh temp dir and builds a server over them (not listening). */
export async function openServerEnv(overrides: Partial<ServerDeps> = {}): Promise<ServerEnv> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'aima-server-'));
  const dataDir = path.join(dir, 'data');
  const runtime = await openTestRuntime(dataDir);
  const manager = createSourceManager({ runtime, dataDir });
  const deps: ServerDeps = {
    ...testServerDeps(runtime, manager, dataDir),
    persons: runtime.faces?.persons ?? null,
    ...overrides,
  };
  const app = await buildServer(deps);
  return {
    dir,
    dataDir,
    runtime,
    manager,
    app,
    deps,
    // The documented order: server, then manager, then runtime.
    async close() {
      await app.close();
      await manager.close();
      await runtime.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Polls `check` every 50 ms until it returns something other than undefined or false (a check may
 * be a plain comparison); throws after `ms`, naming `what`.
 */
export async function waitFor<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  ms = 40_000,
  what = 'condition',
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Stores `clip` as the recordings of an analysed file source, cut the way the recorder writes them
 * (fMP4 segments, timestamps reset, cut at keyframes): files are not recorded, playback needs them.
 */
export async function recordAsSegments(
  env: Pick<ServerEnv, 'dataDir' | 'runtime'>,
  src: { readonly id: string; readonly epochMs: number },
  clip: string,
  opts: { readonly gop: number; readonly segmentSeconds: number },
): Promise<void> {
  const dir = path.join(env.dataDir, 'recordings', src.id);
  await mkdir(dir, { recursive: true });
  await run('ffmpeg', [
    '-v', 'error', '-y', '-i', clip, '-an', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', String(opts.gop),
    '-f', 'segment', '-segment_time', String(opts.segmentSeconds), '-reset_timestamps', '1', '-segment_format', 'mp4',
    '-segment_format_options', 'movflags=+frag_keyframe+empty_moov+default_base_moof',
    '-segment_list', path.join(dir, 'list.csv'), '-segment_list_type', 'csv', path.join(dir, 'seg%03d.mp4'),
  ]); // prettier-ignore
  const lines = (await readFile(path.join(dir, 'list.csv'), 'utf8')).trim().split('\n');
  const rows = await Promise.all(
    lines.map(async (line) => {
      const [name = '', start = '0', end = '0'] = line.split(',');
      const file = path.join(dir, name);
      return {
        sourceId: src.id,
        startTs: src.epochMs + Math.round(Number(start) * 1000),
        endTs: src.epochMs + Math.round(Number(end) * 1000),
        file,
        bytes: (await stat(file)).size,
      };
    }),
  );
  await env.runtime.store.insertRecordings(rows);
}
