// GPU pool: offers with prices, rented instances with cost and worker stats, the ledger, the
// emergency stop, and the provider keys (write-only: GET says only whether one is set).
import { z } from 'zod';
import { DashboardError } from '../../errors.ts';
import type { GpuPool } from '../../gpu/types.ts';
import type { ServerDeps } from '../deps.ts';
import { defineRoute, type ApiRoute } from '../route.ts';

const Provider = z.enum(['local', 'runpod', 'vastai']);

export const GpuOfferView = z.object({
  provider: Provider,
  id: z.string(),
  gpuType: z.string(),
  gpuName: z.string(),
  memoryGb: z.number(),
  pricePerHour: z.number().describe('USD per hour'),
  availability: z.string(),
});

export const GpuInstanceViewSchema = z.object({
  id: z.string(),
  provider: z.string(),
  providerId: z.string(),
  jobId: z.string(),
  label: z.string(),
  gpuType: z.string(),
  state: z.enum(['creating', 'booting', 'running', 'terminating', 'terminated', 'failed']),
  pricePerHour: z.number(),
  createdAt: z.number(),
  startedAt: z.number().nullable(),
  terminatedAt: z.number().nullable(),
  costUsd: z.number().describe('billed so far (ledger plus the open slice)'),
  budgetUsd: z.number().nullable(),
  workerId: z.string(),
  errorCode: z.string().describe("why it ended ('' = its job drained)"),
  errorMessage: z.string(),
  stats: z
    .object({
      gpuUtil: z.number().nullable(),
      gpuMemUsedMb: z.number().nullable(),
      gpuMemTotalMb: z.number().nullable(),
      gpuTempC: z.number().nullable(),
    })
    .nullable(),
});

export const LedgerEntryView = z.object({
  instanceId: z.string(),
  jobId: z.string(),
  provider: z.string(),
  fromTs: z.number(),
  toTs: z.number(),
  seconds: z.number(),
  ratePerHour: z.number(),
  amountUsd: z.number(),
});

export const GpuKeysStatus = z.object({ runpod: z.boolean(), vastai: z.boolean() });

const unavailable = { description: 'No GPU pool in this server (GPU_UNAVAILABLE)' };

export function gpuRoutes(deps: ServerDeps): ApiRoute[] {
  const pool = (): GpuPool => {
    if (deps.gpu === undefined) throw new DashboardError('GPU_UNAVAILABLE', 'this server runs no GPU pool');
    return deps.gpu;
  };
  return [
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/gpu/offers',
        operationId: 'listGpuOffers',
        summary: 'GPU offers of a provider, cheapest first (prices in USD/h)',
        tag: 'gpu',
        auth: 'session',
        query: z.object({ provider: Provider.default('runpod'), gpuType: z.string().min(1).optional() }),
        responses: {
          200: { description: 'Offers', schema: z.array(GpuOfferView) },
          409: { description: 'No key for that provider (GPU_PROVIDER_NOT_CONFIGURED)' },
          503: unavailable,
        },
      },
      async ({ query }) =>
        (await pool().offers(query.provider, query.gpuType)).sort((a, b) => a.pricePerHour - b.pricePerHour),
    ),
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/gpu/instances',
        operationId: 'listGpuInstances',
        summary: 'Rented instances: state, $/h, cost so far, worker GPU stats',
        tag: 'gpu',
        auth: 'session',
        responses: {
          200: { description: 'Newest first', schema: z.array(GpuInstanceViewSchema) },
          503: unavailable,
        },
      },
      () => pool().instances(),
    ),
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/gpu/ledger',
        operationId: 'listGpuLedger',
        summary: 'Per-second cost ledger (one row per billed slice of an instance)',
        tag: 'gpu',
        auth: 'session',
        query: z.object({ jobId: z.string().min(1).optional() }),
        responses: {
          200: {
            description: 'Rows oldest first, with the total',
            schema: z.object({
              totalUsd: z.number(),
              totalSeconds: z.number(),
              entries: z.array(LedgerEntryView),
            }),
          },
          503: unavailable,
        },
      },
      async ({ query }) => {
        const entries = await pool().ledger(query.jobId === undefined ? {} : { jobId: query.jobId });
        let totalUsd = 0;
        let totalSeconds = 0;
        for (const e of entries) {
          totalUsd += e.amountUsd;
          totalSeconds += e.seconds;
        }
        return { totalUsd, totalSeconds, entries };
      },
    ),
    defineRoute(
      {
        method: 'POST',
        url: '/api/v1/gpu/stop-all',
        operationId: 'stopAllGpus',
        summary: 'Emergency stop: terminate every rented instance now (their jobs see GPU_STOPPED)',
        tag: 'gpu',
        auth: 'session',
        responses: {
          200: { description: 'All terminated', schema: z.object({ stopped: z.number() }) },
          503: unavailable,
        },
      },
      async () => {
        const p = pool();
        const before = (await p.instances()).filter((i) => i.state !== 'terminated' && i.state !== 'failed');
        await p.stopAll();
        return { stopped: before.length };
      },
    ),
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/gpu/keys',
        operationId: 'gpuKeyStatus',
        summary: 'Which providers have an API key (the keys are never returned)',
        tag: 'gpu',
        auth: 'session',
        responses: { 200: { description: 'Per provider: key set', schema: GpuKeysStatus }, 503: unavailable },
      },
      async () => pool().keyStatus(),
    ),
    defineRoute(
      {
        method: 'PUT',
        url: '/api/v1/gpu/keys',
        operationId: 'setGpuKeys',
        summary: 'Set (string) or remove (null) provider API keys; stored 0600 in the data directory',
        tag: 'gpu',
        auth: 'session',
        body: z
          .object({
            runpod: z.string().min(8).max(512).nullable().optional(),
            vastai: z.string().min(8).max(512).nullable().optional(),
          })
          .strict(),
        responses: {
          200: { description: 'Saved; says only which keys are set', schema: GpuKeysStatus },
          503: unavailable,
        },
      },
      async ({ body }) => {
        const p = pool();
        await p.setKeys(body);
        return p.keyStatus();
      },
    ),
  ];
}
