import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { openStore } from '@aima/dashboard';
import {
  TRANSCRIPT_FORMATS,
  formatTranscript,
  speakerNames,
  type TranscriptFormat,
  type TranscriptSegmentRecord,
} from '@aima/storage';
import { loadConfig, parseFlags, timeFlag } from '../config.ts';
import { CliError } from '../errors.ts';
import { iso, mediaTime, writeOutput } from '../output.ts';
import type { CommandContext } from './context.ts';

export const transcriptUsage = `usage: aima transcript <SOURCE_ID> [--vtt | --srt | --json | --csv] [--speaker S1]
                  [--from TIME] [--to TIME] [--out FILE]   (--out FILE.vtt|.srt|.json|.csv picks the format)`;

const flagsSchema = z
  .object({
    vtt: z.boolean().default(false),
    srt: z.boolean().default(false),
    json: z.boolean().default(false),
    csv: z.boolean().default(false),
    speaker: z.string().min(1).optional(),
    from: timeFlag,
    to: timeFlag,
    out: z.string().optional(),
  })
  .refine((f) => TRANSCRIPT_FORMATS.filter((k) => f[k]).length <= 1, {
    message: 'choose one of --vtt, --srt, --json and --csv',
    path: ['vtt'],
  });

/** The chosen format: a flag, else the --out extension, else text for the terminal. */
function formatOf(flags: z.infer<typeof flagsSchema>): TranscriptFormat | 'text' {
  const flag = TRANSCRIPT_FORMATS.find((k) => flags[k]);
  if (flag) return flag;
  if (!flags.out) return 'text';
  const ext = path.extname(flags.out).slice(1).toLowerCase();
  if ((TRANSCRIPT_FORMATS as readonly string[]).includes(ext)) return ext as TranscriptFormat;
  throw new CliError(
    'CLI_BAD_VALUE',
    `--out: '${flags.out}' must end in .vtt, .srt, .json or .csv (or add --vtt, ...)`,
  );
}

/** `[0:00:05.6] S1: text` lines: media time for files, ISO time for live sources. */
function textLines(rows: readonly TranscriptSegmentRecord[], epochMs: number | null): string {
  if (rows.length === 0) return 'no transcript for this source\n';
  return rows
    .map((r) => {
      const at = epochMs === null ? iso(r.startTs) : mediaTime(r.startTs - epochMs);
      const who = r.personId || r.speakerId;
      return `[${at}] ${who ? `${who}: ` : ''}${r.text}`;
    })
    .join('\n')
    .concat('\n');
}

export async function transcriptCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      vtt: { type: 'boolean' },
      srt: { type: 'boolean' },
      json: { type: 'boolean' },
      csv: { type: 'boolean' },
      speaker: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      out: { type: 'string' },
    },
  });
  if (positionals.length !== 1) throw new CliError('CLI_USAGE', transcriptUsage.split('\n')[0]!);
  const sourceId = positionals[0]!;
  const flags = parseFlags(flagsSchema, values);
  const format = formatOf(flags);
  const store = await openStore({ ...loadConfig(ctx.env), signal: ctx.signal });
  let text: string;
  try {
    const src = await store.getSource(sourceId, ctx.signal);
    if (!src)
      throw new CliError('CLI_NOT_FOUND', `no source with id '${sourceId}' (see aima query --json for ids)`);
    const rows = await store.listTranscript({
      sourceId,
      speakerId: flags.speaker,
      fromTs: flags.from,
      toTs: flags.to,
      limit: 1_000_000,
      signal: ctx.signal,
    });
    const epochMs = src.live ? null : src.epochMs;
    if (format === 'text') text = textLines(rows, epochMs);
    else {
      // Only the file formats name speakers by the user's labels.
      const speakers = await store.listSpeakers({ sourceId, signal: ctx.signal });
      text = formatTranscript(rows, format, {
        epochMs: epochMs ?? undefined,
        speakerNames: speakerNames(speakers),
      });
    }
  } finally {
    await store.close();
  }
  if (flags.out) await writeOutput(flags.out, text);
  else ctx.stdout.write(text);
  return 0;
}
