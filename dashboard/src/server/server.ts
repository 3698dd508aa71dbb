// Assembles the HTTP + WebSocket server from its parts. Order matters in three places, noted below.
import fastifyCookie from '@fastify/cookie';
import fastifySwagger, { type StaticDocumentSpec } from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { DashboardError } from '../errors.ts';
import { createAuthenticator, type Authenticator } from './auth.ts';
import { DEFAULT_UPLOAD_LIMIT_BYTES, type ServerDeps } from './deps.ts';
import { installErrorHandler } from './http-errors.ts';
import { createLiveHub, type LiveHub } from './live.ts';
import path from 'node:path';
import { createMetrics, type ServerMetrics } from './metrics.ts';
import { buildOpenApi } from './openapi.ts';
import type { JsonSchema } from './zod-json.ts';
import type { ApiRoute } from './route.ts';
import { authRoutes } from './routes/auth.ts';
import { exportRoutes } from './routes/export.ts';
import { historyRoutes } from './routes/history.ts';
import { sourceRoutes } from './routes/sources.ts';
import { systemRoutes } from './routes/system.ts';
import { uploadRoutes } from './routes/uploads.ts';
import { recordingRoutes } from './routes/recordings.ts';
import { personRoutes } from './routes/persons.ts';
import { peopleOverlayRoutes } from './routes/people-overlays.ts';
import { audioRoutes } from './routes/audio.ts';
import { searchRoutes } from './routes/search.ts';
import { speakerRoutes } from './routes/speakers.ts';
import { analyzerRoutes } from './routes/analyzers.ts';
import { gpuRoutes } from './routes/gpu.ts';
import { jobRoutes } from './routes/jobs.ts';
import { registerWorkerSocket, workerRoutes } from './routes/workers.ts';
import { poseRoutes } from './routes/pose.ts';
import { tagsRoutes } from './routes/tags.ts';
import { gateRoutes } from './routes/gate.ts';
import { safetyRoutes } from './routes/safety.ts';
import { analyzeRoutes } from './routes/analyze.ts';
import { DEFAULT_VISIBILITY } from '../persons/queries.ts';
import { documentVideoSocket, registerVideoSocket } from './routes/video.ts';
import { documentWhip, registerWhipRoutes } from './routes/whip.ts';
import { serviceRouters } from '../rtc/whip/routers.ts';
import { createWhipService } from '../rtc/whip/service.ts';
import { createVideoSockets, type VideoSockets } from './video-socket.ts';
import { fileVideoInput } from '../video/file-input.ts';
import { createVideoHub } from '../video/hub.ts';
import { registerSpa } from './spa.ts';
import { installQuarantineGuard, workerFileSources } from '../gate/guard.ts';
import { openQuarantineRegistry } from '../gate/registry.ts';
import { gateVideoSockets } from '../gate/sockets.ts';
import { gateManager } from '../gate/views.ts';
import { createRtcService } from '../rtc/service.ts';
import { registerRtcMetrics } from '../rtc/stats.ts';
import type { RtcService } from '../rtc/types.ts';
import { rtcRoutes } from './routes/rtc.ts';
import { requireSource } from './routes/guards.ts';

const API_VERSION = '1.0.0';
/** Client → server WebSocket messages are a few dozen bytes. */
const WS_MAX_PAYLOAD = 64 * 1024;

function loggerOptions(logger: ServerDeps['logger']): FastifyServerOptions['logger'] {
  if (!logger) return false;
  // Fastify's request serializer logs no headers; the redaction guards against ones that would.
  const redact = {
    paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
    censor: '***',
  };
  return logger === true ? { redact } : { ...logger, redact };
}

/**
 * Builds the dashboard server (not listening: call `listen()`, or `inject()` in tests).
 *
 * Shutdown: `app.close()` first closes every live WebSocket with 1001 (preClose), then stops
 * listening to the manager (onClose). It does not close `deps.manager` or `deps.store`: the
 * caller closes the manager, then the runtime, after `app.close()` resolved, so no request is
 * left talking to a closed store.
 */
export async function buildServer(given: ServerDeps): Promise<FastifyInstance> {
  // The minor-protection gate (issue 11, dashboard/src/gate/): quarantined sources serve no
  // pixels. Every part below sees the gated manager (views carry the quarantine, previews stop).
  const quarantine = given.quarantine ?? (await openQuarantineRegistry(given.store));
  const gatedManager = gateManager(given.manager, quarantine);
  // Copied with their descriptors: a dep given as a getter (a pool swapped at run time) stays one.
  const deps = Object.defineProperties(Object.create(null) as ServerDeps, {
    ...Object.getOwnPropertyDescriptors(given),
    manager: { value: gatedManager, enumerable: true },
    quarantine: { value: quarantine, enumerable: true },
  });
  const app = Fastify({ logger: loggerOptions(deps.logger), bodyLimit: 1024 * 1024 });
  const auth = createAuthenticator(deps.token);
  const metrics = createMetrics(deps.manager, { workers: deps.workers, jobs: deps.jobs, gpu: deps.gpu });
  // WebRTC (issue 12): a given service is the caller's (shared with WHIP); settings make one ours.
  const ownRtc = deps.rtc && !('handle' in deps.rtc) ? createRtcService({ config: deps.rtc }) : null;
  const rtc: RtcService | null = ownRtc ?? (deps.rtc && 'handle' in deps.rtc ? deps.rtc : null);
  registerRtcMetrics(metrics.registry, rtc);
  const hub = createLiveHub(deps.manager, metrics, rtc);
  // Every feed sends RTP into the source's router while WebRTC is available (cheap when copied).
  const videoHub = createVideoHub({
    resolveInput: deps.videoInput ?? fileVideoInput(deps.manager, deps.store),
    ...(rtc ? { rtp: rtc } : {}),
  });
  rtc?.attach({
    watch: (sourceId, watcher) => videoHub.watch(sourceId, watcher),
    admit: async (sourceId) => {
      await requireSource(gatedManager, sourceId);
      if (quarantine.isQuarantined(sourceId)) {
        throw new DashboardError('SOURCE_QUARANTINED', `source ${JSON.stringify(sourceId)} is quarantined`);
      }
    },
    onQuarantine: (listener) => quarantine.onQuarantine((sourceId) => listener(sourceId)),
  });
  const video = gateVideoSockets(createVideoSockets(videoHub, metrics.registry), quarantine);
  app.addHook('onClose', async () => {
    gatedManager.detach();
    if (!given.quarantine) quarantine.close();
  });

  try {
    await assemble(app, deps, { auth, metrics, hub, video, rtc, ownRtc });
    return app;
  } catch (err) {
    // A plugin that failed to load must not leave the manager listeners or the heartbeat behind.
    await hub.close();
    await video.close();
    await ownRtc?.close();
    metrics.close();
    throw err;
  }
}

interface Parts {
  readonly auth: Authenticator;
  readonly metrics: ServerMetrics;
  readonly hub: LiveHub;
  readonly video: VideoSockets;
  readonly rtc: RtcService | null;
  /** The service this server created (and closes); null when none or given by the caller. */
  readonly ownRtc: RtcService | null;
}

async function assemble(
  app: FastifyInstance,
  deps: ServerDeps,
  { auth, metrics, hub, video, rtc, ownRtc }: Parts,
): Promise<void> {
  installErrorHandler(app);
  await app.register(fastifyCookie);
  // WHIP publishers (issue 12) on the live view's worker: the given service, or one made here.
  const whip =
    deps.whip !== undefined
      ? deps.whip
      : rtc
        ? createWhipService({ routers: serviceRouters(rtc), manager: deps.manager })
        : null;
  // (1) Before @fastify/websocket: its own preClose closes clients without a code; ours says 1001.
  app.addHook('preClose', async () => hub.close());
  // Video sockets close with 1001, then their ffmpeg feeds stop (no process outlives the server).
  app.addHook('preClose', async () => video.close());
  // WHIP publishers end with the server (their relays, routers and ffmpeg go), before the worker.
  app.addHook('preClose', async () => whip?.close());
  // After the sockets and feeds (whose ends close their rooms): the routers left, then the worker.
  app.addHook('preClose', async () => ownRtc?.close());
  app.addHook('onClose', async () => metrics.close());
  await app.register(fastifyWebsocket, { options: { maxPayload: WS_MAX_PAYLOAD } });

  // (2) Auth runs onRequest, before any body is read: an unauthenticated upload writes nothing, and
  // an unauthenticated WebSocket is refused with a plain 401 before the upgrade.
  app.addHook('onRequest', async (req) => {
    const mode = req.routeOptions.config?.auth ?? (req.url.startsWith('/api/v1/') ? 'session' : 'public');
    if (mode !== 'public') auth.verify(req, mode);
  });
  // After auth: pixel routes of a quarantined source answer 403 SOURCE_QUARANTINED.
  if (deps.quarantine) {
    installQuarantineGuard(app, deps.quarantine, { sourceForFile: workerFileSources(deps.workers) });
  }
  app.addHook('onSend', async (req, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    if (req.url.startsWith('/api/v1/') && !reply.hasHeader('cache-control'))
      reply.header('cache-control', 'no-store');
  });

  // The document lists the system routes too, one of which serves it: hence the late binding.
  let document: JsonSchema = {};
  const routes: ApiRoute[] = [
    ...systemRoutes({ registry: metrics.registry, openapi: () => document }),
    ...authRoutes(auth),
    ...sourceRoutes(deps.manager, deps.sourceGuard),
    ...uploadRoutes({
      manager: deps.manager,
      dataDir: deps.dataDir,
      limitBytes: deps.uploadLimitBytes ?? DEFAULT_UPLOAD_LIMIT_BYTES,
      sourceGuard: deps.sourceGuard,
    }),
    ...historyRoutes({
      manager: deps.manager,
      store: deps.store,
      labels: deps.labels,
      keyframe: deps.keyframe,
    }),
    ...exportRoutes({ manager: deps.manager, store: deps.store, labels: deps.labels }),
    ...recordingRoutes({
      manager: deps.manager,
      store: deps.store,
      recordingsDir: deps.recordingsDir ?? path.join(deps.dataDir, 'recordings'),
    }),
    ...personRoutes({
      store: deps.store,
      persons: deps.persons ?? null,
      visibility: deps.personVisibility ?? DEFAULT_VISIBILITY,
    }),
    ...peopleOverlayRoutes({ manager: deps.manager, store: deps.store }),
    ...audioRoutes({ manager: deps.manager, store: deps.store }),
    ...speakerRoutes({ manager: deps.manager, store: deps.store }),
    ...searchRoutes({ manager: deps.manager, store: deps.store }),
    ...analyzerRoutes({ defaultAnalyzers: deps.defaultAnalyzers ?? null }),
    ...jobRoutes(deps),
    ...workerRoutes(deps),
    ...gpuRoutes(deps),
    ...poseRoutes(deps),
    ...tagsRoutes(deps),
    ...gateRoutes(deps),
    ...safetyRoutes(deps),
    ...analyzeRoutes(deps),
    ...rtcRoutes({ manager: deps.manager, rtc }),
  ];
  document = buildOpenApi(routes, { version: API_VERSION });
  documentVideoSocket(document);
  const add = (scope: FastifyInstance, r: ApiRoute): void => {
    scope.route({
      method: r.spec.method,
      url: r.spec.url,
      config: { auth: r.spec.auth },
      ...(r.spec.bodyLimit ? { bodyLimit: r.spec.bodyLimit } : {}),
      handler: r.handler,
    });
  };
  for (const r of routes) if (r.spec.bodyKind !== 'binary') add(app, r);
  // (3) Raw bodies only where a route streams them: elsewhere octet-stream stays a 415.
  await app.register(async (scope) => {
    scope.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));
    for (const r of routes) if (r.spec.bodyKind === 'binary') add(scope, r);
  });

  app.get('/api/v1/live', { websocket: true, config: { auth: 'session' } }, (socket) => hub.accept(socket));
  registerVideoSocket(app, { manager: deps.manager, sockets: video });
  registerWorkerSocket(app, deps);
  await registerWhipRoutes(app, { whip });
  documentWhip(document);

  // The plugin's types know OpenAPI 2 and 3.0 only; in static mode it serves whatever it is given.
  const specification = { document: document as unknown as StaticDocumentSpec['document'] };
  await app.register(fastifySwagger, { mode: 'static', specification });
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs' });

  const spaFallback = registerSpa(app, deps.uiDir);
  app.setNotFoundHandler(async (req, reply) => {
    const isPage = (req.method === 'GET' || req.method === 'HEAD') && !req.url.startsWith('/api/');
    if (isPage && spaFallback) return spaFallback(req, reply);
    throw new DashboardError('API_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`);
  });
}
