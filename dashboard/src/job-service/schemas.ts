// The REST shapes of jobs: validated on the server, listed in the OpenAPI document.
import { z } from 'zod';

export const JobStateSchema = z.enum([
  'created',
  'queued',
  'running',
  'paused',
  'done',
  'failed',
  'cancelled',
]);
export const JobItemStateSchema = z.enum(['pending', 'queued', 'running', 'done', 'failed', 'cancelled']);
export const ProviderSchema = z.enum(['local', 'runpod', 'vastai']);

export const JobContext = z.object({
  /** Names the user knows appear in the media. */
  names: z.array(z.string().min(1).max(200)).max(200).optional(),
  notes: z.string().max(10_000).optional(),
});

export const EstimateView = z.object({
  usd: z.number(),
  gpuSeconds: z.number(),
  /** Known media duration of the job; items whose length is unknown (streams) are not in it. */
  mediaSeconds: z.number(),
  pricePerHour: z.number(),
  /** Media seconds analysed per wall second with the job's analyzers on that device. */
  throughput: z.number(),
  basis: z.enum(['measured', 'estimated']),
  provider: ProviderSchema,
  gpuType: z.string().nullable(),
  /** Items whose duration is unknown and so not priced. */
  unknownItems: z.number().int(),
});
export type EstimateView = z.infer<typeof EstimateView>;

export const JobItemView = z.object({
  index: z.number().int(),
  /** Path or URL with credentials replaced by ***. */
  input: z.string(),
  kind: z.string(),
  sourceId: z.string().nullable(),
  state: JobItemStateSchema,
  progress: z.number(),
  etaSeconds: z.number().nullable(),
  durationMs: z.number().nullable(),
  attempts: z.number().int(),
  errorCode: z.string().optional(),
  errorMessage: z.string().optional(),
});
export type JobItemView = z.infer<typeof JobItemView>;

export const JobView = z.object({
  id: z.string(),
  name: z.string(),
  state: JobStateSchema,
  priority: z.number().int(),
  analyzers: z.array(z.string()),
  context: JobContext,
  provider: ProviderSchema.nullable(),
  gpuType: z.string().nullable(),
  budgetUsd: z.number().nullable(),
  estimate: EstimateView.nullable(),
  costUsd: z.number(),
  /** Media-time weighted over the items (0..1). */
  progress: z.number(),
  etaSeconds: z.number().nullable(),
  pausedReason: z.string().optional(),
  errorCode: z.string().optional(),
  errorMessage: z.string().optional(),
  createdAt: z.number(),
  updatedAt: z.number(),
  startedAt: z.number().nullable(),
  finishedAt: z.number().nullable(),
  items: z.array(JobItemView),
});
export type JobView = z.infer<typeof JobView>;

export const CreateJobBody = z.object({
  name: z.string().max(200).optional(),
  /** Server paths (files, folders), uploads (their saved path) and URLs. */
  media: z.array(z.string().min(1).max(4096)).min(1).max(1000),
  /** Higher runs first (default 0). */
  priority: z.number().int().min(-100).max(100).default(0),
  analyzers: z.array(z.string().min(1).max(64)).max(32).optional(),
  context: JobContext.optional(),
});

export const StartJobBody = z
  .object({
    provider: ProviderSchema.default('local'),
    gpuType: z.string().min(1).max(100).optional(),
    budgetUsd: z.number().min(0).max(100_000).optional(),
  })
  .default({});

export const EstimateQuery = z.object({
  provider: ProviderSchema.default('local'),
  gpuType: z.string().min(1).max(100).optional(),
});

export const JobParams = z.object({ id: z.string().min(1).max(128) });
export const PauseJobBody = z.object({ reason: z.string().max(500).optional() }).default({});
