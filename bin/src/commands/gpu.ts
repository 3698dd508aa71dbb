import { parseArgs } from 'node:util';
import { z } from 'zod';
import type { GpuInstanceView } from '@aima/dashboard';
import type { GpuOffer } from '@aima/inference';
import { createApiClient } from '../api-client.ts';
import { parseFlags } from '../config.ts';
import { CliError } from '../errors.ts';
import { printer, toTable, usd } from '../output.ts';
import type { CommandContext } from './context.ts';

export const gpuUsage = `usage: aima gpu offers [--provider runpod|vastai] [--gpu-type T] [--json]
       aima gpu instances [--json]
       aima gpu stop-all [--json]
       (all: [--server URL], default http://127.0.0.1:8080; token from AIMA_TOKEN or the data directory)`;

const flagsSchema = z.object({
  server: z.string().optional(),
  json: z.boolean().default(false),
  provider: z.enum(['local', 'runpod', 'vastai']).default('runpod'),
  'gpu-type': z.string().min(1).optional(),
});

const pct = (n: number | null | undefined): string =>
  n === null || n === undefined ? '-' : `${Math.round(n)}%`;

/** `aima gpu …`: the GPU pool of a running `aima serve` (offers, rented instances, emergency stop). */
export async function gpuCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      server: { type: 'string' },
      json: { type: 'boolean' },
      provider: { type: 'string' },
      'gpu-type': { type: 'string' },
    },
  });
  const flags = parseFlags(flagsSchema, values);
  if (positionals.length !== 1) throw new CliError('CLI_USAGE', gpuUsage);
  const client = () =>
    createApiClient({ env: ctx.env, signal: ctx.signal, ...(flags.server ? { server: flags.server } : {}) });
  const out = printer(ctx.stdout, flags.json);

  switch (positionals[0]) {
    case 'offers': {
      const offers = await (
        await client()
      ).get<GpuOffer[]>('/api/v1/gpu/offers', {
        provider: flags.provider,
        gpuType: flags['gpu-type'],
      });
      return out(
        offers,
        toTable(
          ['provider', 'offer', 'gpu', 'memory', '$/h', 'availability'],
          offers.map((o) => [
            o.provider,
            o.id,
            o.gpuType,
            `${o.memoryGb} GB`,
            usd(o.pricePerHour),
            o.availability,
          ]),
        ),
      );
    }
    case 'instances': {
      const list = await (await client()).get<GpuInstanceView[]>('/api/v1/gpu/instances');
      return out(
        list,
        toTable(
          ['id', 'provider', 'job', 'gpu', 'state', '$/h', 'cost', 'budget', 'util', 'temp', 'error'],
          list.map((i) => [
            i.id,
            i.provider,
            i.jobId,
            i.gpuType,
            i.state,
            usd(i.pricePerHour),
            usd(i.costUsd),
            i.budgetUsd === null ? '-' : usd(i.budgetUsd),
            pct(i.stats?.gpuUtil),
            i.stats?.gpuTempC === null || i.stats?.gpuTempC === undefined ? '-' : `${i.stats.gpuTempC}°C`,
            i.errorCode,
          ]),
        ),
      );
    }
    case 'stop-all': {
      const r = await (await client()).post<{ stopped: number }>('/api/v1/gpu/stop-all');
      return out(r, `stopped ${r.stopped} instance${r.stopped === 1 ? '' : 's'}\n`);
    }
    default:
      throw new CliError('CLI_USAGE', gpuUsage);
  }
}
