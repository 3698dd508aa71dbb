import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import type { EstimateView, JobView } from '@aima/dashboard';
import { createApiClient, type ApiClient } from '../api-client.ts';
import { parseFlags } from '../config.ts';
import { CliError } from '../errors.ts';
import { printer, toTable, usd } from '../output.ts';
import type { CommandContext } from './context.ts';

export const jobsUsage = `usage: aima jobs create <media…> [--name N] [--priority P] [--analyzers a,b] [--names A,B] [--notes T] [--json]
       aima jobs list|show <id> [--json]
       aima jobs estimate <id> [--provider local|runpod|vastai] [--gpu-type T] [--json]
       aima jobs start <id> [--provider local|runpod|vastai] [--budget USD] [--gpu-type T] [--json]
       aima jobs pause <id> [--reason T]|resume <id>|cancel <id> [--json]
       (all: [--server URL], default http://127.0.0.1:8080; token from AIMA_TOKEN or the data directory)`;

const list = (s: string | undefined): string[] | undefined =>
  s === undefined
    ? undefined
    : s
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x !== '');

const flagsSchema = z.object({
  server: z.string().optional(),
  json: z.boolean().default(false),
  name: z.string().min(1).max(200).optional(),
  priority: z.coerce.number().int().min(-100).max(100).optional(),
  analyzers: z.string().optional(),
  names: z.string().optional(),
  notes: z.string().max(10_000).optional(),
  provider: z.enum(['local', 'runpod', 'vastai']).optional(),
  budget: z.coerce.number().min(0).optional(),
  'gpu-type': z.string().min(1).optional(),
  reason: z.string().max(500).optional(),
});

const pct = (p: number): string => `${Math.round(p * 100)}%`;
const eta = (s: number | null): string =>
  s === null ? '-' : s < 90 ? `${Math.round(s)}s` : `${Math.round(s / 60)}m`;

function showJob(j: JobView): string {
  const lines = [
    `job ${j.id}  ${j.name}`,
    `state     ${j.state}${j.pausedReason ? ` (${j.pausedReason})` : ''}`,
    `progress  ${pct(j.progress)}  eta ${eta(j.etaSeconds)}`,
    `provider  ${j.provider ?? '-'}${j.gpuType ? ` ${j.gpuType}` : ''}${j.budgetUsd !== null ? `  budget ${usd(j.budgetUsd)}` : ''}`,
    `cost      ${usd(j.costUsd)}${j.estimate ? `  (estimate ${usd(j.estimate.usd)}, ${j.estimate.mediaSeconds}s media)` : ''}`,
  ];
  if (j.errorCode) lines.push(`error     ${j.errorCode}: ${j.errorMessage ?? ''}`);
  return (
    lines.join('\n') +
    '\n\n' +
    toTable(
      ['#', 'state', 'progress', 'eta', 'tries', 'source', 'input', 'error'],
      j.items.map((i) => [
        i.index + 1,
        i.state,
        pct(i.progress),
        eta(i.etaSeconds),
        i.attempts,
        i.sourceId ?? '-',
        i.input,
        i.errorCode ?? '',
      ]),
    )
  );
}

/** `aima jobs …`: the job API of a running `aima serve`. */
export async function jobsCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      server: { type: 'string' },
      json: { type: 'boolean' },
      name: { type: 'string' },
      priority: { type: 'string' },
      analyzers: { type: 'string' },
      names: { type: 'string' },
      notes: { type: 'string' },
      provider: { type: 'string' },
      budget: { type: 'string' },
      'gpu-type': { type: 'string' },
      reason: { type: 'string' },
    },
  });
  const [verb, ...args] = positionals;
  const flags = parseFlags(flagsSchema, values);
  const needId = (): string => {
    if (args.length !== 1) throw new CliError('CLI_USAGE', jobsUsage);
    return encodeURIComponent(args[0]!);
  };
  const client = (): Promise<ApiClient> =>
    createApiClient({ env: ctx.env, signal: ctx.signal, ...(flags.server ? { server: flags.server } : {}) });
  const out = printer(ctx.stdout, flags.json);

  switch (verb) {
    case 'create': {
      if (args.length === 0) throw new CliError('CLI_USAGE', jobsUsage);
      // Paths are the user's, relative to their shell; the server resolves nothing for them.
      const media = args.map((m) => (/^[a-z][a-z0-9+.-]*:\/\//i.test(m) ? m : path.resolve(m)));
      const names = list(flags.names);
      const body = {
        media,
        ...(flags.name ? { name: flags.name } : {}),
        ...(flags.priority !== undefined ? { priority: flags.priority } : {}),
        ...(flags.analyzers ? { analyzers: list(flags.analyzers) } : {}),
        ...(names || flags.notes ? { context: { ...(names ? { names } : {}), ...(flags.notes ? { notes: flags.notes } : {}) } } : {}),
      }; // prettier-ignore
      const j = await (await client()).post<JobView>('/api/v1/jobs', body);
      return out(
        j,
        `created ${j.id} (${j.items.length} item${j.items.length === 1 ? '' : 's'}, state ${j.state})\n`,
      );
    }
    case 'list': {
      if (args.length > 0) throw new CliError('CLI_USAGE', jobsUsage);
      const jobs = await (await client()).get<JobView[]>('/api/v1/jobs');
      return out(
        jobs,
        toTable(
          ['id', 'name', 'state', 'progress', 'eta', 'items', 'priority', 'provider'],
          jobs.map((j) => [j.id, j.name, j.state, pct(j.progress), eta(j.etaSeconds), j.items.length, j.priority, j.provider ?? '-']),
        ),
      ); // prettier-ignore
    }
    case 'show': {
      const j = await (await client()).get<JobView>(`/api/v1/jobs/${needId()}`);
      return out(j, showJob(j));
    }
    case 'estimate': {
      const e = await (
        await client()
      ).get<EstimateView>(`/api/v1/jobs/${needId()}/estimate`, {
        provider: flags.provider,
        gpuType: flags['gpu-type'],
      });
      return out(
        e,
        `${usd(e.usd)} for ${e.mediaSeconds}s of media: ${e.gpuSeconds}s at ${e.throughput}x real time ` +
          `on ${e.provider}${e.gpuType ? ` ${e.gpuType}` : ''} (${usd(e.pricePerHour)}/h, ${e.basis})` +
          (e.unknownItems > 0 ? `; ${e.unknownItems} item(s) of unknown length not priced` : '') +
          '\n',
      );
    }
    case 'start': {
      const id = needId();
      const j = await (
        await client()
      ).post<JobView>(`/api/v1/jobs/${id}/start`, {
        provider: flags.provider ?? 'local',
        ...(flags.budget !== undefined ? { budgetUsd: flags.budget } : {}),
        ...(flags['gpu-type'] ? { gpuType: flags['gpu-type'] } : {}),
      });
      return out(j, `${j.id} ${j.state}\n`);
    }
    case 'pause':
    case 'resume':
    case 'cancel': {
      const id = needId();
      const body = verb === 'pause' && flags.reason ? { reason: flags.reason } : {};
      const j = await (await client()).post<JobView>(`/api/v1/jobs/${id}/${verb}`, body);
      return out(j, `${j.id} ${j.state}\n`);
    }
    default:
      throw new CliError('CLI_USAGE', jobsUsage);
  }
}
