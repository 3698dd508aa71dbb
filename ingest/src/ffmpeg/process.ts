// The one place that touches fluent-ffmpeg. It is archived upstream, so it stays behind this
// small interface: swapping it for child_process.spawn(ffmpeg, toArgv(args)) changes only this file.
// Runs with several piped outputs (video on fd 1, audio on fd 3) already spawn directly: fluent
// cannot open file descriptors past stderr.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { PassThrough } from 'node:stream';
import type { Readable, Writable } from 'node:stream';
import ffmpeg from 'fluent-ffmpeg';
import type { FfmpegArgs, MultiOutputArgs } from './args.ts';
import { multiArgv } from './args.ts';
import { StderrLog } from './stderr.ts';
import { trackFfmpegCpu, type FfmpegRole } from './cpu.ts';

export interface FfmpegExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** We stopped it (close, abort, early break): its exit status says nothing about the media. */
  readonly killedByUs: boolean;
}

/** A running ffmpeg whose lifetime we own. */
export interface FfmpegProcess {
  readonly pid: number;
  /** ffmpeg's stdout. Not reading it is real backpressure: ffmpeg blocks on the full pipe. */
  readonly stdout: Readable;
  /** The stream of an output fd (1 is stdout); an empty, ended stream for an fd not piped. */
  pipe(fd: number): Readable;
  /** Resolves once the process has exited and its pipes are closed (reaped, never a zombie). */
  readonly exited: Promise<FfmpegExit>;
  /** Resolves when stderr has closed: every stderr line has been delivered. */
  readonly stderrDone: Promise<void>;
  /** The bounded tail of stderr and its error count, for classifying a failure. */
  readonly stderr: StderrLog;
  readonly running: boolean;
  /** SIGTERM, then SIGKILL after the grace period; resolves when reaped. Safe to call twice. */
  stop(): Promise<FfmpegExit>;
}

export interface StartOptions {
  readonly ffmpegPath: string;
  readonly args: FfmpegArgs;
  /** Every stderr line, as it arrives. stderr is always drained, even when stdout is not. */
  readonly onStderrLine?: (line: string) => void;
  /** Between SIGTERM and SIGKILL (default 2000 ms). */
  readonly killGraceMs?: number;
  /** Accounts this process's CPU under a role (ffmpegCpu()); ffmpeg then runs with -benchmark. */
  readonly cpuRole?: FfmpegRole;
}

/** Spawn ffmpeg with our argument list; resolves once the process exists. */
export async function startFfmpeg(opts: StartOptions): Promise<FfmpegProcess> {
  // fluent-ffmpeg throws a TypeError from inside its own 'error' handler when the spawn fails
  // (it reads output buffers that were never created), so a missing binary must not reach it.
  await fs.promises.access(opts.ffmpegPath, fs.constants.X_OK);
  // fluent-ffmpeg pipes ffmpeg's stdout into this. emitClose is off because fluent kills ffmpeg
  // 20 ms after its output stream closes, which would race a normal exit and turn it into a
  // signal we did not send.
  const stdout = new PassThrough({ emitClose: false, highWaterMark: 1 << 16 });
  const args = opts.cpuRole
    ? { ...opts.args, inputOptions: ['-benchmark', ...opts.args.inputOptions] }
    : opts.args;
  const command = buildCommand(opts.ffmpegPath, args, stdout);
  const log = new StderrLog();
  let cpu: ReturnType<typeof trackFfmpegCpu> | null = null;
  const onLine = opts.onStderrLine;

  return new Promise((resolve, reject) => {
    let started = false;
    command.on('stderr', (line: string) => {
      cpu?.onStderrLine(line);
      log.add(line);
      onLine?.(line);
    });
    // fluent reports every exit as an event; ours come from the child itself (exit code, signal,
    // whether we sent it), so these only matter before the process exists.
    command.on('error', (err: Error) => {
      if (!started) reject(err);
    });
    command.on('start', () => {
      const child = childOf(command);
      if (child === null || child.pid === undefined) return; // spawn failed: 'error' follows
      started = true;
      if (opts.cpuRole) cpu = trackFfmpegCpu(child.pid, opts.cpuRole);
      // fluent pipes child.stdout into `stdout` itself.
      const proc = new Supervised(
        child,
        new Map([[1, { from: child.stdout, to: stdout }]]),
        log,
        opts.killGraceMs ?? 2000,
      );
      void proc.exited.then(() => cpu?.onExit());
      resolve(proc);
    });
    command.run();
  });
}

export interface StartPipesOptions extends Omit<StartOptions, 'args'> {
  readonly args: MultiOutputArgs;
}

/** Spawn ffmpeg with one pipe per output fd (directly: see the note at the top). */
export async function startFfmpegPipes(opts: StartPipesOptions): Promise<FfmpegProcess> {
  await fs.promises.access(opts.ffmpegPath, fs.constants.X_OK);
  const fds = opts.args.outputs.map((o) => o.fd);
  const maxFd = Math.max(2, ...fds);
  const stdio: Array<'ignore' | 'pipe'> = ['ignore'];
  for (let fd = 1; fd <= maxFd; fd++) stdio.push(fd === 2 || fds.includes(fd) ? 'pipe' : 'ignore');
  const argv = multiArgv(opts.args);
  const child = spawn(opts.ffmpegPath, opts.cpuRole ? ['-benchmark', ...argv] : argv, {
    stdio,
    windowsHide: true,
  });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  const log = new StderrLog();
  const onLine = opts.onStderrLine;
  const cpu = opts.cpuRole && child.pid !== undefined ? trackFfmpegCpu(child.pid, opts.cpuRole) : null;
  splitLines(child.stderr, (line) => {
    cpu?.onStderrLine(line);
    log.add(line);
    onLine?.(line);
  });
  const outputs = new Map<number, Output>();
  for (const fd of fds) {
    const from = child.stdio[fd] as Readable | null;
    const to = new PassThrough({ emitClose: false, highWaterMark: 1 << 16 });
    from?.pipe(to);
    outputs.set(fd, { from, to });
  }
  const proc = new Supervised(child, outputs, log, opts.killGraceMs ?? 2000);
  void proc.exited.then(() => cpu?.onExit());
  return proc;
}

/** Every line of `stream` (split like fluent-ffmpeg does: \r, \n or \r\n), as it arrives. */
function splitLines(stream: Readable | null, onLine: (line: string) => void): void {
  if (stream === null) return;
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (text: string) => {
    const parts = (rest + text).split(/\r\n|\r|\n/);
    rest = parts.pop() ?? '';
    for (const line of parts) onLine(line);
  });
  stream.once('end', () => {
    if (rest !== '') onLine(rest);
    rest = '';
  });
}

interface Output {
  /** The child's end of the pipe. */
  readonly from: Readable | null;
  /** What readers get. */
  readonly to: PassThrough;
}

function buildCommand(ffmpegPath: string, args: FfmpegArgs, stdout: Writable): ffmpeg.FfmpegCommand {
  // stdoutLines also bounds fluent's own stderr ring buffer.
  const command = ffmpeg({ stdoutLines: 64 })
    .setFfmpegPath(ffmpegPath)
    .input(args.input)
    .output(stdout, { end: true });
  // Spread, never one array: fluent splits a lone array's "two word" entries on their space.
  if (args.inputOptions.length > 0) command.inputOptions(...splat(args.inputOptions));
  if (args.outputOptions.length > 0) command.outputOptions(...splat(args.outputOptions));
  return command;
}

/** The argv fluent-ffmpeg will hand to ffmpeg for `args`; tests check it equals toArgv(args). */
export function fluentArgv(ffmpegPath: string, args: FfmpegArgs): string[] {
  return buildCommand(ffmpegPath, args, new PassThrough())._getArguments();
}

/** fluent-ffmpeg keeps the ChildProcess on the command as `ffmpegProc` (not in its typings). */
function childOf(command: object): ChildProcess | null {
  const proc: unknown = Reflect.get(command, 'ffmpegProc');
  return typeof proc === 'object' && proc !== null && 'kill' in proc && 'pid' in proc
    ? (proc as ChildProcess)
    : null;
}

function splat(options: readonly string[]): [string, ...string[]] {
  const [first = '', ...rest] = options;
  return [first, ...rest];
}

class Supervised implements FfmpegProcess {
  readonly pid: number;
  readonly exited: Promise<FfmpegExit>;
  readonly stderrDone: Promise<void>;
  private killedByUs = false;
  private hasExited = false;
  private stopping: Promise<FfmpegExit> | undefined;

  readonly stdout: Readable;

  constructor(
    private readonly child: ChildProcess,
    private readonly outputs: ReadonlyMap<number, Output>,
    readonly stderr: StderrLog,
    private readonly graceMs: number,
  ) {
    this.pid = child.pid ?? -1;
    this.stdout = this.pipe(1);
    // 'close', not 'exit': it also waits for stdout/stderr to be fully read, so every frame and
    // every stderr line has been delivered when `exited` resolves.
    this.exited = new Promise((resolve) => {
      child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
        this.hasExited = true;
        resolve({ code, signal, killedByUs: this.killedByUs });
      });
    });
    // stderr closes when ffmpeg exits, however far behind the stdout reader is.
    this.stderrDone = new Promise((resolve) => {
      if (!child.stderr || child.stderr.closed) resolve();
      else child.stderr.once('close', () => resolve());
    });
    child.once('exit', () => {
      this.hasExited = true;
    });
  }

  get running(): boolean {
    return !this.hasExited;
  }

  pipe(fd: number): Readable {
    const out = this.outputs.get(fd);
    if (out) return out.to;
    const empty = new PassThrough();
    empty.end();
    return empty;
  }

  stop(): Promise<FfmpegExit> {
    this.stopping ??= this.terminate();
    return this.stopping;
  }

  private async terminate(): Promise<FfmpegExit> {
    // Keep draining stdout into the void: an ffmpeg blocked writing a full pipe cannot act on
    // SIGTERM (its write is restarted), and 'close' needs stdout read to the end even when the
    // process has already exited on its own.
    for (const { from, to } of this.outputs.values()) {
      if (from) {
        from.unpipe(to);
        from.resume();
      }
      if (!to.writableEnded) to.end();
    }
    if (this.hasExited) return this.exited;
    this.killedByUs = true;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (!this.hasExited) this.child.kill('SIGKILL');
    }, this.graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}
