import { parseArgs } from 'node:util';
import { z } from 'zod';
import { BUILTIN_MODELS, InferenceError } from '@aima/inference';
import type { Segment, SourceRecord } from '@aima/storage';
import { loadConfig, parseFlags, timeFlag } from '../config.ts';
import { CliError } from '../errors.ts';
import { openStore } from '@aima/dashboard';
import { iso, mediaTime, toCsv, toTable, writeOutput } from '../output.ts';
import type { CommandContext } from './context.ts';

export const queryUsage = `usage: aima query [--source ID] [--from TIME] [--to TIME] [--class LABEL] [--gap MS]
                  [--limit N] [--json | --csv] [--out FILE]   (TIME: ISO-8601 or epoch ms)`;

const flagsSchema = z
  .object({
    source: z.string().optional(),
    from: timeFlag,
    to: timeFlag,
    class: z.string().optional(),
    gap: z.coerce.number().int().min(0).default(1000),
    limit: z.coerce.number().int().positive().max(100_000).default(1000),
    json: z.boolean().default(false),
    csv: z.boolean().default(false),
    out: z.string().optional(),
  })
  .refine((f) => !(f.json && f.csv), { message: 'choose one of --json and --csv', path: ['json'] });

/** Labels any known detector can produce; a query for anything else is a typo, not an empty result. */
function knownLabels(stored: readonly string[]): Set<string> {
  return new Set([...BUILTIN_MODELS.flatMap((m) => m.classes ?? []), ...stored]);
}

export async function queryCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      source: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      class: { type: 'string' },
      gap: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean' },
      csv: { type: 'boolean' },
      out: { type: 'string' },
    },
  });
  if (positionals.length > 0) throw new CliError('CLI_USAGE', queryUsage.split('\n')[0]!);
  const flags = parseFlags(flagsSchema, values);
  const store = await openStore({ ...loadConfig(ctx.env), signal: ctx.signal });
  try {
    if (flags.class && !knownLabels(await store.labels(undefined, ctx.signal)).has(flags.class)) {
      throw new InferenceError(
        'INFER_UNKNOWN_CLASS',
        `unknown class name '${flags.class}' (e.g. person, car, dog)`,
      );
    }
    const sources = new Map((await store.listSources(ctx.signal)).map((s) => [s.id, s]));
    if (flags.source && !sources.has(flags.source)) {
      throw new CliError(
        'CLI_NOT_FOUND',
        `no source with id '${flags.source}' (see aima query --json for ids)`,
      );
    }
    const segments = await store.segments({
      sourceId: flags.source,
      label: flags.class,
      from: flags.from,
      to: flags.to,
      mergeGapMs: flags.gap,
      limit: flags.limit,
      signal: ctx.signal,
    });
    const text = flags.json
      ? JSON.stringify(
          segments.map((s) => toJson(s, sources.get(s.sourceId))),
          null,
          2,
        ) + '\n'
      : flags.csv
        ? toCsv(
            HEADER,
            segments.map((s) => row(s, sources.get(s.sourceId))),
          )
        : segments.length > 0
          ? toTable(
              HEADER,
              segments.map((s) => row(s, sources.get(s.sourceId))),
            )
          : 'no segments match\n';
    if (flags.out) await writeOutput(flags.out, text);
    else ctx.stdout.write(text);
    return 0;
  } finally {
    await store.close();
  }
}

const HEADER = ['source', 'class', 'start', 'end', 'media', 'duration_s', 'tracks', 'max_score'];

/** For files, ts - epoch is the position in the media: show it, it is what a person looks for. */
function mediaRange(s: Segment, src: SourceRecord | undefined): string {
  if (!src || src.live) return '';
  return `${mediaTime(s.startTs - src.epochMs)}-${mediaTime(s.endTs - src.epochMs)}`;
}

function row(s: Segment, src: SourceRecord | undefined): Array<string | number> {
  return [
    s.sourceId,
    s.label,
    iso(s.startTs),
    iso(s.endTs),
    mediaRange(s, src),
    ((s.endTs - s.startTs) / 1000).toFixed(1),
    s.tracks,
    s.maxScore.toFixed(3),
  ];
}

function toJson(s: Segment, src: SourceRecord | undefined): Record<string, unknown> {
  const media =
    src && !src.live ? { mediaStartMs: s.startTs - src.epochMs, mediaEndMs: s.endTs - src.epochMs } : {};
  return { ...s, start: iso(s.startTs), end: iso(s.endTs), ...media, source: src?.display ?? null };
}
