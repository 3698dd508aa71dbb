import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { createSourceGuard } from '@aima/ingest';
import { createModelRegistry, DEFAULT_DETECTOR_ID, parseAnalyzerList } from '@aima/inference';
import { ANALYZERS, createWorkerAgent, openRuntime, readGpu } from '@aima/dashboard';
import { loadConfig, parseFlags, type AppConfig } from '../config.ts';
import { createApiClient, DEFAULT_SERVER } from '../api-client.ts';
import { CliError } from '../errors.ts';
import type { CommandContext } from './context.ts';

export const workerUsage =
  'usage: aima worker --server URL --token JOIN_TOKEN [--name NAME] [--analyzers a,b] [--model ID] [--rented]\n' +
  '       (or AIMA_SERVER_URL, AIMA_JOIN_TOKEN; AIMA_WORKER_RENTED=1 on a rented GPU box;\n' +
  '       a worker that joined once rejoins without --token: its key is in AIMA_DATA_DIR)\n' +
  '       aima worker token [--server URL] [--ttl SECONDS] [--instance ID] [--rented] [--json]';

const runFlags = z.object({
  server: z.string().url(),
  token: z.string().min(16).optional(),
  name: z.string().min(1).max(200).default(os.hostname()),
  analyzers: z.string().optional(),
  model: z.string().default(DEFAULT_DETECTOR_ID),
  rented: z.boolean().default(false),
});

const tokenFlags = z.object({
  server: z.string().url().default(DEFAULT_SERVER),
  ttl: z.coerce
    .number()
    .int()
    .positive()
    .max(7 * 24 * 3600)
    .optional(),
  instance: z.string().min(1).optional(),
  rented: z.boolean().default(false),
  json: z.boolean().default(false),
});

export async function workerCommand(argv: string[], ctx: CommandContext): Promise<number> {
  if (argv[0] === 'token') return tokenCommand(argv.slice(1), ctx);
  const { values } = parseArgs({
    args: argv,
    options: {
      server: { type: 'string' },
      token: { type: 'string' },
      name: { type: 'string' },
      analyzers: { type: 'string' },
      model: { type: 'string' },
      rented: { type: 'boolean' },
    },
  });
  // A rented box's image gets both from the GPU pool in its environment.
  const server = values.server ?? ctx.env.AIMA_SERVER_URL;
  const token = values.token ?? (ctx.env.AIMA_JOIN_TOKEN || undefined);
  if (!server) throw new CliError('CLI_USAGE', workerUsage);
  const flags = parseFlags(runFlags, { ...values, server, token });
  const config = loadConfig(ctx.env);
  const keyFile = path.join(config.dataDir, 'worker-key.json');
  const saved = await readWorkerKey(keyFile, flags.server);
  if (!flags.token && !saved) throw new CliError('CLI_USAGE', workerUsage);
  const rented = flags.rented || ctx.env.AIMA_WORKER_RENTED === '1';
  const chosen = flags.analyzers ? parseAnalyzerList(flags.analyzers) : config.analyzers;
  const agent = createWorkerAgent({
    server: flags.server,
    token: flags.token,
    // A restarted worker rejoins as itself with the key of its last welcome (the token is tried
    // after it only if the control plane no longer knows the key).
    workerKey: saved?.workerKey,
    name: flags.name,
    capabilities: await capabilities(config, chosen, flags.model),
    rented,
    // Heartbeat period (default 5 s); the control plane's timeout must be a few of these.
    heartbeatMs:
      Number(ctx.env.AIMA_WORKER_HEARTBEAT_MS) > 0 ? Number(ctx.env.AIMA_WORKER_HEARTBEAT_MS) : 5000,
    // The worker re-checks every URL itself; it has no media roots (files come signed from the server).
    guard: createSourceGuard({
      policy: config.sources.policy,
      allow: config.sources.allow,
      mediaRoots: null,
    }),
    log: (line) => ctx.stderr.write(`aima worker: ${line}\n`),
    openRuntime: ({ store, persons, mirror, fetchImpl }) =>
      openRuntime({
        ...config,
        modelId: flags.model,
        analyzers: chosen,
        store,
        personsService: persons,
        models: createModelRegistry({
          modelsDir: config.modelsDir,
          cacheDir: config.cacheDir,
          mirror,
          fetchImpl,
        }),
        signal: ctx.signal,
      }),
  });
  const onAbort = (): void => void agent.close();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const { workerId, workerKey } = await agent.joined;
    if (saved?.workerId !== workerId || saved.workerKey !== workerKey) {
      // Not fatal: the worker runs; only a restart of it would need a new token.
      await writeWorkerKey(config.dataDir, keyFile, {
        server: serverId(flags.server),
        workerId,
        workerKey,
      }).catch((err: unknown) =>
        ctx.stderr.write(
          `aima worker: cannot save the worker key to ${keyFile} (${(err as Error).message}); a restart needs a new token\n`,
        ),
      );
    }
    ctx.stdout.write(`aima worker ${flags.name} joined ${new URL(flags.server).origin} as ${workerId}\n`);
    await agent.finished;
    return 0;
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    await agent.close();
  }
}

/** The control plane a key belongs to: its URL without credentials, query or trailing slash. */
function serverId(raw: string): string {
  const u = new URL(raw);
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
}

const KeyFile = z.object({ server: z.string(), workerId: z.string(), workerKey: z.string().min(16) });
type KeyFile = z.infer<typeof KeyFile>;

/** The key of this data directory's last welcome, if it was for this server. */
async function readWorkerKey(file: string, server: string): Promise<KeyFile | null> {
  const text = await readFile(file, 'utf8').catch(() => null);
  if (text === null) return null;
  let parsed: ReturnType<typeof KeyFile.safeParse>;
  try {
    parsed = KeyFile.safeParse(JSON.parse(text));
  } catch {
    return null;
  }
  return parsed.success && parsed.data.server === serverId(server) ? parsed.data : null;
}

/** The key is a credential: 0600 in a 0700 folder, written whole or not at all (tmp + rename). */
async function writeWorkerKey(dir: string, file: string, k: KeyFile): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, JSON.stringify(k) + '\n', { mode: 0o600, flag: 'wx' });
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

async function capabilities(config: AppConfig, chosen: readonly string[] | null, model: string) {
  const registry = createModelRegistry({ modelsDir: config.modelsDir, cacheDir: config.cacheDir });
  const present = new Set((await registry.list()).filter((m) => m.origin !== null).map((m) => m.spec.id));
  const defs = chosen ? ANALYZERS.select(chosen) : ANALYZERS.list();
  const gpu = await readGpu();
  const pkg = JSON.parse(
    await readFile(path.join(import.meta.dirname, '../../../package.json'), 'utf8').catch(() => '{}'),
  ) as { version?: string };
  return {
    executionProviders: [config.executionProvider],
    gpu: gpu ? { name: gpu.name, memoryMb: gpu.memoryMb } : null,
    analyzers: defs.map((d) => ({ id: d.id, modelsPresent: d.models.every((m) => present.has(m)) })),
    cpus: os.cpus().length,
    version: pkg.version ?? '0.0.0',
    model,
  };
}

/** `aima worker token`: asks a running server for a one-time join token. */
async function tokenCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      server: { type: 'string' },
      ttl: { type: 'string' },
      instance: { type: 'string' },
      rented: { type: 'boolean' },
      json: { type: 'boolean' },
    },
  });
  const flags = parseFlags(tokenFlags, values);
  const api = await createApiClient({ server: flags.server, env: ctx.env, signal: ctx.signal });
  const body = await api.post<{ token: string; expiresAt: number }>('/api/v1/workers/tokens', {
    ...(flags.ttl ? { ttlSeconds: flags.ttl } : {}),
    ...(flags.instance ? { instanceId: flags.instance } : {}),
    ...(flags.rented ? { rented: true } : {}),
  });
  if (flags.json) ctx.stdout.write(JSON.stringify({ token: body.token, expiresAt: body.expiresAt }) + '\n');
  else
    ctx.stdout.write(`${body.token}\n(one-time; expires ${new Date(body.expiresAt ?? 0).toISOString()})\n`);
  return 0;
}
