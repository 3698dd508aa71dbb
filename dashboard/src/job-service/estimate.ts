import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { DashboardError } from '../errors.ts';
import type { EstimateView } from './schemas.ts';
import type { JobGpuPool, JobProvider } from './types.ts';

const Speed = z.union([
  z.object({ fps: z.number().positive(), basis: z.enum(['measured', 'estimated']) }),
  z.object({ rtf: z.number().positive(), basis: z.enum(['measured', 'estimated']) }),
]);
const Table = z.object({
  devices: z.record(z.object({ label: z.string(), analyzers: z.record(Speed), default: Speed })),
  gpuClasses: z.array(z.object({ match: z.string(), device: z.string() })),
  local: z.string(),
});
export type ThroughputTable = z.infer<typeof Table>;

const BUILT_IN = new URL('./throughput.json', import.meta.url);

/** Reads (and checks) a throughput table; the built-in one by default. */
export function loadThroughput(file?: string): ThroughputTable {
  const table = Table.parse(JSON.parse(readFileSync(file ?? BUILT_IN, 'utf8')));
  for (const c of [table.local, ...table.gpuClasses.map((g) => g.device)]) {
    if (!(c in table.devices)) throw new Error(`throughput table: unknown device class '${c}'`);
  }
  return table;
}

/** The device class of a provider/GPU type: the local machine, or the first class whose pattern matches. */
export function deviceClass(table: ThroughputTable, provider: JobProvider, gpuType: string | null): string {
  if (provider === 'local') return table.local;
  const name = gpuType ?? '';
  return table.gpuClasses.find((c) => new RegExp(c.match, 'i').test(name))?.device ?? table.local;
}

/**
 * Media seconds analysed per wall second when `analyzers` all run on each frame/second of media at
 * `fps`: their costs add up (frame-bound analyzers cost fps/framesPerSecond, audio ones 1/rtf).
 */
export function throughputOf(
  table: ThroughputTable,
  device: string,
  analyzers: readonly string[],
  fps: number,
): { throughput: number; basis: 'measured' | 'estimated' } {
  const d = table.devices[device]!;
  let wallPerMediaSecond = 0;
  let measured = true;
  for (const id of analyzers) {
    const s = d.analyzers[id] ?? d.default;
    if (s.basis !== 'measured' || !(id in d.analyzers)) measured = false;
    wallPerMediaSecond += 'fps' in s ? fps / s.fps : 1 / s.rtf;
  }
  if (wallPerMediaSecond === 0) return { throughput: Infinity, basis: 'estimated' };
  return { throughput: 1 / wallPerMediaSecond, basis: measured ? 'measured' : 'estimated' };
}

/**
 * media duration × (1 / throughput of the analyzers on that device) × price. Reads offers only;
 * never creates anything. Local is price 0; a paid provider needs the GPU pool and an offer.
 */
export async function estimateJob(opts: {
  readonly table: ThroughputTable;
  readonly gpu: JobGpuPool | undefined;
  readonly provider: JobProvider;
  readonly gpuType: string | null;
  readonly analyzers: readonly string[];
  readonly fps: number;
  readonly durationsMs: ReadonlyArray<number | null>;
}): Promise<EstimateView> {
  let pricePerHour = 0;
  let gpuType = opts.gpuType;
  if (opts.provider !== 'local') {
    if (!opts.gpu) {
      throw new DashboardError('JOB_GPU_UNAVAILABLE', `no GPU pool is configured for '${opts.provider}'`);
    }
    const offers = await opts.gpu.offers(opts.provider, opts.gpuType ?? undefined);
    const cheapest = [...offers].sort((a, b) => a.pricePerHour - b.pricePerHour)[0];
    if (!cheapest) {
      throw new DashboardError(
        'JOB_NO_OFFER',
        `no ${opts.provider} offer${opts.gpuType ? ` for GPU type '${opts.gpuType}'` : ''}`,
      );
    }
    pricePerHour = cheapest.pricePerHour;
    gpuType ??= cheapest.gpuType;
  }
  const device = deviceClass(opts.table, opts.provider, gpuType);
  const { throughput, basis } = throughputOf(opts.table, device, opts.analyzers, opts.fps);
  const known = opts.durationsMs.filter((d): d is number => d !== null);
  const mediaSeconds = known.reduce((a, b) => a + b, 0) / 1000;
  const gpuSeconds = Number.isFinite(throughput) ? mediaSeconds / throughput : 0;
  return {
    usd: Math.round((gpuSeconds / 3600) * pricePerHour * 1e6) / 1e6,
    gpuSeconds: Math.round(gpuSeconds * 1000) / 1000,
    mediaSeconds: Math.round(mediaSeconds * 10) / 10,
    pricePerHour,
    throughput: Number.isFinite(throughput) ? Math.round(throughput * 100) / 100 : 0,
    basis,
    provider: opts.provider,
    gpuType,
    unknownItems: opts.durationsMs.length - known.length,
  };
}
