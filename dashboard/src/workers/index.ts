// The inference workers (issue 10): the control plane's hub and the `aima worker` agent.
export { createWorkerHub } from './hub.ts';
export type { WorkerHubOptions, WorkerHubInternal, SourceGuardLike } from './hub.ts';
export type { WorkerHub, WorkerView } from './types.ts';
export { createWorkerAgent } from './agent.ts';
export type { WorkerAgent, WorkerAgentOptions } from './agent.ts';
export { parseNvidiaSmi, readGpu, readStats } from './system.ts';
