// Jobs (issue 10): the REST client of /api/v1/jobs and the display helpers of the Jobs page.
// The schemas mirror the server's JobView; unknown extra fields pass through, so a newer server
// does not break an older page.
import { z } from 'zod';
import { request } from './api.ts';
import type { StateTone } from './format.ts';

export const JOB_STATES = ['created', 'queued', 'running', 'paused', 'done', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];
export const PROVIDERS = ['local', 'runpod', 'vastai'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

const opt = <T extends z.ZodTypeAny>(t: T) => t.nullish();

export const JobEstimate = z
  .object({
    usd: z.number(),
    gpuSeconds: z.number(),
    mediaSeconds: z.number(),
    pricePerHour: z.number(),
    throughput: z.number(),
  })
  .passthrough();
export type JobEstimate = z.infer<typeof JobEstimate>;

export const JobItemView = z
  .object({
    index: z.number(),
    input: z.string(),
    sourceId: z.string().nullable(),
    state: z.string(),
    progress: z.number(),
    etaSeconds: z.number().nullish(),
    attempts: z.number(),
    errorCode: opt(z.string()),
    errorMessage: opt(z.string()),
  })
  .passthrough();
export type JobItemView = z.infer<typeof JobItemView>;

export const JobView = z
  .object({
    id: z.string(),
    name: z.string(),
    state: z.enum(JOB_STATES),
    priority: z.number(),
    analyzers: opt(z.array(z.string())),
    context: opt(z.object({ names: opt(z.array(z.string())), notes: opt(z.string()) }).passthrough()),
    provider: opt(z.string()),
    gpuType: opt(z.string()),
    budgetUsd: opt(z.number()),
    estimate: JobEstimate.nullable(),
    costUsd: z.number(),
    progress: z.number(),
    etaSeconds: z.number().nullable(),
    pausedReason: opt(z.string()),
    errorCode: opt(z.string()),
    errorMessage: opt(z.string()),
    createdAt: z.number(),
    updatedAt: z.number(),
    startedAt: z.number().nullable(),
    finishedAt: z.number().nullable(),
    items: z.array(JobItemView),
  })
  .passthrough();
export type JobView = z.infer<typeof JobView>;

export interface CreateJobBody {
  readonly name?: string;
  readonly media: readonly string[];
  readonly priority?: number;
  readonly analyzers?: readonly string[];
  readonly context?: { readonly names?: readonly string[]; readonly notes?: string };
}

export interface StartJobBody {
  readonly provider?: ProviderName;
  readonly gpuType?: string;
  readonly budgetUsd?: number;
}

const enc = encodeURIComponent;

async function send<T>(
  path: string,
  schema: z.ZodType<T>,
  method = 'GET',
  json?: unknown,
  signal?: AbortSignal,
) {
  const res = await request(path, { method, json, signal });
  return schema.parse(await res.json());
}

/** A job answer, or the job read again when an action answers without a body (204). */
async function act(id: string, action: string, json?: unknown): Promise<JobView> {
  const res = await request(`/jobs/${enc(id)}/${action}`, { method: 'POST', json });
  const text = await res.text();
  return text ? JobView.parse(JSON.parse(text)) : jobs.get(id);
}

export const jobs = {
  list: (signal?: AbortSignal) => send('/jobs', z.array(JobView), 'GET', undefined, signal),
  get: (id: string, signal?: AbortSignal) => send(`/jobs/${enc(id)}`, JobView, 'GET', undefined, signal),
  create: (body: CreateJobBody) => send('/jobs', JobView, 'POST', body),
  estimate: (id: string, q: { provider?: ProviderName; gpuType?: string }, signal?: AbortSignal) => {
    const p = new URLSearchParams();
    if (q.provider) p.set('provider', q.provider);
    if (q.gpuType) p.set('gpuType', q.gpuType);
    const s = p.toString();
    return send(`/jobs/${enc(id)}/estimate${s ? `?${s}` : ''}`, JobEstimate, 'GET', undefined, signal);
  },
  start: (id: string, body: StartJobBody) => act(id, 'start', body),
  pause: (id: string) => act(id, 'pause'),
  resume: (id: string) => act(id, 'resume'),
  cancel: (id: string) => act(id, 'cancel'),
};

export function jobTone(state: string): StateTone {
  switch (state) {
    case 'running':
      return 'info';
    case 'done':
      return 'ok';
    case 'paused':
    case 'cancelled':
      return 'warn';
    case 'failed':
      return 'bad';
    default:
      return 'muted';
  }
}

/** Which actions a job in `state` offers (the server decides; this only hides the impossible). */
export function jobActions(state: JobState): {
  start: boolean;
  pause: boolean;
  resume: boolean;
  cancel: boolean;
} {
  return {
    start: state === 'created',
    pause: state === 'queued' || state === 'running',
    resume: state === 'paused',
    cancel: state === 'created' || state === 'queued' || state === 'running' || state === 'paused',
  };
}

/** Media inputs typed one per line; blanks and surrounding spaces dropped. */
export function parseMediaLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

/** Comma- or space-separated list; empty gives undefined (the server's default). */
export function parseList(text: string): string[] | undefined {
  const list = text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  return list.length > 0 ? list : undefined;
}

export function formatUsd(usd: number | null | undefined): string {
  if (usd === null || usd === undefined || !Number.isFinite(usd)) return '—';
  if (usd === 0) return '$0';
  return usd < 0.01 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

/** 45 s, 12 min, 3 h 05 min. */
export function formatEta(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  const h = Math.floor(s / 3600);
  return `${h} h ${String(Math.round((s % 3600) / 60)).padStart(2, '0')} min`;
}

export function formatPercent(fraction: number): string {
  return `${Math.round(Math.min(1, Math.max(0, fraction)) * 100)}%`;
}
