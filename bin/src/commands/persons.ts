import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { dossier, listPersonViews, openStore, type DossierView } from '@aima/dashboard';
import { loadConfig, parseFlags } from '../config.ts';
import { CliError } from '../errors.ts';
import { iso, mediaTime, toCsv, toTable, writeOutput } from '../output.ts';
import type { CommandContext } from './context.ts';

export const personsUsage = `usage: aima persons [PERSON_ID] [--name TEXT] [--all] [--json | --csv] [--out FILE]
                    (PERSON_ID: one dossier; --all: include persons below the minimum screen time)`;

const flagsSchema = z
  .object({
    name: z.string().optional(),
    all: z.boolean().default(false),
    json: z.boolean().default(false),
    csv: z.boolean().default(false),
    out: z
      .string()
      .regex(/\.(json|csv)$/i, 'must end in .json or .csv')
      .optional(),
  })
  .refine((f) => !(f.json && f.csv), { message: 'choose one of --json and --csv', path: ['json'] });

/** One appearance as the CLI reports it: which media file, and when in it. */
interface AppearanceOut {
  readonly sourceId: string;
  readonly appearanceId: number;
  /** The media file: the video, or the image inside a folder. */
  readonly file: string;
  readonly start: string;
  readonly end: string;
  /** Seconds from the start of the media (0 for images). */
  readonly mediaStartS: number;
  readonly mediaEndS: number;
  readonly faces: number;
  readonly assignment: string;
}

export async function personsCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      all: { type: 'boolean' },
      json: { type: 'boolean' },
      csv: { type: 'boolean' },
      out: { type: 'string' },
    },
  });
  if (positionals.length > 1) throw new CliError('CLI_USAGE', personsUsage.split('\n')[0]!);
  const flags = parseFlags(flagsSchema, values);
  const config = loadConfig(ctx.env);
  const store = await openStore({ ...config, signal: ctx.signal });
  let dossiers: DossierView[];
  let epochs: Map<string, number>;
  try {
    const ids =
      positionals.length === 1
        ? [positionals[0]!]
        : (await listPersonViews(store, config.persons, { search: flags.name, all: flags.all })).map(
            (p) => p.id,
          );
    dossiers = [];
    for (const id of ids) dossiers.push(await dossier(store, id, config.persons, ctx.signal));
    epochs = new Map((await store.listSources(ctx.signal)).map((s) => [s.id, s.epochMs]));
  } finally {
    await store.close();
  }
  const persons = dossiers.map((d) => ({
    ...d.person,
    names: d.names,
    items: d.appearances.map((a): AppearanceOut => {
      const epoch = epochs.get(a.sourceId) ?? a.startTs;
      return {
        sourceId: a.sourceId,
        appearanceId: a.appearanceId,
        file: a.media !== '' ? path.join(a.source, a.media) : a.source,
        start: iso(a.startTs),
        end: iso(a.endTs),
        mediaStartS: a.media !== '' ? 0 : (a.startTs - epoch) / 1000,
        mediaEndS: a.media !== '' ? 0 : (a.endTs - epoch) / 1000,
        faces: a.faces,
        assignment: a.assignment,
      };
    }),
  }));
  const format = flags.out
    ? path.extname(flags.out).slice(1).toLowerCase()
    : flags.json
      ? 'json'
      : flags.csv
        ? 'csv'
        : 'text';
  const csv = (): string =>
    toCsv(
      [
        'person_id',
        'name',
        'source_id',
        'appearance_id',
        'file',
        'start',
        'end',
        'media_start_s',
        'media_end_s',
        'faces',
        'assignment',
      ],
      persons.flatMap((p) =>
        p.items.map((a) => [
          p.id,
          p.name,
          a.sourceId,
          a.appearanceId,
          a.file,
          a.start,
          a.end,
          a.mediaStartS.toFixed(3),
          a.mediaEndS.toFixed(3),
          a.faces,
          a.assignment,
        ]),
      ),
    );
  const text =
    format === 'json'
      ? JSON.stringify(persons, null, 2) + '\n'
      : format === 'csv'
        ? csv()
        : persons.length === 0
          ? 'no persons yet\n'
          : toTable(
              ['person', 'name', 'appearances', 'screen', 'sources', 'first seen in'],
              persons.map((p) => [
                p.id,
                p.name,
                p.appearances,
                mediaTime(p.screenMs),
                p.sources,
                p.items[0]
                  ? `${p.items[0].file}${p.items[0].mediaStartS ? ` @ ${mediaTime(p.items[0].mediaStartS * 1000)}` : ''}`
                  : '',
              ]),
            );
  if (flags.out) await writeOutput(flags.out, text);
  else ctx.stdout.write(text);
  return 0;
}
