import { parseArgs } from 'node:util';
import { z } from 'zod';
import { DEFAULT_DETECTOR_ID } from '@aima/inference';
import {
  buildServer,
  createKeyframes,
  createSourceManager,
  openRuntime,
  recordingsRoot,
  UI_DIST_DIR,
} from '@aima/dashboard';
import { loadConfig, parseFlags } from '../config.ts';
import { DashboardError } from '@aima/dashboard';
import { loadOrCreateToken } from '../token.ts';
import type { CommandContext } from './context.ts';

export const serveUsage =
  'usage: aima serve [--host 127.0.0.1] [--port 8080] [--model ID|file.onnx [--decoder yolov8|yolox] [--labels FILE]] [--max-sources 32]';

const flagsSchema = z.object({
  host: z.string().min(1).optional(),
  port: z.coerce.number().int().min(0).max(65535).optional(),
  model: z.string().default(DEFAULT_DETECTOR_ID),
  decoder: z.enum(['yolov8', 'yolox']).optional(),
  labels: z.string().optional(),
  'max-sources': z.coerce.number().int().positive().max(256).default(32),
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
    },
  });
  const flags = parseFlags(flagsSchema, values);
  const config = loadConfig(ctx.env);
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
  const manager = createSourceManager({
    runtime,
    dataDir: config.dataDir,
    maxConcurrent: flags['max-sources'],
    segmentSeconds: config.recordings.segmentSeconds,
    retention: { maxAgeMs: config.recordings.maxAgeMs, maxBytes: config.recordings.maxBytes },
  });
  const app = await buildServer({
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
    logger: { level: ctx.env.AIMA_LOG_LEVEL ?? 'warn' },
  });
  try {
    // What a restart or crash cut off comes back before the first request is answered.
    const resumed = await manager.recover();
    if (resumed.length > 0) ctx.stderr.write(`aima: resumed ${resumed.length} interrupted source(s)\n`);
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
    await app.close();
    await manager.close();
    await runtime.close();
  }
}
