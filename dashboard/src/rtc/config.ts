// WebRTC settings from the environment, parsed once into a frozen RtcConfig; and where the
// mediasoup worker binary is (it may be missing: mediasoup's install downloads it, which can fail).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { z } from 'zod';
import { DashboardError } from '../errors.ts';
import type { RtcConfig } from './types.ts';

const port = z.coerce.number().int().min(1024).max(65535);
const flag = z.enum(['0', '1', 'true', 'false']).transform((v) => v === '1' || v === 'true');

const EnvSchema = z.object({
  AIMA_WEBRTC: flag.default('1'),
  AIMA_MEDIASOUP_WORKER_BIN: z.string().min(1).optional(),
  MEDIASOUP_WORKER_BIN: z.string().min(1).optional(),
  AIMA_WEBRTC_ANNOUNCED_IP: z.string().min(1).optional(),
  AIMA_RTC_LISTEN_IP: z.string().ip().optional(),
  AIMA_RTC_MIN_PORT: port.default(40000),
  AIMA_RTC_MAX_PORT: port.default(40999),
  AIMA_RTC_MAX_VIEWERS: z.coerce.number().int().min(1).max(1000).default(16),
  AIMA_RTC_MAX_ROUTERS: z.coerce.number().int().min(1).max(1000).default(64),
  AIMA_RTC_TCP: flag.default('1'),
});

/** Defaults as the env would give them (tests build on this). */
export const DEFAULT_RTC_CONFIG: RtcConfig = Object.freeze({
  enabled: true,
  workerBin: null,
  listenIp: '127.0.0.1',
  announcedIp: null,
  minPort: 40000,
  maxPort: 40999,
  maxViewersPerSource: 16,
  maxRouters: 64,
  tcp: true,
});

/** Parses the AIMA_WEBRTC / AIMA_RTC_* variables; throws API_BAD_REQUEST naming the bad key. */
export function rtcConfigFromEnv(env: Readonly<Record<string, string | undefined>>): RtcConfig {
  // Empty strings are "unset" (docker-compose writes `VAR=` for optional settings).
  const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const r = EnvSchema.safeParse(given);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new DashboardError(
      'API_BAD_REQUEST',
      `${issue?.path.join('.') ?? 'env'}: ${issue?.message ?? 'invalid'}`,
    );
  }
  const e = r.data;
  if (e.AIMA_RTC_MIN_PORT > e.AIMA_RTC_MAX_PORT) {
    throw new DashboardError('API_BAD_REQUEST', 'AIMA_RTC_MIN_PORT: must not be above AIMA_RTC_MAX_PORT');
  }
  const announcedIp = e.AIMA_WEBRTC_ANNOUNCED_IP ?? null;
  const listenIp = e.AIMA_RTC_LISTEN_IP ?? (announcedIp ? '0.0.0.0' : '127.0.0.1');
  // ICE candidates must name an address browsers can reach; "any" is none.
  if ((listenIp === '0.0.0.0' || listenIp === '::') && !announcedIp) {
    throw new DashboardError(
      'API_BAD_REQUEST',
      `AIMA_RTC_LISTEN_IP: ${listenIp} needs AIMA_WEBRTC_ANNOUNCED_IP (the address browsers reach)`,
    );
  }
  return Object.freeze({
    enabled: e.AIMA_WEBRTC,
    workerBin: e.AIMA_MEDIASOUP_WORKER_BIN ?? e.MEDIASOUP_WORKER_BIN ?? null,
    // With an announced address the server is reached from elsewhere (docker, NAT): bind everywhere.
    listenIp,
    announcedIp,
    minPort: e.AIMA_RTC_MIN_PORT,
    maxPort: e.AIMA_RTC_MAX_PORT,
    maxViewersPerSource: e.AIMA_RTC_MAX_VIEWERS,
    maxRouters: e.AIMA_RTC_MAX_ROUTERS,
    tcp: e.AIMA_RTC_TCP,
  });
}

export type WorkerBin =
  | { readonly ok: true; readonly path: string }
  | { readonly ok: false; readonly code: 'RTC_DISABLED' | 'RTC_WORKER_MISSING'; readonly reason: string };

const HOW_TO_GET =
  'run `npm run setup:webrtc` (or set MEDIASOUP_WORKER_BIN to a mediasoup-worker 3.32.2 binary)';

/** The worker binary to run, or why there is none (the live view then uses MSE and says why). */
export function resolveWorkerBin(config: RtcConfig): WorkerBin {
  if (!config.enabled)
    return { ok: false, code: 'RTC_DISABLED', reason: 'WebRTC is turned off (AIMA_WEBRTC=0)' };
  const bin = config.workerBin ?? defaultWorkerBin();
  if (bin && isExecutable(bin)) return { ok: true, path: bin };
  const where = bin ? `no executable mediasoup worker at ${bin}` : 'mediasoup is not installed';
  return { ok: false, code: 'RTC_WORKER_MISSING', reason: `${where}: ${HOW_TO_GET}` };
}

/** Where mediasoup's own install puts the worker (node_modules/mediasoup/worker/out/Release). */
function defaultWorkerBin(): string | null {
  try {
    // mediasoup exports no package.json; its entry is <pkg>/node/lib/index.js.
    const entry = createRequire(import.meta.url).resolve('mediasoup');
    return path.resolve(path.dirname(entry), '..', '..', 'worker', 'out', 'Release', 'mediasoup-worker');
  } catch {
    return null;
  }
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
