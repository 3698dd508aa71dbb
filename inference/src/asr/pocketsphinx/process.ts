// The one place that runs Debian's pocketsphinx_continuous (0.8). One process per utterance: the
// 0.8 CLI decodes a file to its end and has no request protocol, and its start-up (≈0.3 s) is small
// next to decoding. The samples go through a raw s16le temp file: Node's stdio pipes are sockets,
// which the CLI cannot open as /dev/stdin. Output is bounded; abort kills the process.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { InferenceError } from '../../errors.ts';
import { procStat } from '../../profile/thread-cpu.ts';

export const POCKETSPHINX_BINARY = '/usr/bin/pocketsphinx_continuous';

export interface PocketsphinxProcessOptions {
  /** Default /usr/bin/pocketsphinx_continuous. */
  readonly binary?: string;
  /** Acoustic model dir, language model and dictionary; the Debian en-us set when unset. */
  readonly hmm?: string;
  readonly lm?: string;
  readonly dict?: string;
  /** Stdout cap; a run printing more fails with MODEL_BAD_OUTPUT (default 1 MiB). */
  readonly maxOutputBytes?: number;
}

/** Float samples in [-1, 1] → little-endian s16, the raw format the CLI reads. */
export function floatToS16le(samples: Float32Array): Buffer {
  const out = Buffer.allocUnsafe(samples.length * 2);
  for (let i = 0; i < samples.length; i++) {
    const v = Math.max(-1, Math.min(1, samples[i]!));
    out.writeInt16LE(Math.round(v < 0 ? v * 0x8000 : v * 0x7fff), i * 2);
  }
  return out;
}

/** The CLI arguments for one run (pure, for tests). */
export function pocketsphinxArgs(infile: string, opts: PocketsphinxProcessOptions = {}): string[] {
  const args = ['-infile', infile, '-time', 'yes', '-logfn', '/dev/null', '-samprate', '16000'];
  if (opts.hmm) args.push('-hmm', opts.hmm);
  if (opts.lm) args.push('-lm', opts.lm);
  if (opts.dict) args.push('-dict', opts.dict);
  return args;
}

/** One run's stdout and the CPU the process used (core-ms; 0 where /proc cannot tell). */
export interface PocketsphinxOutput {
  readonly stdout: string;
  readonly cpuMs: number;
}

/** Runs the CLI over one utterance and returns its stdout. */
export interface PocketsphinxRunner {
  run(samples: Float32Array, signal?: AbortSignal): Promise<PocketsphinxOutput>;
  /** Kills runs in flight (they reject with INFER_CLOSED). Idempotent. */
  close(): void;
  readonly closed: boolean;
}

export function createPocketsphinxRunner(opts: PocketsphinxProcessOptions = {}): PocketsphinxRunner {
  const binary = opts.binary ?? POCKETSPHINX_BINARY;
  const maxOutput = opts.maxOutputBytes ?? 1 << 20;
  // Runs in flight, each with the function that kills it for a stated reason.
  const live = new Map<ChildProcess, (why: InferenceError) => void>();
  let closed = false;

  let dir: Promise<string> | null = null;
  let runs = 0;

  const run = async (samples: Float32Array, signal?: AbortSignal): Promise<PocketsphinxOutput> => {
    if (closed) throw new InferenceError('INFER_CLOSED', 'pocketsphinx runner is closed');
    dir ??= mkdtemp(path.join(os.tmpdir(), 'aima-pocketsphinx-'));
    const file = path.join(await dir, `utt-${runs++}.raw`);
    try {
      await writeFile(file, floatToS16le(samples));
    } catch (err) {
      if (closed) throw new InferenceError('INFER_CLOSED', 'pocketsphinx runner closed');
      throw new InferenceError('INFER_FAILED', `cannot write pocketsphinx input: ${(err as Error).message}`, {
        cause: err,
      });
    }
    try {
      return await runFile(file, signal);
    } finally {
      await rm(file, { force: true });
    }
  };

  const runFile = (file: string, signal?: AbortSignal): Promise<PocketsphinxOutput> =>
    new Promise<PocketsphinxOutput>((resolve, reject) => {
      if (closed) return reject(new InferenceError('INFER_CLOSED', 'pocketsphinx runner is closed'));
      if (signal?.aborted) return reject(new InferenceError('INFER_CLOSED', 'pocketsphinx run aborted'));
      const child = spawn(binary, pocketsphinxArgs(file, opts), { stdio: ['ignore', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      let outBytes = 0;
      let stderrTail = '';
      // Why the run ended when we ended it (abort, close, output cap), so exit is not misread.
      let killedFor: InferenceError | null = null;
      const kill = (why: InferenceError): void => {
        if (killedFor) return;
        killedFor = why;
        child.kill('SIGKILL');
      };
      const onAbort = (): void => kill(new InferenceError('INFER_CLOSED', 'pocketsphinx run aborted'));
      signal?.addEventListener('abort', onAbort, { once: true });
      live.set(child, kill);

      // The CLI prints its result as it exits: the last sample is (nearly) its whole CPU.
      let cpuMs = 0;
      const sampleCpu = (): void => {
        cpuMs = (child.pid === undefined ? null : procStat(`/proc/${child.pid}/stat`)?.cpuMs) ?? cpuMs;
      };
      child.stdout.on('end', sampleCpu);
      child.stdout.on('data', (b: Buffer) => {
        sampleCpu();
        outBytes += b.length;
        if (outBytes > maxOutput) {
          kill(new InferenceError('MODEL_BAD_OUTPUT', `pocketsphinx printed over ${maxOutput} bytes`));
          return;
        }
        out.push(b);
      });
      child.stderr.on('data', (b: Buffer) => {
        stderrTail = (stderrTail + b.toString('utf8')).slice(-2000);
      });
      child.once('error', (err: NodeJS.ErrnoException) => {
        killedFor ??= new InferenceError(
          err.code === 'ENOENT' ? 'MODEL_LOAD_FAILED' : 'INFER_FAILED',
          err.code === 'ENOENT'
            ? `${binary} not found (install Debian's pocketsphinx and pocketsphinx-en-us)`
            : `cannot run ${binary}: ${err.message}`,
          { cause: err },
        );
      });
      child.once('close', (code, sig) => {
        live.delete(child);
        signal?.removeEventListener('abort', onAbort);
        if (killedFor) return reject(killedFor);
        if (code !== 0) {
          const last = stderrTail.trim().split('\n').pop() ?? '';
          return reject(
            new InferenceError(
              'INFER_FAILED',
              `pocketsphinx exited with ${code ?? sig}${last ? `: ${last}` : ''}`,
            ),
          );
        }
        resolve({ stdout: Buffer.concat(out).toString('utf8'), cpuMs });
      });
    });

  return {
    run,
    get closed() {
      return closed;
    },
    close() {
      if (closed) return;
      closed = true;
      for (const kill of live.values())
        kill(new InferenceError('INFER_CLOSED', 'pocketsphinx runner closed'));
      // Runs in flight remove their own files; the folder goes once they are gone.
      const d = dir;
      if (d) void d.then((p) => rm(p, { recursive: true, force: true })).catch(() => undefined);
    },
  };
}
