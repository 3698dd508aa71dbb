// RunPod REST v2 client (shared/docs/gpu-providers.md §1). RunPod has no max-price field, so the cap
// is checked against the catalog before creating and against the pod's `cost` after: a dearer pod
// is terminated at once. Errors are RFC 9457 problem+json; 400 on create means "no capacity".
import type { InferenceErrorCode } from '../errors.ts';
import { call, callPolicy, gpuError, num, refuseAboveCap, request, type HttpResult } from './http.ts';
import type {
  CreateInstanceRequest,
  GpuOffer,
  GpuProvider,
  HttpProviderOptions,
  InstanceState,
  ProviderInstance,
} from './provider.ts';

export interface RunpodProviderOptions extends HttpProviderOptions {
  /** SECURE (default) or COMMUNITY cloud: picks `price.secure` or `price.community`. */
  readonly cloud?: 'SECURE' | 'COMMUNITY';
}

export const RUNPOD_DEFAULT_BASE_URL = 'https://api.runpod.io/v2';

type Json = Record<string, unknown>;

/** Unknown strings (CREATED, RESTARTING, anything new) are pending: poll on, never assume gone. */
export function runpodState(status: string): InstanceState {
  switch (status) {
    case 'RUNNING':
      return 'running';
    case 'EXITED':
    case 'STOPPED':
    case 'PAUSED':
      return 'stopped';
    case 'ERROR':
      return 'failed';
    case 'TERMINATED':
      return 'terminated';
    default:
      return 'pending';
  }
}

function problemDetail(body: unknown): string {
  if (typeof body === 'string') return body;
  if (typeof body !== 'object' || body === null) return 'no body';
  const b = body as Json;
  const parts = [b.title, b.detail, b.message].filter((x): x is string => typeof x === 'string');
  if (Array.isArray(b.errors)) parts.push(b.errors.map(String).join('; '));
  return parts.join(': ') || 'no detail';
}

const lower = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[_\s]+/g, ' ')
    .trim();

export function createRunpodProvider(opts: RunpodProviderOptions): GpuProvider {
  const cloud = opts.cloud ?? 'SECURE';
  const base = opts.backoffMs ?? 500;
  const policy = callPolicy(opts, {
    provider: 'runpod',
    baseUrl: RUNPOD_DEFAULT_BASE_URL,
    backoff: (n) => base * 2 ** n,
    retryStatus: (s) => s >= 500,
    detail: problemDetail,
  });

  const fail = (r: HttpResult, what: string, onCreate = false): never => {
    let code: InferenceErrorCode = 'GPU_PROVIDER_ERROR';
    if (r.status === 401 || r.status === 403) code = 'GPU_PROVIDER_AUTH';
    else if (r.status === 402) code = 'GPU_INSUFFICIENT_FUNDS';
    else if (r.status === 400 && onCreate) code = 'GPU_NO_CAPACITY';
    else if (r.status === 400 || r.status === 422) code = 'GPU_PROVIDER_BAD_REQUEST';
    throw gpuError(code, `runpod ${what}: ${r.status} ${problemDetail(r.body)}`, opts.apiKey);
  };

  const toInstance = (pod: Json): ProviderInstance => {
    const status = typeof pod.status === 'string' ? pod.status : String(pod.desiredStatus ?? 'UNKNOWN');
    const started = pod.startedAt ?? pod.lastStartedAt;
    const t = typeof started === 'string' ? Date.parse(started) : NaN;
    const env: Record<string, string> = {};
    if (typeof pod.env === 'object' && pod.env !== null) {
      for (const [k, v] of Object.entries(pod.env as Json)) if (typeof v === 'string') env[k] = v;
    }
    return {
      provider: 'runpod',
      id: String(pod.id),
      label: typeof pod.name === 'string' ? pod.name : '',
      state: runpodState(status),
      rawStatus: status,
      pricePerHour: num(pod.cost ?? pod.costPerHr),
      startedAt: Number.isNaN(t) ? null : t,
      env,
    };
  };

  const catalog = async (signal?: AbortSignal): Promise<GpuOffer[]> => {
    const r = await request(policy, {
      method: 'GET',
      path: '/catalog/gpus',
      query: { include: 'AVAILABILITY', product: 'POD', cloud },
      ...(signal ? { signal } : {}),
    });
    if (r.status !== 200) fail(r, 'offers');
    const gpus = ((r.body as Json | undefined)?.gpus ?? []) as Json[];
    const key = cloud === 'SECURE' ? 'secure' : 'community';
    return gpus
      .filter((g) => g[key] !== false && num((g.price as Json | undefined)?.[key], -1) > 0)
      .map((g) => ({
        provider: 'runpod' as const,
        id: String(g.id),
        gpuType: String(g.name ?? g.id),
        gpuName: String(g.id),
        memoryGb: num(g.memory),
        pricePerHour: num((g.price as Json)[key]),
        availability: String(g.availability ?? 'UNKNOWN'),
      }))
      .sort((a, b) => a.pricePerHour - b.pricePerHour);
  };

  const provider: GpuProvider = {
    name: 'runpod',

    async offers(q = {}) {
      const all = await catalog(q.signal);
      if (q.gpuType === undefined) return all;
      const want = lower(q.gpuType);
      return all.filter((o) => lower(o.gpuType) === want || lower(o.gpuName) === want);
    },

    async create(req: CreateInstanceRequest, signal?: AbortSignal) {
      const cap = req.maxPricePerHour;
      if (cap !== undefined) {
        const offer = (await catalog(signal)).find((o) => o.id === req.offerId);
        if (offer === undefined) {
          throw gpuError(
            'GPU_OFFER_UNKNOWN',
            `runpod: GPU type ${req.offerId} is not in the catalog`,
            opts.apiKey,
          );
        }
        if (offer.pricePerHour > cap) {
          throw gpuError(
            'GPU_PRICE_ABOVE_CAP',
            `runpod: ${offer.gpuType} costs $${offer.pricePerHour}/h, cap $${cap}/h`,
            opts.apiKey,
          );
        }
      }
      const body = {
        name: req.label,
        image: req.image,
        gpu: { id: req.offerId, count: 1 },
        cloud,
        env: { ...req.env },
        ...(req.diskGb !== undefined ? { disk: Math.ceil(req.diskGb) } : {}),
      };
      const r = await call(policy, {
        method: 'POST',
        path: '/pods',
        body,
        ...(signal ? { signal } : {}),
        // A create whose answer was lost may have made a pod: find it by its unique name.
        adopt: async () =>
          (await provider.list(signal)).find((p) => p.label === req.label && p.state !== 'terminated') ??
          null,
      });
      let inst: ProviderInstance;
      if ('adopted' in r) inst = r.adopted as ProviderInstance;
      else if (r.status === 201 || r.status === 200) inst = toInstance(r.body as Json);
      else return fail(r, 'create', true);
      return refuseAboveCap(provider, inst, cap, { what: 'runpod: pod', apiKey: opts.apiKey, signal });
    },

    async get(id, signal) {
      const r = await request(policy, {
        method: 'GET',
        path: `/pods/${encodeURIComponent(id)}`,
        ...(signal ? { signal } : {}),
      });
      if (r.status === 404) return null;
      if (r.status !== 200) fail(r, 'get');
      return toInstance(r.body as Json);
    },

    async list(signal) {
      const r = await request(policy, { method: 'GET', path: '/pods', ...(signal ? { signal } : {}) });
      if (r.status !== 200) fail(r, 'list');
      // v2 wraps in {pods}; v1 returned a bare array.
      const pods = Array.isArray(r.body) ? r.body : (((r.body as Json | undefined)?.pods ?? []) as unknown[]);
      return (pods as Json[]).map(toInstance);
    },

    async terminate(id, signal) {
      const r = await request(policy, {
        method: 'DELETE',
        path: `/pods/${encodeURIComponent(id)}`,
        ...(signal ? { signal } : {}),
      });
      if (r.status === 204 || r.status === 200 || r.status === 404) return;
      fail(r, 'terminate');
    },

    async billing(id, signal) {
      const r = await request(policy, {
        method: 'GET',
        path: '/billing/pods',
        query: { podId: id, bucketSize: 'hour' },
        ...(signal ? { signal } : {}),
      });
      if (r.status === 404) return null;
      if (r.status !== 200) fail(r, 'billing');
      const records = ((r.body as Json | undefined)?.records ?? []) as Json[];
      if (!Array.isArray(records)) return null;
      return records
        .filter((x) => x.podId === undefined || x.podId === id)
        .reduce((s, x) => s + num(x.totalAmount), 0);
    },
  };
  return provider;
}
