// GPU provider clients: RunPod REST v2, Vast.ai and the local (price 0) provider.
export { createRunpodProvider, runpodState, RUNPOD_DEFAULT_BASE_URL } from './runpod.ts';
export type { RunpodProviderOptions } from './runpod.ts';
export { createVastProvider, vastState, VAST_DEFAULT_BASE_URL } from './vast.ts';
export type { VastProviderOptions } from './vast.ts';
export { createLocalProvider } from './local.ts';
export type { LocalProvider, LocalProviderOptions } from './local.ts';
export type * from './provider.ts';
