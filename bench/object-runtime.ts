// The runtime the load and latency benches share: the object pipeline alone, on the CPU, offline.
import { openRuntime, type Runtime } from '@aima/dashboard';

/**
 * detect + shots with YOLOX-Nano, comparable with earlier runs: faces have their own bench
 * (faces-pipeline), audio its own (audio), as before analyzers were plugins.
 */
export function openObjectRuntime(dataDir: string, modelsDir: string): Promise<Runtime> {
  return openRuntime({
    dataDir,
    modelsDir,
    executionProvider: 'cpu',
    offline: true,
    modelId: 'yolox-nano',
    faces: { enabled: false },
    analyzers: ['detect', 'shots'],
  });
}
