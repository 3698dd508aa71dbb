export { createJobService } from './service.ts';
export { isTransientFailure, retryDelay } from './classify.ts';
export { estimateJob, loadThroughput, throughputOf, deviceClass } from './estimate.ts';
export type { ThroughputTable } from './estimate.ts';
export { expandMedia } from './media.ts';
export type { MediaItem } from './media.ts';
export {
  CreateJobBody,
  EstimateQuery,
  EstimateView,
  JobItemView,
  JobParams,
  JobView,
  PauseJobBody,
  StartJobBody,
} from './schemas.ts';
export type {
  CreateJobRequest,
  JobGpuPool,
  JobPayload,
  JobProvider,
  JobQueueLike,
  JobService,
  JobServiceOptions,
  JobSourceGuard,
  StartJobRequest,
} from './types.ts';
