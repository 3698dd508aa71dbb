import { analyzeCommand, analyzeUsage } from './commands/analyze.ts';
import { analyzersCommand, analyzersUsage } from './commands/analyzers.ts';
import type { CommandContext } from './commands/context.ts';
import { modelsCommand, modelsUsage } from './commands/models.ts';
import { queryCommand, queryUsage } from './commands/query.ts';
import { personsCommand, personsUsage } from './commands/persons.ts';
import { searchCommand, searchUsage } from './commands/search.ts';
import { transcriptCommand, transcriptUsage } from './commands/transcript.ts';
import { serveCommand, serveUsage } from './commands/serve.ts';
import { gpuCommand, gpuUsage } from './commands/gpu.ts';
import { jobsCommand, jobsUsage } from './commands/jobs.ts';
import { workerCommand, workerUsage } from './commands/worker.ts';
import { CliError, describeError } from './errors.ts';

const HELP = `aima: real-time media analyzer

${serveUsage}
${analyzeUsage}
${analyzersUsage}
${queryUsage}
${personsUsage}
${searchUsage}
${transcriptUsage}
${modelsUsage}
${jobsUsage}
${workerUsage}
${gpuUsage}

environment: AIMA_DATA_DIR, AIMA_MODELS_DIR, AIMA_CACHE_DIR, AIMA_OFFLINE, AIMA_TOKEN, AIMA_HOST, AIMA_PORT,
             CLICKHOUSE_URL, FFMPEG_PATH, AIMA_ANALYZERS (e.g. detect,faces,vad,asr),
             AIMA_EP (auto|cpu|cuda|tensorrt), AIMA_THREADS,
             AIMA_FACES (on|off), AIMA_FACE_DETECTOR, AIMA_FACE_EMBEDDER, AIMA_PERSON_ASSIGN, AIMA_PERSON_UNSURE,
             AIMA_PERSONS_MIN_SCREEN_S (4), AIMA_PERSONS_MIN_SHARE (0.1)
`;

const commands: Record<string, (argv: string[], ctx: CommandContext) => Promise<number>> = {
  serve: serveCommand,
  analyze: analyzeCommand,
  analyzers: analyzersCommand,
  query: queryCommand,
  persons: personsCommand,
  search: searchCommand,
  transcript: transcriptCommand,
  models: modelsCommand,
  jobs: jobsCommand,
  worker: workerCommand,
  gpu: gpuCommand,
};

/** Runs one command; the single error boundary of the CLI. Returns the exit code. */
export async function main(argv: string[], ctx?: Partial<CommandContext>): Promise<number> {
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onSigint);
  const context: CommandContext = {
    stdout: ctx?.stdout ?? process.stdout,
    stderr: ctx?.stderr ?? process.stderr,
    env: ctx?.env ?? process.env,
    signal: ctx?.signal ?? controller.signal,
  };
  try {
    const [name, ...rest] = argv;
    if (!name || name === '--help' || name === '-h' || name === 'help') {
      context.stdout.write(HELP);
      return name ? 0 : 2;
    }
    const command = commands[name];
    if (!command) throw new CliError('CLI_UNKNOWN_COMMAND', `unknown command '${name}' (try aima --help)`);
    return await command(rest, context);
  } catch (err) {
    const d = describeError(normalizeArgError(err));
    context.stderr.write(`aima: ${d.line}\n`);
    return d.exitCode;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
}

/** node:util parseArgs throws plain TypeErrors with ERR_PARSE_ARGS_* codes: make them usage errors. */
function normalizeArgError(err: unknown): unknown {
  const code = (err as { code?: unknown })?.code;
  if (err instanceof TypeError && typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
    return new CliError('CLI_USAGE', err.message);
  }
  return err;
}
