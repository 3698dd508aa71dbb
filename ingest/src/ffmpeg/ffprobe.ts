import { spawn } from 'node:child_process';

export interface FfprobeRun {
  readonly stdout: string;
  /** stderr lines (ffprobe runs with `-v error`, so these are few). */
  readonly stderr: readonly string[];
  readonly exitCode: number | null;
  /** The signal that ended it, when one did. */
  readonly signal: NodeJS.Signals | null;
  /** Set when we stopped it: the caller's signal fired, or it ran past timeoutMs. */
  readonly stoppedBy: 'abort' | 'timeout' | null;
}

const MAX_STDOUT = 16 << 20;
const MAX_STDERR_LINES = 64;

/**
 * Run ffprobe to completion. Resolves only after the process has exited and its pipes closed
 * (never leaves a zombie); rejects only when it cannot be spawned at all.
 */
export function runFfprobe(
  binary: string,
  args: readonly string[],
  opts: { signal?: AbortSignal; timeoutMs: number },
): Promise<FfprobeRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = '';
    let stoppedBy: FfprobeRun['stoppedBy'] = null;

    child.stdout.on('data', (chunk: Buffer) => {
      // ffprobe JSON is small; a runaway output must not grow memory without bound.
      if (outBytes < MAX_STDOUT) out.push(chunk);
      outBytes += chunk.length;
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      err = (err + chunk).slice(-16_384);
    });

    const stop = (why: 'abort' | 'timeout'): void => {
      stoppedBy ??= why;
      // ffprobe has nothing to flush, so no grace period.
      child.kill('SIGKILL');
    };
    const onAbort = (): void => stop('abort');
    const timer = setTimeout(() => stop('timeout'), opts.timeoutMs);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.signal?.aborted) stop('abort');

    const done = (): void => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    };
    child.once('error', (e) => {
      done();
      reject(e);
    });
    child.once('close', (code, signal) => {
      done();
      resolve({
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: err
          .split(/\r?\n/)
          .filter((l) => l !== '')
          .slice(-MAX_STDERR_LINES),
        exitCode: code,
        signal,
        stoppedBy,
      });
    });
  });
}
