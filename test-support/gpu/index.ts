// GPU provider emulators for tests: real HTTP servers on 127.0.0.1 speaking RunPod REST v2 and
// the Vast.ai API, with instance lifecycles, per-second billing, boot hooks and fault injection.
export { startRunpodEmulator, DEFAULT_RUNPOD_CATALOG } from './runpod-emulator.ts';
export type { RunpodEmulator, RunpodEmulatorOptions, RunpodGpuType } from './runpod-emulator.ts';
export { startVastEmulator, DEFAULT_VAST_MACHINES } from './vast-emulator.ts';
export type { VastEmulator, VastEmulatorOptions, VastMachine } from './vast-emulator.ts';
export { processBoot } from './boot.ts';
export { seededRandom } from './server.ts';
export type { BootedChild, ProcessBootOptions } from './boot.ts';
export type {
  EmuBootHook,
  EmuBootInstance,
  EmuBooted,
  EmuInstanceView,
  EmulatorBaseOptions,
  FaultRule,
  GpuEmulator,
  HttpFault,
  InstanceFaults,
  RandomFaults,
  RequestLogEntry,
} from './types.ts';
