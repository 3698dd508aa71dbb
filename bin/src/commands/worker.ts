import { readFile } from 'node:fs/promises';
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
  '       (or AIMA_SERVER_URL, AIMA_JOIN_TOKEN; AIMA_WORKER_RENTED=1 on a rented GPU box)\n' +
  '       aima worker token [--server URL] [--ttl SECONDS] [--instance ID] [--rented] [--json]';

const runFlags = z.object({
  server: z.string().url(),
  token: z.string().min(16),
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
  const token = values.token ?? ctx.env.AIMA_JOIN_TOKEN;
  if (!server || !token) throw new CliError('CLI_USAGE', workerUsage);
  const flags = parseFlags(runFlags, { ...values, server, token });
  const config = loadConfig(ctx.env);
  const rented = flags.rented || ctx.env.AIMA_WORKER_RENTED === '1';
  const chosen = flags.analyzers ? parseAnalyzerList(flags.analyzers) : config.analyzers;
  const agent = createWorkerAgent({
    server: flags.server,
    token: flags.token,
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
    const { workerId } = await agent.joined;
    ctx.stdout.write(`aima worker ${flags.name} joined ${new URL(flags.server).origin} as ${workerId}\n`);
    await agent.finished;
    return 0;
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    await agent.close();
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
