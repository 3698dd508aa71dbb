// The GpuEmulator surface both emulators expose over their HTTP shell and instance lifecycle; each
// adds its own base URL and key, and how an instance reads in its dialect.
import type { Instance, Lifecycle } from './lifecycle.ts';
import type { EmuServer } from './server.ts';
import type { EmuInstanceView, GpuEmulator } from './types.ts';

export function emulatorSurface<X>(
  server: EmuServer,
  life: Lifecycle<X>,
  view: (inst: Instance<X>) => EmuInstanceView,
): Omit<GpuEmulator, 'url' | 'apiKey'> {
  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= Promise.all([server.close(), life.close()]).then(() => undefined);
    return closing;
  };
  return {
    requests: server.requests,
    injectFault: server.injectFault,
    setRandomFaults: server.setRandomFaults,
    setInstanceFaults: (f) => life.setFaults(f),
    bootNow: (id) => {
      const inst = life.get(id);
      if (inst) life.bootNow(inst);
    },
    killInstance: async (id) => {
      const inst = life.get(id);
      if (inst) await life.kill(inst);
    },
    instances: () => life.all().map(view),
    liveInstances: () => life.live().map(view),
    billedUsd: (id) => {
      const inst = life.get(id);
      return inst ? life.billedUsd(inst) : 0;
    },
    totalBilledUsd: () => life.all().reduce((s, p) => s + life.billedUsd(p), 0),
    close,
    [Symbol.asyncDispose]: close,
  };
}
