// The `local` provider: price 0, and an "instance" is a worker process on this machine started by
// an injected boot function. Same interface as the paid providers, so the pool has one code path.
import { InferenceError } from '../errors.ts';
import type {
  BootHook,
  BootedProcess,
  GpuOffer,
  GpuProvider,
  InstanceState,
  ProviderInstance,
} from './provider.ts';

export interface LocalProviderOptions {
  /** Starts one worker process for the instance (e.g. spawns `aima worker --token …`). */
  readonly boot: BootHook;
  /** Clock for startedAt (default Date.now). */
  readonly now?: () => number;
  /** Most instances alive at once (default 4); create beyond → GPU_NO_CAPACITY. */
  readonly maxInstances?: number;
}

export interface LocalProvider extends GpuProvider {
  /** Kills every process this provider started. Idempotent. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

interface Box {
  readonly id: string;
  readonly label: string;
  readonly env: Readonly<Record<string, string>>;
  state: InstanceState;
  startedAt: number | null;
  proc: BootedProcess | null;
}

const OFFER: GpuOffer = Object.freeze({
  provider: 'local',
  id: 'local',
  gpuType: 'local',
  gpuName: 'this machine',
  memoryGb: 0,
  pricePerHour: 0,
  availability: 'local',
});

export function createLocalProvider(opts: LocalProviderOptions): LocalProvider {
  const now = opts.now ?? Date.now;
  const boxes = new Map<string, Box>();
  const booting = new Set<Promise<void>>();
  let seq = 0;
  let closed = false;

  const view = (b: Box): ProviderInstance => ({
    provider: 'local',
    id: b.id,
    label: b.label,
    state: b.state,
    rawStatus: b.state,
    pricePerHour: 0,
    startedAt: b.startedAt,
    env: b.env,
  });

  const stop = async (b: Box, state: InstanceState): Promise<void> => {
    b.state = state;
    const p = b.proc;
    b.proc = null;
    if (p) await p.kill().catch(() => undefined);
  };

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      closed = true;
      await Promise.all(
        [...boxes.values()].map((b) => (b.state === 'terminated' ? null : stop(b, 'terminated'))),
      );
      await Promise.all([...booting]);
    })();
    return closing;
  };

  return {
    name: 'local',
    close,
    [Symbol.asyncDispose]: close,
    offers: (q = {}) => Promise.resolve(q.gpuType === undefined || q.gpuType === 'local' ? [OFFER] : []),

    create(req, signal) {
      if (signal?.aborted) return Promise.reject(new InferenceError('GPU_ABORTED', 'local create: aborted'));
      if (closed)
        return Promise.reject(new InferenceError('GPU_PROVIDER_UNREACHABLE', 'local provider closed'));
      const alive = [...boxes.values()].filter((b) => b.state === 'pending' || b.state === 'running').length;
      if (alive >= (opts.maxInstances ?? 4)) {
        return Promise.reject(
          new InferenceError('GPU_NO_CAPACITY', `local: ${alive} local workers already running`),
        );
      }
      const id = `local-${process.pid}-${++seq}`;
      const box: Box = {
        id,
        label: req.label,
        env: { ...req.env },
        state: 'pending',
        startedAt: null,
        proc: null,
      };
      boxes.set(id, box);
      // Boot in the background, like a provider: create answers pending, get() shows running.
      const bootDone: Promise<void> = opts.boot({ id, label: req.label, env: box.env }).then(
        (proc) => {
          if (box.state !== 'pending' || closed) {
            void proc.kill().catch(() => undefined);
            return;
          }
          box.proc = proc;
          box.state = 'running';
          box.startedAt = now();
          void proc.exited?.then(() => {
            if (box.proc === proc) {
              box.proc = null;
              box.state = 'failed';
            }
          });
        },
        () => {
          if (box.state === 'pending') box.state = 'failed';
        },
      );
      booting.add(bootDone);
      void bootDone.finally(() => booting.delete(bootDone));
      return Promise.resolve(view(box));
    },

    get: (id) => {
      const b = boxes.get(id);
      return Promise.resolve(b === undefined || b.state === 'terminated' ? null : view(b));
    },

    list: () => Promise.resolve([...boxes.values()].filter((b) => b.state !== 'terminated').map(view)),

    async terminate(id) {
      const b = boxes.get(id);
      if (b === undefined || b.state === 'terminated') return;
      await stop(b, 'terminated');
      boxes.delete(id); // gone, like a provider's terminated instance: the map stays bounded
    },

    billing: () => Promise.resolve(0), // never billed
  };
}
