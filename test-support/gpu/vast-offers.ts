// Vast.ai offer catalogue for the emulator: machines, asks that can be rented once (a fresh ask is
// listed for the machine afterwards when restock is on), and the bundles query language
// (`{"field": {"op": value}}`, ops eq neq gt gte lt lte in notin; order; limit).

export interface VastMachine {
  readonly gpuName: string;
  /** MB, as in the REST API. */
  readonly gpuRamMb: number;
  /** USD/h for the GPU (dph_base). */
  readonly dphBase: number;
  /** USD per GB per month of disk. */
  readonly storageCost: number;
  readonly verified: boolean;
  readonly reliability: number;
}

export const DEFAULT_VAST_MACHINES: readonly VastMachine[] = [
  {
    gpuName: 'RTX 4090',
    gpuRamMb: 24564,
    dphBase: 0.4,
    storageCost: 0.15,
    verified: true,
    reliability: 0.995,
  },
  {
    gpuName: 'RTX 4090',
    gpuRamMb: 24564,
    dphBase: 0.36,
    storageCost: 0.2,
    verified: false,
    reliability: 0.97,
  },
  {
    gpuName: 'RTX 3090',
    gpuRamMb: 24576,
    dphBase: 0.22,
    storageCost: 0.1,
    verified: true,
    reliability: 0.99,
  },
  {
    gpuName: 'A100 PCIE',
    gpuRamMb: 40960,
    dphBase: 1.1,
    storageCost: 0.15,
    verified: true,
    reliability: 0.998,
  },
];

export interface Ask {
  readonly id: number;
  readonly machineId: number;
  readonly machine: VastMachine;
  rented: boolean;
}

/** Hourly disk charge for `diskGb` at `storageCost` $/GB/month (doc §2.8: 30-day month). */
export const storageHour = (m: VastMachine, diskGb: number): number => (diskGb * m.storageCost) / 720;

export function offerJson(a: Ask, diskGb: number): Record<string, unknown> {
  const m = a.machine;
  const disk = storageHour(m, diskGb);
  return {
    id: a.id,
    ask_contract_id: a.id,
    machine_id: a.machineId,
    host_id: 50000 + a.machineId,
    gpu_name: m.gpuName,
    num_gpus: 1,
    gpu_ram: m.gpuRamMb,
    cuda_max_good: 12.8,
    dph_base: m.dphBase,
    dph_total: m.dphBase + disk,
    min_bid: Math.round(m.dphBase * 50) / 100,
    storage_cost: m.storageCost,
    inet_up_cost: 0.005,
    inet_down_cost: 0.005,
    reliability: m.reliability,
    verification: m.verified ? 'verified' : 'unverified',
    verified: m.verified,
    geolocation: 'Loopback, LO',
    direct_port_count: 42,
    public_ipaddr: '127.0.0.1',
    rentable: !a.rented,
    rented: a.rented,
    external: false,
    search: { gpuCostPerHour: m.dphBase, diskHour: disk, totalHour: m.dphBase + disk },
  };
}

const OPS: Readonly<Record<string, (a: unknown, b: unknown) => boolean>> = {
  eq: (a, b) => a === b,
  neq: (a, b) => a !== b,
  gt: (a, b) => (a as number) > (b as number),
  gte: (a, b) => (a as number) >= (b as number),
  lt: (a, b) => (a as number) < (b as number),
  lte: (a, b) => (a as number) <= (b as number),
  in: (a, b) => Array.isArray(b) && b.includes(a),
  notin: (a, b) => Array.isArray(b) && !b.includes(a),
};
const NOT_FILTERS = new Set(['order', 'type', 'limit', 'allocated_storage', 'disk_space']);

/** Runs a bundles query; returns the error text for a malformed one. */
export function searchOffers(
  asks: readonly Ask[],
  q: Record<string, unknown>,
): { offers: Record<string, unknown>[] } | { error: string } {
  const disk = typeof q.allocated_storage === 'number' ? q.allocated_storage : 10;
  const type = q.type ?? 'on-demand';
  if (!['on-demand', 'ondemand', 'bid', 'reserved'].includes(type as string))
    return { error: `bad type ${String(type)}` };
  let rows = asks.map((a) => offerJson(a, disk));
  for (const [field, cond] of Object.entries(q)) {
    if (NOT_FILTERS.has(field)) continue;
    if (typeof cond !== 'object' || cond === null) return { error: `filter ${field} must be an object` };
    for (const [op, value] of Object.entries(cond)) {
      const f = OPS[op];
      if (f === undefined) return { error: `unknown operator ${op} on ${field}` };
      rows = rows.filter((r) => !(field in r) || f(r[field], value));
    }
  }
  const order = Array.isArray(q.order) ? (q.order as unknown[]) : [['score', 'desc']];
  for (const o of [...order].reverse()) {
    if (!Array.isArray(o) || typeof o[0] !== 'string') return { error: 'order must be [[field, dir], ...]' };
    const [col, dir] = o as [string, string?];
    const sign = dir === 'desc' ? -1 : 1;
    rows.sort((a, b) => sign * (((a[col] as number) ?? 0) - ((b[col] as number) ?? 0)));
  }
  const limit = typeof q.limit === 'number' ? q.limit : 64;
  return { offers: rows.slice(0, limit) };
}
