import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const MODELS_DIR = process.env.AIMA_MODELS_DIR ?? path.resolve(ROOT, '../shared/models');
export const MEDIA_DIR = process.env.AIMA_MEDIA_DIR ?? path.resolve(ROOT, '../shared/media');
export const VTEST = path.join(MEDIA_DIR, 'video/vtest.mp4');
/** The Node flags every way of starting aima passes (see bin/aima). */
export const NODE_FLAGS = ['--initial-old-space-size=128'];

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real `bin/aima` in a child process, as a person would. */
export function aima(
  args: string[],
  env: Record<string, string | undefined>,
  timeoutMs = 120_000,
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...NODE_FLAGS, path.join(ROOT, 'bin/aima'), ...args], {
      cwd: ROOT,
      env: { ...process.env, AIMA_MODELS_DIR: MODELS_DIR, AIMA_EP: 'cpu', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

export interface ServeProcess {
  readonly child: ChildProcessWithoutNullStreams;
  /** The URL it printed, without the trailing slash. */
  readonly url: string;
  /** Everything it printed so far (stdout and stderr). */
  out(): string;
}

// A test that fails half-way must not leave a server running: whatever is still up when the test
// process exits is killed.
const serving = new Set<ChildProcessWithoutNullStreams>();
process.once('exit', () => {
  for (const child of serving) child.kill('SIGKILL');
});

/** Starts the real `aima serve` on a free port (CPU, offline, media roots at ../shared/media). */
export function startServe(dataDir: string, env: Record<string, string> = {}): Promise<ServeProcess> {
  const child = spawn(
    process.execPath,
    [...NODE_FLAGS, path.join(ROOT, 'bin/aima'), 'serve', '--port', '0'],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        AIMA_DATA_DIR: dataDir,
        AIMA_MODELS_DIR: MODELS_DIR,
        AIMA_EP: 'cpu',
        AIMA_OFFLINE: '1',
        AIMA_MEDIA_ROOTS: MEDIA_DIR,
        ...env,
      },
    },
  );
  serving.add(child);
  child.once('exit', () => serving.delete(child));
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${out}`)), 60_000);
    child.stdout.on('data', () => {
      const m = /AIMA dashboard on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!.replace(/\/$/, ''), out: () => out });
      }
    });
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
  });
}
