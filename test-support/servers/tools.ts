// Finding the binaries the servers need, and saying what to install when one is missing.
import fs from 'node:fs';
import path from 'node:path';

/** Thrown by `start()` when a tool is missing; tests check `missing()` first and skip. */
export class MissingToolError extends Error {
  override readonly name = 'MissingToolError';
}

/** The first executable `name` on PATH (or the absolute path itself), else null. */
export function which(name: string): string | null {
  if (path.isAbsolute(name)) return executable(name) ? name : null;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    if (executable(candidate)) return candidate;
  }
  return null;
}

export function executable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** ffmpeg for publishing: FFMPEG_PATH when set (as @aima/ingest does), else PATH. */
export function ffmpegPath(): string | null {
  const fromEnv = process.env.FFMPEG_PATH;
  return fromEnv ? (executable(fromEnv) ? fromEnv : null) : which('ffmpeg');
}

/** "missing: apt-get install a b" for the Debian packages named. */
export function missingMessage(what: string, packages: readonly string[]): string {
  return `missing ${what}: apt-get install ${packages.join(' ')}`;
}

/** Throw MissingToolError when `missing()` has something to say. */
export function assertAvailable(missing: string | null): void {
  if (missing !== null) throw new MissingToolError(missing);
}
