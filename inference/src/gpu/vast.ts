// Vast.ai client (shared/docs/gpu-providers.md §2). Offers are asks that can be rented once, so a
// create can fail with 410 no_such_ask (GPU_OFFER_GONE). There is no price ceiling for on-demand:
// the offer's dph_total is checked before and the instance's after creating. 429 carries no
// Retry-After: back off client-side like the official client (0.15 s ×1.5, 3 retries).
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

export interface VastProviderOptions extends HttpProviderOptions {
  /** Disk GB priced into offers (allocated_storage) and used when create gives none (default 10). */
  readonly diskGb?: number;
  /** Only verified hosts (default true). */
  readonly verifiedOnly?: boolean;
}

export const VAST_DEFAULT_BASE_URL = 'https://console.vast.ai';
const PAGE_LIMIT = 25;
const MAX_PAGES = 400;

type Json = Record<string, unknown>;

/** exited/unknown/offline never come back (doc §2.4): failed, destroy and retry elsewhere. */
export function vastState(actual: string | null): InstanceState {
  switch (actual) {
    case 'running':
      return 'running';
    case 'stopped':
    case 'frozen':
      return 'stopped';
    case 'exited':
    case 'unknown':
    case 'offline':
      return 'failed';
    default:
      return 'pending'; // null, loading, created, rebooting, restarting, anything new
  }
}

function vastDetail(body: unknown): string {
  if (typeof body === 'string') return body.replace(/<[^>]*>/g, ' ');
  if (typeof body !== 'object' || body === null) return 'no body';
  const b = body as Json;
  const parts = [b.error, b.msg, b.message, b.detail].filter((x): x is string => typeof x === 'string');
  return parts.join(': ') || 'no detail';
}

export function createVastProvider(opts: VastProviderOptions): GpuProvider {
  const base = opts.backoffMs ?? 150;
  const disk = opts.diskGb ?? 10;
  const policy = callPolicy(opts, {
    provider: 'vastai',
    baseUrl: VAST_DEFAULT_BASE_URL,
    backoff: (n) => base * 1.5 ** n,
    retryStatus: (s) => s === 502 || s === 503 || s === 504,
    detail: vastDetail,
  });
  const sig = (signal?: AbortSignal) => (signal ? { signal } : {});

  const fail = (r: HttpResult, what: string, onCreate = false): never => {
    const err = typeof r.body === 'object' && r.body !== null ? (r.body as Json).error : undefined;
    let code: InferenceErrorCode = 'GPU_PROVIDER_ERROR';
    if (r.status === 401 || r.status === 403) code = 'GPU_PROVIDER_AUTH';
    else if (r.status === 402 || (typeof err === 'string' && /credit|balance/.test(err)))
      code = 'GPU_INSUFFICIENT_FUNDS';
    else if (onCreate && (r.status === 410 || r.status === 404 || err === 'no_such_ask'))
      code = 'GPU_OFFER_GONE';
    else if (r.status === 400) code = 'GPU_PROVIDER_BAD_REQUEST';
    throw gpuError(code, `vastai ${what}: ${r.status} ${vastDetail(r.body)}`, opts.apiKey);
  };

  const toInstance = (i: Json): ProviderInstance => {
    const actual = typeof i.actual_status === 'string' ? i.actual_status : null;
    const env: Record<string, string> = {};
    const raw = i.extra_env;
    const pairs = Array.isArray(raw)
      ? raw
      : typeof raw === 'object' && raw !== null
        ? Object.entries(raw)
        : [];
    for (const p of pairs as unknown[][]) {
      const [k, v] = p;
      // Port and docker-flag keys ("-p 8000:8000") are options, not environment.
      if (typeof k === 'string' && !k.startsWith('-') && v !== undefined) env[k] = String(v);
    }
    const start = num(i.start_date, NaN);
    return {
      provider: 'vastai',
      id: String(i.id),
      label: typeof i.label === 'string' ? i.label : '',
      state: vastState(actual),
      rawStatus: actual ?? 'null',
      pricePerHour: num(i.dph_total),
      startedAt: Number.isFinite(start) && actual !== null ? Math.round(start * 1000) : null,
      env,
    };
  };

  const search = async (extra: Json, signal?: AbortSignal): Promise<Json[]> => {
    const q: Json = {
      rentable: { eq: true },
      rented: { eq: false },
      external: { eq: false },
      num_gpus: { eq: 1 },
      ...(opts.verifiedOnly === false ? {} : { verified: { eq: true } }),
      order: [['dph_total', 'asc']],
      type: 'on-demand',
      limit: 64,
      allocated_storage: disk,
      ...extra,
    };
    const r = await request(policy, { method: 'POST', path: '/api/v0/bundles/', body: q, ...sig(signal) });
    if (r.status !== 200) fail(r, 'offers');
    const offers = Array.isArray(r.body) ? r.body : (r.body as Json | undefined)?.offers;
    // The spec's example shows one object where the CLI expects a list: accept both.
    return Array.isArray(offers)
      ? (offers as Json[])
      : typeof offers === 'object' && offers !== null
        ? [offers as Json]
        : [];
  };

  const toOffer = (o: Json): GpuOffer => ({
    provider: 'vastai',
    id: String(o.id),
    gpuType: String(o.gpu_name),
    gpuName: String(o.gpu_name),
    memoryGb: Math.round(num(o.gpu_ram) / 102.4) / 10,
    pricePerHour: num(o.dph_total),
    availability: o.rentable === false ? 'rented' : 'rentable',
  });

  const provider: GpuProvider = {
    name: 'vastai',

    async offers(q = {}) {
      const extra = q.gpuType === undefined ? {} : { gpu_name: { eq: q.gpuType.replace(/_/g, ' ') } };
      return (await search(extra, q.signal)).map(toOffer);
    },

    async create(req: CreateInstanceRequest, signal?: AbortSignal) {
      const cap = req.maxPricePerHour;
      if (cap !== undefined) {
        const [offer] = await search({ id: { eq: Number(req.offerId) } }, signal);
        if (offer === undefined)
          throw gpuError(
            'GPU_OFFER_GONE',
            `vastai: offer ${req.offerId} is no longer available`,
            opts.apiKey,
          );
        const price = num(offer.dph_total);
        if (price > cap)
          throw gpuError(
            'GPU_PRICE_ABOVE_CAP',
            `vastai: offer ${req.offerId} costs $${price}/h, cap $${cap}/h`,
            opts.apiKey,
          );
      }
      const body = {
        client_id: 'me',
        image: req.image,
        disk: req.diskGb ?? disk,
        env: { ...req.env },
        runtype: 'args',
        label: req.label,
        target_state: 'running',
        cancel_unavail: true,
      };
      const findByLabel = async (): Promise<ProviderInstance | null> =>
        (await provider.list(signal)).find((i) => i.label === req.label && i.state !== 'terminated') ?? null;
      const r = await call(policy, {
        method: 'PUT',
        path: `/api/v0/asks/${encodeURIComponent(req.offerId)}/`,
        body,
        ...sig(signal),
        adopt: findByLabel,
      });
      let inst: ProviderInstance | null;
      if ('adopted' in r) inst = r.adopted as ProviderInstance;
      else {
        const b = r.body as Json | undefined;
        if (r.status !== 200 || b?.success === false || b?.new_contract === undefined)
          return fail(r, 'create', true);
        const id = String(b.new_contract);
        inst = await provider.get(id, signal).catch(() => null);
        inst ??= {
          provider: 'vastai',
          id,
          label: req.label,
          state: 'pending',
          rawStatus: 'null',
          pricePerHour: 0,
          startedAt: null,
          env: { ...req.env },
        };
      }
      return refuseAboveCap(provider, inst, cap, { what: 'vastai: instance', apiKey: opts.apiKey, signal });
    },

    async get(id, signal) {
      const r = await request(policy, {
        method: 'GET',
        path: `/api/v0/instances/${encodeURIComponent(id)}/`,
        query: { owner: 'me' },
        ...sig(signal),
      });
      if (r.status === 404) return null;
      if (r.status !== 200) fail(r, 'get');
      const inst = (r.body as Json | undefined)?.instances;
      return typeof inst === 'object' && inst !== null && !Array.isArray(inst)
        ? toInstance(inst as Json)
        : null;
    },

    async list(signal) {
      const out: ProviderInstance[] = [];
      let token: string | null = null;
      const seen = new Set<string>();
      for (let page = 0; page < MAX_PAGES; page++) {
        const query: Record<string, string> = {
          limit: String(PAGE_LIMIT),
          order_by: JSON.stringify([{ col: 'id', dir: 'asc' }]),
        };
        if (token !== null) query.after_token = token;
        const r = await request(policy, { method: 'GET', path: '/api/v1/instances/', query, ...sig(signal) });
        if (r.status !== 200) fail(r, 'list');
        const b = (r.body ?? {}) as Json;
        const rows = Array.isArray(b.instances) ? (b.instances as Json[]) : [];
        out.push(...rows.map(toInstance));
        const next = typeof b.next_token === 'string' && b.next_token !== '' ? b.next_token : null;
        // A token that repeats would loop forever: treat as the end.
        if (next === null || seen.has(next)) return out;
        seen.add(next);
        token = next;
      }
      throw gpuError('GPU_PROVIDER_ERROR', `vastai list: more than ${MAX_PAGES} pages`, opts.apiKey);
    },

    async terminate(id, signal) {
      const r = await request(policy, {
        method: 'DELETE',
        path: `/api/v0/instances/${encodeURIComponent(id)}/`,
        body: {},
        ...sig(signal),
      });
      if (r.status === 200 || r.status === 204 || r.status === 404) return;
      fail(r, 'terminate');
    },
  };
  return provider;
}
