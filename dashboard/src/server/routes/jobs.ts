// Jobs: media grouped under one id, estimated, started (locally or on a rented GPU), paused,
// resumed, cancelled. Present only when the server has a job service.
import { z } from 'zod';
import {
  CreateJobBody,
  EstimateQuery,
  EstimateView,
  JobParams,
  JobView,
  PauseJobBody,
  StartJobBody,
} from '../../job-service/schemas.ts';
import type { JobService } from '../../job-service/types.ts';
import type { ServerDeps } from '../deps.ts';
import { defineRoute, type ApiRoute } from '../route.ts';

const notFound = { description: 'Unknown job (JOB_NOT_FOUND)' };
const badState = { description: 'Not possible in the job’s state (JOB_BAD_STATE)' };

export function jobRoutes(deps: ServerDeps): ApiRoute[] {
  const jobs = deps.jobs;
  if (!jobs) return [];
  // Session: the CLI sends the Bearer token, the Jobs page its session cookie.
  const base = { tag: 'jobs', auth: 'session' as const };
  const action = (
    verb: 'pause' | 'resume' | 'cancel',
    summary: string,
    run: (j: JobService, id: string, body: z.output<typeof PauseJobBody>) => Promise<JobView>,
  ): ApiRoute =>
    defineRoute(
      {
        ...base,
        method: 'POST',
        url: `/api/v1/jobs/:id/${verb}`,
        operationId: `${verb}Job`,
        summary,
        params: JobParams,
        body: PauseJobBody,
        responses: { 200: { description: 'The job', schema: JobView }, 404: notFound, 409: badState },
      },
      ({ params, body }) => run(jobs, params.id, body),
    );

  return [
    defineRoute(
      {
        ...base,
        method: 'POST',
        url: '/api/v1/jobs',
        operationId: 'createJob',
        summary: 'Create a job (state created): media paths, folders, uploads and URLs; nothing runs yet',
        body: CreateJobBody,
        responses: {
          201: { description: 'Created', schema: JobView },
          400: {
            description: 'Invalid body, unknown analyzer, unsupported URL, no media (JOB_MEDIA_MISSING)',
          },
          403: {
            description: 'Refused by the source guard (INGEST_SOURCE_BLOCKED, INGEST_PATH_OUTSIDE_ROOTS)',
          },
        },
      },
      async ({ body, signal }, _req, reply) => {
        const view = await jobs.create(body, signal);
        reply.status(201);
        return view;
      },
    ),
    defineRoute(
      {
        ...base,
        method: 'GET',
        url: '/api/v1/jobs',
        operationId: 'listJobs',
        summary: 'List jobs, newest first',
        responses: { 200: { description: 'All jobs', schema: z.array(JobView) } },
      },
      () => jobs.list(),
    ),
    defineRoute(
      {
        ...base,
        method: 'GET',
        url: '/api/v1/jobs/:id',
        operationId: 'getJob',
        summary: 'One job with its items, progress and ETA',
        params: JobParams,
        responses: { 200: { description: 'The job', schema: JobView }, 404: notFound },
      },
      ({ params }) => jobs.get(params.id),
    ),
    defineRoute(
      {
        ...base,
        method: 'GET',
        url: '/api/v1/jobs/:id/estimate',
        operationId: 'estimateJob',
        summary: 'Cost estimate: media duration × measured throughput of the analyzers on that GPU × price',
        params: JobParams,
        query: EstimateQuery,
        responses: {
          200: { description: 'The estimate (nothing is started)', schema: EstimateView },
          404: notFound,
          409: { description: 'No GPU pool (JOB_GPU_UNAVAILABLE) or no offer (JOB_NO_OFFER)' },
        },
      },
      ({ params, query }) => jobs.estimate(params.id, query),
    ),
    defineRoute(
      {
        ...base,
        method: 'POST',
        url: '/api/v1/jobs/:id/start',
        operationId: 'startJob',
        summary: 'Start a created job locally or on a rented GPU (runpod/vastai need budgetUsd > 0)',
        params: JobParams,
        body: StartJobBody,
        responses: {
          200: { description: 'The queued job', schema: JobView },
          400: { description: 'No or a zero budget (JOB_BUDGET_REQUIRED, JOB_BUDGET_INVALID)' },
          404: notFound,
          409: { description: 'Not created (JOB_BAD_STATE) or no GPU pool (JOB_GPU_UNAVAILABLE)' },
        },
      },
      ({ params, body }) => jobs.start(params.id, body),
    ),
    action('pause', 'Pause a queued or running job (running items stop and wait)', (j, id, b) =>
      j.pause(id, b.reason),
    ),
    action('resume', 'Resume a paused job', (j, id) => j.resume(id)),
    action('cancel', 'Cancel a job (results so far are kept)', (j, id) => j.cancel(id)),
  ];
}
