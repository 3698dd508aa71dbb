import { parseArgs } from 'node:util';
import { z } from 'zod';
import { DashboardError, openStore } from '@aima/dashboard';
import type { SourceRecord, TranscriptHit } from '@aima/storage';
import { loadConfig, parseFlags } from '../config.ts';
import { CliError } from '../errors.ts';
import { iso, mediaTime, toTable, writeOutput } from '../output.ts';
import type { CommandContext } from './context.ts';

export const searchUsage = `usage: aima search "WORDS" [--source ID] [--person ID] [--limit N] [--json] [--out FILE]
                  (segments of every transcript holding all the words, any case)`;

const flagsSchema = z.object({
  source: z.string().min(1).optional(),
  person: z.string().min(1).optional(),
  limit: z.coerce.number().int().positive().max(1000).default(100),
  json: z.boolean().default(false),
  out: z.string().optional(),
});

/** One hit as the CLI reports it: where, and when (media time for files) to jump to. */
export interface SearchHitOut {
  readonly sourceId: string;
  readonly segmentId: string;
  /** Epoch ms of the first matching word (or the segment start). */
  readonly ts: number;
  readonly time: string;
  /** Position in the media file (files only). */
  readonly mediaMs: number | null;
  readonly speakerId: string;
  readonly personId: string;
  readonly text: string;
  readonly matches: readonly string[];
  /** The dashboard route that plays the source from ts. */
  readonly playbackUrl: string;
}

function hitOut(h: TranscriptHit, src: SourceRecord | undefined): SearchHitOut {
  const first = h.matches.reduce((min, w) => Math.min(min, w.startTs), Number.POSITIVE_INFINITY);
  const ts = Number.isFinite(first) ? first : h.startTs;
  return {
    sourceId: h.sourceId,
    segmentId: h.segmentId,
    ts,
    time: iso(ts),
    mediaMs: src && !src.live ? ts - src.epochMs : null,
    speakerId: h.speakerId,
    personId: h.personId,
    text: h.text,
    matches: h.matches.map((w) => w.word),
    playbackUrl: `/#/playback/${encodeURIComponent(h.sourceId)}?ts=${Math.round(ts)}`,
  };
}

export async function searchCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      source: { type: 'string' },
      person: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean' },
      out: { type: 'string' },
    },
  });
  const q = positionals.join(' ').trim();
  if (q === '') throw new CliError('CLI_USAGE', searchUsage.split('\n')[0]!);
  const flags = parseFlags(flagsSchema, values);
  const store = await openStore({ ...loadConfig(ctx.env), signal: ctx.signal });
  let hits: SearchHitOut[];
  try {
    const sources = new Map((await store.listSources(ctx.signal)).map((s) => [s.id, s]));
    if (flags.source && !sources.has(flags.source))
      throw new CliError(
        'CLI_NOT_FOUND',
        `no source with id '${flags.source}' (see aima query --json for ids)`,
      );
    if (flags.person) {
      const p = await store.getPerson(flags.person, ctx.signal);
      if (!p || p.deleted)
        throw new DashboardError('PERSON_NOT_FOUND', `no person '${flags.person}' (see aima persons)`);
    }
    const found = await store.searchTranscripts({
      q,
      sourceId: flags.source,
      personId: flags.person,
      limit: flags.limit,
      signal: ctx.signal,
    });
    hits = found.map((h) => hitOut(h, sources.get(h.sourceId)));
  } finally {
    await store.close();
  }
  const text = flags.json
    ? JSON.stringify(hits, null, 2) + '\n'
    : hits.length === 0
      ? `no transcript holds "${q}"\n`
      : toTable(
          ['source', 'at', 'speaker', 'text'],
          hits.map((h) => [
            h.sourceId,
            h.mediaMs === null ? h.time : mediaTime(h.mediaMs),
            h.personId || h.speakerId,
            h.text,
          ]),
        );
  if (flags.out) await writeOutput(flags.out, text);
  else ctx.stdout.write(text);
  return 0;
}
