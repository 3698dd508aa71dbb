import { parseArgs } from 'node:util';
import { z } from 'zod';
import os from 'node:os';
import { DEFAULT_DETECTOR_ID, createRunpodProvider, createVastProvider } from '@aima/inference';
import { createSourceGuard } from '@aima/ingest';
import {
  createGpuPool,
  createJobService,
  createWorkerHub,
  keyedProviders,
  loadOrCreateInstallationId,
  localExecutor,
  openGpuKeyStore,
  openJobQueue,
  type JobPayload,
  buildServer,
  createKeyframes,
  createSourceManager,
  createFrameAnalyzer,
  createRtcService,
  rtcConfigFromEnv,
  openRuntime,
  recordingsRoot,
  UI_DIST_DIR,
} from '@aima/dashboard';
import { loadConfig, parseFlags } from '../config.ts';
import { CliError, describeError } from '../errors.ts';
import { DashboardError } from '@aima/dashboard';
import { loadOrCreateToken } from '../token.ts';
import type { CommandContext } from './context.ts';

export const serveUsage =
  'usage: aima serve [--host 127.0.0.1] [--port 8080] [--model ID|file.onnx [--decoder yolov8|yolox] [--labels FILE]] [--max-sources 32] [--no-local-worker]';

const flagsSchema = z.object({
  host: z.string().min(1).optional(),
  port: z.coerce.number().int().min(0).max(65535).optional(),
  model: z.string().default(DEFAULT_DETECTOR_ID),
  decoder: z.enum(['yolov8', 'yolox']).optional(),
  labels: z.string().optional(),
  'max-sources': z.coerce.number().int().positive().max(256).default(32),
  /** ML only on connected `aima worker` processes, none in this process. */
  'no-local-worker': z.boolean().default(false),
});

/** Runs the dashboard (embedded ClickHouse, local inference, REST + WebSocket, the SPA) until SIGINT/SIGTERM. */
export async function serveCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      model: { type: 'string' },
      decoder: { type: 'string' },
      labels: { type: 'string' },
      'max-sources': { type: 'string' },
      'no-local-worker': { type: 'boolean' },
    },
  });
  const flags = parseFlags(flagsSchema, values);
  const config = loadConfig(ctx.env);
  // WebRTC settings (AIMA_WEBRTC, AIMA_RTC_*): checked before anything starts. The worker itself
  // starts on the first live view; without one the live view uses MSE and says why.
  let rtcConfig: ReturnType<typeof rtcConfigFromEnv>;
  try {
    rtcConfig = rtcConfigFromEnv(ctx.env);
  } catch (err) {
    throw new CliError('CLI_BAD_VALUE', `environment variable ${(err as Error).message}`);
  }
  const sourceGuard = createSourceGuard({
    policy: config.sources.policy,
    allow: config.sources.allow,
    mediaRoots: config.sources.mediaRoots,
  });
  const host = flags.host ?? config.host;
  const port = flags.port ?? config.port;
  const { token, generated } = await loadOrCreateToken(config.dataDir, config.token);
  const runtime = await openRuntime({
    ...config,
    modelId: flags.model,
    decoder: flags.decoder,
    labelsFile: flags.labels,
    signal: ctx.signal,
  });
  // Inference workers: this process is one (the local worker) unless --no-local-worker.
  const workers = createWorkerHub({
    store: runtime.store,
    models: runtime.models,
    persons: runtime.faces?.persons ?? null,
    guard: sourceGuard,
  });
  const manager = createSourceManager({
    runtime,
    executor: workers.executor(flags['no-local-worker'] ? null : localExecutor(runtime)),
    guard: sourceGuard,
    dataDir: config.dataDir,
    maxConcurrent: flags['max-sources'],
    segmentSeconds: config.recordings.segmentSeconds,
    retention: { maxAgeMs: config.recordings.maxAgeMs, maxBytes: config.recordings.maxBytes },
  });
  const gpuKeys = await openGpuKeyStore({ dataDir: config.dataDir, env: config.gpu.keys });
  let lastGpuError = '';
  const gpu = createGpuPool({
    store: runtime.store,
    hub: workers,
    providers: keyedProviders(gpuKeys, (name, apiKey) =>
      name === 'runpod' ? createRunpodProvider({ apiKey }) : createVastProvider({ apiKey }),
    ),
    keys: gpuKeys,
    installationId: await loadOrCreateInstallationId(config.dataDir, config.gpu.installationId),
    image: config.gpu.workerImage,
    // Without a URL rented workers could dial back to, every paid start is refused (GPU_UNAVAILABLE).
    serverUrl: config.gpu.publicUrl ?? '',
    dailyBudgetUsd: config.gpu.dailyBudgetUsd,
    // A provider that is down fails every tick: each distinct line is written once (keys are scrubbed).
    onError: (err) => {
      const line = describeError(err).line;
      if (line !== lastGpuError) ctx.stderr.write(`aima: gpu: ${(lastGpuError = line)}\n`);
    },
  });
  const jobQueue = await openJobQueue<JobPayload>(runtime.store, { redisUrl: config.redisUrl, name: 'jobs' });
  const jobs = createJobService({
    store: runtime.store,
    manager,
    queue: jobQueue,
    dataDir: config.dataDir,
    guard: sourceGuard,
    gpu,
    analyzers: runtime.analyzers,
    defaultAnalyzers: runtime.defaultAnalyzers,
    // On Redis several control planes share the queue: each claims under its own name.
    ...(config.redisUrl ? { owner: `aima-jobs:${os.hostname()}:${process.pid}` } : {}),
  });
  // One service (one mediasoup worker) for the live view and WHIP publishers.
  const rtc = createRtcService({ config: rtcConfig });
  const app = await buildServer({
    rtc,
    jobs,
    workers,
    gpu,
    manager,
    store: runtime.store,
    token,
    dataDir: config.dataDir,
    uiDir: UI_DIST_DIR,
    keyframe: createKeyframes(runtime.store, recordingsRoot(config.dataDir)),
    labels: runtime.detector.labels,
    videoInput: (id) => manager.videoInput(id),
    recordingsDir: recordingsRoot(config.dataDir),
    persons: runtime.faces?.persons ?? null,
    personVisibility: config.persons,
    defaultAnalyzers: runtime.defaultAnalyzers,
    sourceGuard,
    analyze: createFrameAnalyzer(runtime),
    logger: { level: ctx.env.AIMA_LOG_LEVEL ?? 'warn' },
  });
  try {
    // What a restart or crash cut off comes back before the first request is answered.
    const resumed = await manager.recover();
    if (resumed.length > 0) ctx.stderr.write(`aima: resumed ${resumed.length} interrupted source(s)\n`);
    // After the sources: the manager must not re-create a source row the job service deletes.
    await jobs.recover();
    try {
      await app.listen({ host, port });
    } catch (err) {
      throw new DashboardError(
        'SERVER_LISTEN_FAILED',
        `cannot listen on ${host}:${port}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
        { cause: err },
      );
    }
    const addr = app.server.address();
    const bound = typeof addr === 'object' && addr ? addr.port : port;
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${bound}/`;
    // One write, so a reader of the first line sees the token line with it.
    ctx.stdout.write(
      `AIMA dashboard on ${url}\n` +
        (generated ? `API token (shown once; stored in ${config.dataDir}/token): ${token}\n` : ''),
    );
    await new Promise<void>((resolve) => {
      if (ctx.signal.aborted) resolve();
      ctx.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    ctx.stderr.write('aima: shutting down\n');
    return 0;
  } finally {
    // Order: stop taking requests and close sockets, then stop jobs (flushing results), then engines.
    // Rented instances are terminated (gpu.close) before the engines go.
    await app.close();
    await rtc.close();
    await jobs.close();
    await gpu.close();
    await manager.close();
    await workers.close();
    await jobQueue.close();
    await runtime.close();
  }
}
