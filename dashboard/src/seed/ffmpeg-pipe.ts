// The seed API's one side effect on media: bytes in on ffmpeg's stdin, raw samples/pixels out of
// its stdout. Output is bounded (a decoder that produces more than asked is stopped), and so is the
// time it may take.
import { spawn } from 'node:child_process';
import { resolveFfmpeg } from '@aima/ingest';

export interface PipeResult {
  readonly ok: boolean;
  readonly out: Buffer;
  /** Last stderr lines (for a one-line reason). */
  readonly stderr: string;
}

const STDERR_TAIL = 4096;

/** Runs ffmpeg with `args` (after `-v error -nostdin`-style defaults), feeding `input` on stdin. */
export function ffmpegPipe(
  args: readonly string[],
  input: Uint8Array,
  opts: { readonly maxOutBytes: number; readonly timeoutMs?: number; readonly signal?: AbortSignal },
): Promise<PipeResult> {
  const { ffmpeg } = resolveFfmpeg();
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpeg, ['-hide_banner', '-v', 'error', ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      windowsHide: true,
    });
    const chunks: Buffer[] = [];
    let bytes = 0;
    let over = false;
    let stderr = '';
    const kill = (): void => void child.kill('SIGKILL');
    const timer = setTimeout(kill, opts.timeoutMs ?? 30_000);
    opts.signal?.addEventListener('abort', kill, { once: true });
    child.stdout.on('data', (c: Buffer) => {
      bytes += c.length;
      if (bytes > opts.maxOutBytes) {
        over = true;
        kill();
        return;
      }
      chunks.push(c);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (t: string) => {
      stderr = (stderr + t).slice(-STDERR_TAIL);
    });
    // ffmpeg may exit before reading all its input (a broken image): that is its answer, not ours.
    child.stdin.on('error', () => undefined);
    child.once('error', (err) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', kill);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', kill);
      resolve({ ok: code === 0 && !over, out: Buffer.concat(chunks), stderr: lastLine(stderr) });
    });
    child.stdin.end(input);
  });
}

function lastLine(text: string): string {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  return lines[lines.length - 1]?.trim() ?? '';
}
