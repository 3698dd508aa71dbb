import { parseArgs } from 'node:util';
import { createModelRegistry } from '@aima/inference';
import { ANALYZERS } from '@aima/dashboard';
import { loadConfig } from '../config.ts';
import { CliError } from '../errors.ts';
import { toTable } from '../output.ts';
import type { CommandContext } from './context.ts';

export const analyzersUsage = 'usage: aima analyzers list [--json]';

/** `aima analyzers list`: every built-in analyzer, its models (present or not) and whether it runs by default. */
export async function analyzersCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { json: { type: 'boolean' } },
  });
  if (positionals[0] !== 'list' || positionals.length > 1) throw new CliError('CLI_USAGE', analyzersUsage);
  const config = loadConfig(ctx.env);
  const registry = createModelRegistry({ modelsDir: config.modelsDir, cacheDir: config.cacheDir });
  const status = new Map((await registry.list()).map((m) => [m.spec.id, m.origin !== null]));
  const chosen = config.analyzers ? new Set(ANALYZERS.select(config.analyzers).map((d) => d.id)) : null;
  const rows = ANALYZERS.list().map((d) => ({
    id: d.id,
    version: d.version,
    title: d.title,
    models: d.models.map((m) => ({ id: m, present: status.get(m) ?? false })),
    consumes: d.consumes.map((c) => (c.kind === 'results' ? `results:${c.of.join('+')}` : c.kind)),
    produces: d.produces.map((p) => p.table).filter((t) => t !== ''),
    defaultOn: d.defaultOn,
    /** Runs in jobs that do not choose (AIMA_ANALYZERS when set, else the default). */
    enabled: chosen ? chosen.has(d.id) : d.defaultOn,
    ready: d.models.every((m) => status.get(m) === true),
  }));
  if (values.json === true) {
    ctx.stdout.write(JSON.stringify(rows, null, 2) + '\n');
    return 0;
  }
  ctx.stdout.write(
    toTable(
      ['id', 'version', 'default', 'models', 'consumes', 'produces'],
      rows.map((r) => [
        r.id,
        r.version,
        r.enabled ? 'on' : 'off',
        r.models.length === 0
          ? '-'
          : r.models.map((m) => `${m.id}${m.present ? '' : ' (missing)'}`).join(', '),
        r.consumes.join(', '),
        r.produces.join(', ') || '-',
      ]),
    ),
  );
  return 0;
}
