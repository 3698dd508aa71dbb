import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { IngestError } from '../errors.ts';
import type { FfmpegPaths } from '../types.ts';

type Tool = 'ffmpeg' | 'ffprobe';
type Env = Readonly<Record<string, string | undefined>>;

const BUNDLED: Readonly<Record<Tool, string>> = {
  ffmpeg: '@ffmpeg-installer/ffmpeg',
  ffprobe: '@ffprobe-installer/ffprobe',
};
const ENV_VAR: Readonly<Record<Tool, string>> = { ffmpeg: 'FFMPEG_PATH', ffprobe: 'FFPROBE_PATH' };

let cached: FfmpegPaths | undefined;

/**
 * Find ffmpeg and ffprobe: FFMPEG_PATH / FFPROBE_PATH, else `ffmpeg` / `ffprobe` on PATH, else the
 * optional bundled npm binaries. Throws INGEST_FFMPEG_NOT_FOUND naming every place it looked.
 * The answer is cached for the life of the process.
 */
export function resolveFfmpeg(): FfmpegPaths {
  cached ??= findFfmpeg(process.env);
  return cached;
}

/** Uncached lookup against a given environment (for tests and diagnostics). */
export function findFfmpeg(env: Env, bundled: (pkg: string) => string | null = loadBundled): FfmpegPaths {
  const ffmpeg = findTool('ffmpeg', env, bundled);
  // A custom FFMPEG_PATH usually ships its ffprobe beside it: prefer that over a different build
  // on PATH, so that probe and decode agree.
  const sibling = ffmpeg.origin === 'env' ? path.join(path.dirname(ffmpeg.path), exeName('ffprobe')) : null;
  const ffprobe =
    env[ENV_VAR.ffprobe] === undefined && sibling !== null && isExecutable(sibling)
      ? { path: sibling, origin: 'env' as const }
      : findTool('ffprobe', env, bundled);
  return Object.freeze({ ffmpeg: ffmpeg.path, ffprobe: ffprobe.path, origin: ffmpeg.origin });
}

interface Found {
  path: string;
  origin: FfmpegPaths['origin'];
}

function findTool(tool: Tool, env: Env, bundled: (pkg: string) => string | null): Found {
  const tried: string[] = [];
  const fromEnv = env[ENV_VAR[tool]];
  if (fromEnv !== undefined && fromEnv !== '') {
    if (isExecutable(fromEnv)) return { path: fromEnv, origin: 'env' };
    // An explicit setting that does not work is a configuration error; do not silently fall back.
    throw new IngestError('INGEST_FFMPEG_NOT_FOUND', `${ENV_VAR[tool]}=${fromEnv} is not an executable file`);
  }
  tried.push(`$${ENV_VAR[tool]} (unset)`);

  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, exeName(tool));
    if (isExecutable(candidate)) return { path: candidate, origin: 'path' };
  }
  tried.push('PATH');

  const fromPkg = bundled(BUNDLED[tool]);
  if (fromPkg !== null && isExecutable(fromPkg)) return { path: fromPkg, origin: 'bundled' };
  tried.push(`npm package ${BUNDLED[tool]}`);

  throw new IngestError('INGEST_FFMPEG_NOT_FOUND', `${tool} not found; looked in ${tried.join(', ')}`);
}

/** The bundled binaries are optional dependencies: absent, or throwing on an odd platform, is fine. */
function loadBundled(pkg: string): string | null {
  try {
    const required: unknown = createRequire(import.meta.url)(pkg);
    if (typeof required === 'object' && required !== null && 'path' in required) {
      return typeof required.path === 'string' ? required.path : null;
    }
    return null;
  } catch {
    return null;
  }
}

function exeName(tool: Tool): string {
  return process.platform === 'win32' ? `${tool}.exe` : tool;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
