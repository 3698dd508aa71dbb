// A faithful local RunPod REST v2 (see shared/docs/gpu-providers.md §1): catalog, strict pod
// creation (422 on unknown fields), PROVISIONING → STARTING → RUNNING with runtime/ports null until
// mapped, 204 terminate, 404 problem+json, hourly billing records, Retry-After on 429.
import { randomBytes } from 'node:crypto';
import { createLifecycle, type Instance, type Phase } from './lifecycle.ts';
import { seededRandom, startEmuServer, type Dialect, type EmuRequest, type EmuResponse } from './server.ts';
import { validatePodBody, type PodBody } from './runpod-schema.ts';
import { emulatorSurface } from './surface.ts';
import type { EmulatorBaseOptions, GpuEmulator, HttpFault } from './types.ts';

export interface RunpodGpuType {
  readonly id: string;
  readonly name: string;
  readonly memory: number;
  readonly secure: number;
  readonly community: number;
  readonly availability: 'NONE' | 'LOW' | 'MEDIUM' | 'HIGH';
}

export const DEFAULT_RUNPOD_CATALOG: readonly RunpodGpuType[] = [
  {
    id: 'NVIDIA GeForce RTX 4090',
    name: 'RTX 4090',
    memory: 24,
    secure: 0.44,
    community: 0.31,
    availability: 'HIGH',
  },
  { id: 'NVIDIA L4', name: 'L4', memory: 24, secure: 0.39, community: 0.28, availability: 'MEDIUM' },
  { id: 'NVIDIA A40', name: 'A40', memory: 48, secure: 0.69, community: 0.4, availability: 'LOW' },
  {
    id: 'NVIDIA H100 80GB HBM3',
    name: 'H100 SXM',
    memory: 80,
    secure: 2.99,
    community: 2.69,
    availability: 'NONE',
  },
];

export interface RunpodEmulatorOptions extends EmulatorBaseOptions {
  /** GPU types with prices (default DEFAULT_RUNPOD_CATALOG). Creating on availability NONE → 400. */
  readonly catalog?: readonly RunpodGpuType[];
}

export interface RunpodEmulator extends GpuEmulator {
  /** `${origin}/v2`: hand to createRunpodProvider as baseUrl. */
  readonly url: string;
}

interface PodExtra {
  readonly body: PodBody;
  readonly cloud: 'SECURE' | 'COMMUNITY';
  readonly gpuId: string;
  readonly count: number;
  readonly publicPort: number;
}

const STATUS: Readonly<Record<Phase, string>> = {
  provisioning: 'PROVISIONING',
  starting: 'STARTING',
  running: 'RUNNING',
  exited: 'EXITED',
  failed: 'ERROR',
  terminated: 'TERMINATED',
};
const ACTIONS: Readonly<Record<Phase, string[]>> = {
  provisioning: ['stop', 'terminate'],
  starting: ['stop', 'terminate'],
  running: ['stop', 'restart', 'terminate'],
  exited: ['start', 'terminate'],
  failed: ['start', 'terminate'],
  terminated: [],
};

const problem = (status: number, title: string, detail: string, errors?: string[]): EmuResponse => ({
  status,
  json: { title, status, detail, ...(errors ? { errors } : {}) },
  contentType: 'application/problem+json',
});
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export async function startRunpodEmulator(opts: RunpodEmulatorOptions = {}): Promise<RunpodEmulator> {
  const now = opts.now ?? Date.now;
  const catalog = opts.catalog ?? DEFAULT_RUNPOD_CATALOG;
  const rnd = seededRandom(opts.seed ?? 1);
  const apiKey = opts.apiKey ?? `emu-key-${randomBytes(8).toString('hex')}`;
  const life = createLifecycle<PodExtra>({
    now,
    bootDelayMs: opts.bootDelayMs ?? 150,
    portDelayMs: opts.portDelayMs ?? 50,
    ...(opts.onBoot ? { onBoot: opts.onBoot } : {}),
  });
  const podId = (): string => {
    const abc = 'abcdefghijklmnopqrstuvwxyz0123456789';
    let s = '';
    for (let i = 0; i < 14; i++) s += abc[Math.floor(rnd() * abc.length)];
    return s;
  };
  const cost = (p: Instance<PodExtra>): number =>
    p.phase === 'exited' || p.phase === 'terminated' ? 0 : p.runRatePerHour;

  const podJson = (p: Instance<PodExtra>): unknown => {
    const b = p.extra.body;
    const running = p.phase === 'running';
    return {
      id: p.id,
      name: p.label,
      image: b.image ?? null,
      args: b.args ?? '',
      disk: b.disk ?? 50,
      ports: b.ports ?? [],
      env: p.env,
      registry: null,
      status: STATUS[p.phase],
      actions: ACTIONS[p.phase],
      mounts: b.mounts ?? {},
      gpu: { id: p.extra.gpuId, count: p.extra.count },
      cloud: p.extra.cloud,
      dataCenterId: 'EMU-LOCAL-1',
      cudaVersion: '12.8',
      template: null,
      cost: cost(p),
      locked: false,
      globalNetworking: { enabled: false },
      runtime: running
        ? {
            uptime: Math.floor((now() - (p.startedAt ?? now())) / 1000),
            ports: (b.ports ?? ['22/tcp']).map((spec) => ({
              private: Number(spec.split('/')[0]),
              public: p.portsReady ? p.extra.publicPort : null,
              type: spec.split('/')[1] ?? 'tcp',
              ip: p.portsReady ? '127.0.0.1' : null,
            })),
          }
        : p.phase === 'provisioning' || p.phase === 'starting'
          ? {}
          : null,
      createdAt: iso(p.createdAt),
      startedAt: iso(p.startedAt),
    };
  };

  const create = (req: EmuRequest): EmuResponse => {
    const v = validatePodBody(req.body);
    if (!v.ok) return problem(422, 'Unprocessable Entity', 'request body violates the contract', v.errors);
    const body = v.body;
    if ((body.gpu === undefined) === (body.cpu === undefined)) {
      return problem(400, 'Bad Request', 'exactly one of gpu or cpu is required');
    }
    if (body.image === undefined && body.templateId === undefined) {
      return problem(400, 'Bad Request', 'image is required unless templateId is given');
    }
    if (body.gpu === undefined)
      return problem(400, 'Bad Request', 'cpu pods are not offered by this emulator');
    const gpu = catalog.find((g) => g.id === body.gpu?.id);
    if (gpu === undefined) return problem(400, 'Bad Request', `unknown gpu type ${body.gpu.id}`);
    const cloud = body.cloud ?? 'SECURE';
    if (gpu.availability === 'NONE') {
      return problem(
        400,
        'Bad Request',
        `There are no longer any instances available with the requested specifications.`,
      );
    }
    const count = body.gpu.count ?? 1;
    const rate = (cloud === 'SECURE' ? gpu.secure : gpu.community) * count;
    const p = life.create({
      id: podId(),
      label: body.name,
      env: body.env ?? {},
      runRatePerHour: rate,
      existRatePerHour: 0,
      extra: { body, cloud, gpuId: gpu.id, count, publicPort: 20000 + Math.floor(rnd() * 40000) },
    });
    return { status: 201, json: podJson(p) };
  };

  const billing = (req: EmuRequest): EmuResponse => {
    if (
      req.query.get('bucketSize') !== null &&
      !['hour', 'day', 'week', 'month', 'year'].includes(req.query.get('bucketSize')!)
    ) {
      return problem(400, 'Bad Request', 'bucketSize must be hour, day, week, month or year');
    }
    const id = req.query.get('podId');
    const pods = life.all().filter((p) => id === null || p.id === id);
    const records = pods
      .filter((p) => p.startedAt !== null)
      .map((p) => {
        const amount = life.billedUsd(p);
        return {
          podId: p.id,
          time: iso(p.startedAt),
          endTime: iso(p.runEndedAt ?? now()),
          totalAmount: amount,
          gpuAmount: amount,
          cpuAmount: 0,
          diskAmount: 0,
        };
      });
    return {
      status: 200,
      json: { records, metadata: { bucketSize: req.query.get('bucketSize') ?? 'hour' } },
    };
  };

  const dialect: Dialect = {
    authError: (status) =>
      status === 401
        ? problem(401, 'Unauthorized', 'missing or invalid API key')
        : problem(403, 'Forbidden', 'this API key may not use this resource'),
    faultResponse(f: HttpFault, req): EmuResponse | null {
      const isCreate = req.method === 'POST' && /^\/v2\/pods\/?$/.test(req.path);
      switch (f.kind) {
        case 'rate-limit':
          return {
            ...problem(429, 'Too Many Requests', 'rate limit exceeded'),
            headers: f.retryAfterS === undefined ? {} : { 'retry-after': String(f.retryAfterS) },
          };
        case 'server-error':
          return problem(f.status ?? 503, 'Service Unavailable', 'upstream temporarily unavailable');
        case 'no-capacity':
          return isCreate
            ? problem(
                400,
                'Bad Request',
                'There are no longer any instances available with the requested specifications.',
              )
            : null;
        case 'insufficient-funds':
          return isCreate ? problem(402, 'Payment Required', 'insufficient balance for this pod') : null;
        default:
          return null;
      }
    },
    async handle(req): Promise<EmuResponse> {
      const out = await route(req);
      // v2 sends its quota on authenticated answers (values illustrative, as in the spec).
      return {
        ...out,
        headers: {
          ...out.headers,
          ratelimit: '"minute";r=59;t=60, "hour";r=2999;t=3600',
          'ratelimit-policy': '"minute";q=60;w=60, "hour";q=3000;w=3600, "day";q=50000;w=86400',
        },
      };
    },
  };

  async function route(req: EmuRequest): Promise<EmuResponse> {
    const p = req.path.replace(/\/+$/, '');
    if (req.method === 'GET' && p === '/v2/catalog/gpus') {
      if (req.query.get('include') !== 'AVAILABILITY' || req.query.get('product') !== 'POD') {
        return problem(400, 'Bad Request', 'include=AVAILABILITY requires product=POD');
      }
      const cloud = req.query.get('cloud');
      if (cloud !== null && cloud !== 'SECURE' && cloud !== 'COMMUNITY') {
        return problem(400, 'Bad Request', 'cloud must be SECURE or COMMUNITY');
      }
      const gpus = catalog.map((g) => ({
        id: g.id,
        name: g.name,
        pool: g.name.replace(/\W+/g, '_').toUpperCase(),
        manufacturer: 'NVIDIA',
        memory: g.memory,
        secure: true,
        community: true,
        price: { secure: g.secure, community: g.community, serverless: g.secure * 2.5 },
        maxCount: { secure: 8, community: 4 },
        availability: g.availability,
        dataCenters: [{ id: 'EMU-LOCAL-1', name: 'Emulator', availability: g.availability }],
      }));
      return { status: 200, json: { gpus } };
    }
    if (p === '/v2/pods' && req.method === 'POST') return create(req);
    if (p === '/v2/pods' && req.method === 'GET') {
      return { status: 200, json: { pods: life.live().map(podJson) } };
    }
    if (p === '/v2/billing/pods' && req.method === 'GET') return billing(req);
    const m = /^\/v2\/pods\/([^/]+)(\/action)?$/.exec(p);
    if (m !== null) {
      const pod = life.get(m[1]!);
      if (pod === undefined || pod.phase === 'terminated') return problem(404, 'Not Found', 'pod not found');
      if (m[2] === undefined && req.method === 'GET') return { status: 200, json: podJson(pod) };
      if (m[2] === undefined && req.method === 'DELETE') {
        await life.terminate(pod);
        return { status: 204 };
      }
      if (m[2] !== undefined && req.method === 'POST') {
        const action = (req.body as { action?: unknown } | undefined)?.action;
        if (action !== 'terminate') {
          return problem(422, 'Unprocessable Entity', 'unsupported action', [
            `$.action: must be terminate in this emulator`,
          ]);
        }
        await life.terminate(pod);
        return { status: 204 };
      }
      return problem(405, 'Method Not Allowed', `${req.method} not allowed`);
    }
    return problem(404, 'Not Found', `no route for ${req.method} ${req.path}`);
  }

  const server = await startEmuServer(dialect, { apiKey, forbiddenKeys: opts.forbiddenKeys ?? [] });
  return {
    ...emulatorSurface(server, life, (p) => life.view(p, STATUS[p.phase], cost(p))),
    url: `${server.origin}/v2`,
    apiKey,
  };
}
