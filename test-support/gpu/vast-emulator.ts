// A faithful local Vast.ai API (shared/docs/gpu-providers.md §2): bundles search, PUT asks (410
// no_such_ask once taken), `{"instances": {...}|null}` status with actual_status null → loading →
// running, v1 list paged by next_token (≤ 25), DELETE destroy, 429 without Retry-After, paths with
// and without trailing slash. Billing: dph_base per second while running plus the disk
// (storage_total_cost) per second for as long as the instance exists.
import { randomBytes } from 'node:crypto';
import { createLifecycle, type Instance, type Phase } from './lifecycle.ts';
import { seededRandom, startEmuServer, type Dialect, type EmuRequest, type EmuResponse } from './server.ts';
import {
  DEFAULT_VAST_MACHINES,
  searchOffers,
  storageHour,
  type Ask,
  type VastMachine,
} from './vast-offers.ts';
import { emulatorSurface } from './surface.ts';
import type { EmulatorBaseOptions, GpuEmulator, HttpFault } from './types.ts';

export { DEFAULT_VAST_MACHINES, type VastMachine } from './vast-offers.ts';

export interface VastEmulatorOptions extends EmulatorBaseOptions {
  /** Machines on offer (default DEFAULT_VAST_MACHINES), one ask each at a time. */
  readonly machines?: readonly VastMachine[];
  /** List a fresh ask for a machine once its ask is rented (default true). */
  readonly restock?: boolean;
  /**
   * Faithful (default false): the disk (storage_total_cost) bills every second the instance exists,
   * loading and exited included. true: only while running, so the bill is exactly
   * dph_total × running seconds (what a ledger metering from start_date computes).
   */
  readonly diskBilledOnlyWhileRunning?: boolean;
  /** Real Vast limits each endpoint to one call per interval (429 otherwise); 0 = off (default). */
  readonly minIntervalMs?: number;
}

export interface VastEmulator extends GpuEmulator {
  /** The origin: hand to createVastProvider as baseUrl. */
  readonly url: string;
  /** Ask ids currently rentable. */
  askIds(): number[];
}

interface VastExtra {
  readonly ask: Ask;
  readonly image: string;
  readonly disk: number;
  readonly dphBase: number;
  readonly storageHour: number;
  readonly extraEnv: readonly (readonly [string, string])[];
  readonly publicPort: number;
}

const ACTUAL: Readonly<Record<Phase, string | null>> = {
  provisioning: null,
  starting: 'loading',
  running: 'running',
  exited: 'exited',
  failed: 'offline',
  terminated: null,
};
const RUNTYPES = ['ssh', 'jupyter', 'args', 'ssh_proxy', 'ssh_direct', 'jupyter_proxy', 'jupyter_direct'];

const fail = (
  status: number,
  error: string,
  msg: string,
  extra: Record<string, unknown> = {},
): EmuResponse => ({
  status,
  json: { success: false, error, msg, ...extra },
});

export async function startVastEmulator(opts: VastEmulatorOptions = {}): Promise<VastEmulator> {
  const now = opts.now ?? Date.now;
  const rnd = seededRandom(opts.seed ?? 1);
  const apiKey = opts.apiKey ?? `emu-key-${randomBytes(8).toString('hex')}`;
  const restock = opts.restock ?? true;
  const life = createLifecycle<VastExtra>({
    now,
    bootDelayMs: opts.bootDelayMs ?? 150,
    portDelayMs: opts.portDelayMs ?? 50,
    existRateOnlyWhileRunning: opts.diskBilledOnlyWhileRunning ?? false,
    ...(opts.onBoot ? { onBoot: opts.onBoot } : {}),
  });
  let nextAsk = 12_345_000;
  let nextInstance = 31_000_000;
  const asks: Ask[] = (opts.machines ?? DEFAULT_VAST_MACHINES).map((machine, i) => ({
    id: nextAsk++,
    machineId: 100 + i,
    machine,
    rented: false,
  }));

  const instanceJson = (p: Instance<VastExtra>): Record<string, unknown> => {
    const x = p.extra;
    const status = ACTUAL[p.phase];
    const running = p.phase === 'running';
    const ports =
      running && p.portsReady ? { '8000/tcp': [{ HostIp: '0.0.0.0', HostPort: String(x.publicPort) }] } : {};
    return {
      id: Number(p.id),
      machine_id: x.ask.machineId,
      label: p.label,
      actual_status: status,
      intended_status: 'running',
      cur_state: running
        ? 'running'
        : p.phase === 'provisioning' || p.phase === 'starting'
          ? 'unloaded'
          : 'stopped',
      status_msg: running ? `success, running ${x.image}/args` : (status ?? 'provisioning'),
      image_uuid: x.image,
      image_runtype: 'args',
      gpu_name: x.ask.machine.gpuName,
      num_gpus: 1,
      public_ipaddr: running ? '127.0.0.1' : null,
      ssh_host: 'ssh.emu.vast.local',
      ssh_port: x.publicPort + 1,
      ports,
      extra_env: x.extraEnv,
      dph_base: x.dphBase,
      dph_total: x.dphBase + x.storageHour,
      storage_cost: x.ask.machine.storageCost,
      storage_total_cost: x.storageHour,
      disk_space: x.disk,
      start_date: p.startedAt === null ? null : p.startedAt / 1000,
      uptime_mins: p.startedAt === null ? null : ((p.runEndedAt ?? now()) - p.startedAt) / 60_000,
    };
  };

  const create = (req: EmuRequest, askId: number): EmuResponse => {
    const b = req.body as Record<string, unknown> | undefined;
    if (typeof b !== 'object' || b === null || Array.isArray(b))
      return fail(400, 'invalid_args', 'body must be a JSON object');
    if (b.client_id !== 'me') return fail(400, 'invalid_args', 'client_id must be "me"', { ask_id: askId });
    if (typeof b.image !== 'string' || b.image === '')
      return fail(400, 'invalid_args', 'image is required', { ask_id: askId });
    if (b.env !== undefined && (typeof b.env !== 'object' || b.env === null || Array.isArray(b.env))) {
      return fail(400, 'invalid_args', 'env must be a JSON object', { ask_id: askId });
    }
    if (b.runtype !== undefined && !RUNTYPES.includes(b.runtype as string)) {
      return fail(400, 'invalid_args', `runtype must be one of ${RUNTYPES.join('|')}`, { ask_id: askId });
    }
    if (b.disk !== undefined && (typeof b.disk !== 'number' || b.disk <= 0)) {
      return fail(400, 'invalid_args', 'disk must be a positive number', { ask_id: askId });
    }
    const ask = asks.find((a) => a.id === askId);
    if (ask === undefined)
      return fail(
        404,
        'no_such_ask',
        `error 404/3603: no_such_ask  Instance type by id ${askId} is not available.`,
      );
    if (ask.rented)
      return fail(410, 'no_such_ask', `error 410/3603: Instance type by id ${askId} is no longer available.`);
    ask.rented = true;
    if (restock) asks.push({ id: nextAsk++, machineId: ask.machineId, machine: ask.machine, rented: false });
    const env = (b.env ?? {}) as Record<string, unknown>;
    const extraEnv = Object.entries(env).map(([k, v]) => [k, String(v)] as const);
    const disk = typeof b.disk === 'number' ? b.disk : 10;
    const storage = storageHour(ask.machine, disk);
    const inst = life.create({
      id: String(nextInstance++),
      label: typeof b.label === 'string' ? b.label : '',
      env: Object.fromEntries(extraEnv.filter(([k]) => !k.startsWith('-p ') && !k.startsWith('-e '))),
      runRatePerHour: ask.machine.dphBase,
      existRatePerHour: storage,
      extra: {
        ask,
        image: b.image,
        disk,
        dphBase: ask.machine.dphBase,
        storageHour: storage,
        extraEnv,
        publicPort: 20000 + Math.floor(rnd() * 40000),
      },
    });
    return {
      status: 200,
      json: {
        success: true,
        new_contract: Number(inst.id),
        instance_api_key: randomBytes(16).toString('hex'),
      },
    };
  };

  const jsonParam = (req: EmuRequest, name: string): unknown => {
    const v = req.query.get(name);
    if (v === null) return undefined;
    try {
      return JSON.parse(v);
    } catch {
      return v;
    }
  };

  const list = (req: EmuRequest): EmuResponse => {
    const limitRaw = jsonParam(req, 'limit');
    const limit = Math.min(25, typeof limitRaw === 'number' && limitRaw > 0 ? Math.floor(limitRaw) : 25);
    const filters = (jsonParam(req, 'select_filters') ?? {}) as Record<string, Record<string, unknown>>;
    const allowed = new Set(['actual_status', 'label', 'id', 'gpu_name', 'machine_id', 'intended_status']);
    let rows = life.live().map(instanceJson);
    for (const [field, cond] of Object.entries(filters)) {
      if (!allowed.has(field)) return fail(400, 'invalid_args', `cannot filter on ${field}`);
      for (const [op, v] of Object.entries(cond ?? {})) {
        if (op === 'eq') rows = rows.filter((r) => r[field] === v);
        else if (op === 'neq') rows = rows.filter((r) => r[field] !== v);
        else if (op === 'in' && Array.isArray(v)) rows = rows.filter((r) => v.includes(r[field]));
        else return fail(400, 'invalid_args', `unsupported operator ${op}`);
      }
    }
    const total = rows.length;
    rows.sort((a, b) => (a.id as number) - (b.id as number));
    const after = req.query.get('after_token');
    if (after !== null && after !== '') {
      let lastId: number;
      try {
        lastId = (JSON.parse(Buffer.from(after, 'base64').toString('utf8')) as { values: { id: number } })
          .values.id;
      } catch {
        return fail(400, 'invalid_args', 'bad after_token');
      }
      rows = rows.filter((r) => (r.id as number) > lastId);
    }
    const page = rows.slice(0, limit);
    const more = rows.length > limit;
    const last = page[page.length - 1];
    const labelCounts: Record<string, number> = {};
    for (const r of life.live()) labelCounts[r.label] = (labelCounts[r.label] ?? 0) + 1;
    return {
      status: 200,
      json: {
        success: true,
        instances_found: page.length,
        total_instances: total,
        label_counts: labelCounts,
        next_token:
          more && last ? Buffer.from(JSON.stringify({ values: { id: last.id } })).toString('base64') : null,
        instances: page,
      },
    };
  };

  // Three documented 429 shapes, none with Retry-After.
  const tooFrequent = (): EmuResponse => {
    const pick = Math.floor(rnd() * 3);
    if (pick === 0) return { status: 429, text: 'API requests too frequent' };
    if (pick === 1)
      return { status: 429, json: { detail: 'API requests too frequent endpoint threshold=4.5' } };
    return fail(429, 'rate_limit_exceeded', 'API requests too frequent');
  };
  // Vast's limiter: a minimum interval between calls to one endpoint (ids folded), per key.
  const lastCall = new Map<string, number>();
  const throttled = (req: EmuRequest): boolean => {
    const min = opts.minIntervalMs ?? 0;
    if (min <= 0) return false;
    const key = `${req.method} ${req.path.replace(/\/+$/, '').replace(/\/\d+/g, '/{id}')}`;
    const t = Date.now();
    const prev = lastCall.get(key);
    lastCall.set(key, t);
    return prev !== undefined && t - prev < min;
  };

  const dialect: Dialect = {
    // Auth failure shape is not documented; we use Vast's common error shape.
    authError: (status) =>
      status === 401
        ? fail(401, 'not_authorized', 'Invalid or missing API key')
        : fail(403, 'forbidden', 'This API key does not have permission for this endpoint'),
    faultResponse(f: HttpFault, req): EmuResponse | null {
      const isCreate = req.method === 'PUT' && /^\/api\/v0\/asks\/\d+\/?$/.test(req.path);
      switch (f.kind) {
        case 'rate-limit':
          return tooFrequent();
        case 'server-error': {
          const status = f.status ?? 503;
          return status === 502 || status === 504
            ? {
                status,
                text: `<html><body><h1>${status} Bad Gateway</h1></body></html>`,
                contentType: 'text/html',
              }
            : fail(status, 'server_error', 'internal error, try again');
        }
        case 'no-capacity': {
          const id = /asks\/(\d+)/.exec(req.path)?.[1] ?? '0';
          return isCreate
            ? fail(410, 'no_such_ask', `error 410/3603: Instance type by id ${id} is no longer available.`)
            : null;
        }
        case 'insufficient-funds':
          // Undocumented shape: Vast's common error body.
          return isCreate
            ? fail(402, 'insufficient_credit', 'Your account lacks credit for this instance')
            : null;
        default:
          return null;
      }
    },
    async handle(req): Promise<EmuResponse> {
      if (throttled(req)) return tooFrequent();
      const p = req.path.replace(/\/+$/, '');
      if (req.method === 'POST' && p === '/api/v0/bundles') {
        const q = (req.body ?? {}) as Record<string, unknown>;
        if (typeof q !== 'object' || Array.isArray(q))
          return fail(400, 'invalid_args', 'query must be an object');
        const r = searchOffers(
          asks.filter((a) => !a.rented),
          q,
        );
        return 'error' in r
          ? fail(400, 'invalid_args', r.error)
          : { status: 200, json: { offers: r.offers } };
      }
      const askM = /^\/api\/v0\/asks\/(\d+)$/.exec(p);
      if (askM !== null && req.method === 'PUT') return create(req, Number(askM[1]));
      if (req.method === 'GET' && p === '/api/v1/instances') return list(req);
      const instM = /^\/api\/v0\/instances\/(\d+)$/.exec(p);
      if (instM !== null) {
        const inst = life.get(instM[1]!);
        const gone = inst === undefined || inst.phase === 'terminated';
        if (req.method === 'GET')
          return { status: 200, json: { instances: gone ? null : instanceJson(inst) } };
        if (req.method === 'DELETE') {
          if (gone) return fail(404, 'not_found', 'Instance not found');
          await life.terminate(inst);
          return { status: 200, json: { success: true, msg: `destroying instance ${inst.id}.` } };
        }
        return fail(405, 'invalid_args', `${req.method} not supported here`);
      }
      return fail(404, 'not_found', `no route ${req.method} ${req.path}`);
    },
  };

  const server = await startEmuServer(dialect, { apiKey, forbiddenKeys: opts.forbiddenKeys ?? [] });
  const view = (p: Instance<VastExtra>) =>
    life.view(
      p,
      p.phase === 'terminated' ? 'destroyed' : (ACTUAL[p.phase] ?? 'null'),
      p.extra.dphBase + p.extra.storageHour,
    );
  return {
    ...emulatorSurface(server, life, view),
    url: server.origin,
    apiKey,
    askIds: () => asks.filter((a) => !a.rented).map((a) => a.id),
  };
}
