import { parseArgs } from 'node:util';
import { createModelRegistry, type ModelRegistry, type ResolvedModel } from '@aima/inference';
import { loadConfig } from '../config.ts';
import { CliError } from '../errors.ts';
import { printer, toTable } from '../output.ts';
import type { CommandContext } from './context.ts';

export const modelsUsage =
  'usage: aima models list [--json] | pull <id|set|all> [--json] | verify [id|all] [--json]';

export async function modelsCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { json: { type: 'boolean' } },
  });
  const [verb, id] = positionals;
  const config = loadConfig(ctx.env);
  const registry = createModelRegistry({ modelsDir: config.modelsDir, cacheDir: config.cacheDir });
  const out = printer(ctx.stdout, values.json === true);
  switch (verb) {
    case 'list': {
      const list = await registry.list();
      out(
        list.map((m) => ({
          id: m.spec.id,
          task: m.spec.task,
          file: m.spec.file,
          license: m.spec.license,
          sha256: m.spec.sha256,
          bytes: m.spec.bytes,
          origin: m.origin,
          path: m.path,
        })),
        toTable(
          ['id', 'task', 'MB', 'where', 'license'],
          list.map((m) => [
            m.spec.id,
            m.spec.task,
            (m.spec.bytes / 1e6).toFixed(1),
            m.origin ?? 'not downloaded',
            m.spec.license,
          ]),
        ),
      );
      return 0;
    }
    case 'pull':
    case 'verify': {
      // `verify all` checks what is here; `pull all` fetches what is not.
      const all = await registry.list();
      // A model set (e.g. whisper-tiny-en) names its parts' common prefix: whisper-tiny-en.encoder, …
      const parts = all.filter((m) => m.spec.id.startsWith(`${id}.`)).map((m) => m.spec.id);
      const ids =
        !id || id === 'all'
          ? all.filter((m) => verb === 'pull' || m.origin !== null).map((m) => m.spec.id)
          : all.some((m) => m.spec.id === id) || parts.length === 0
            ? [id]
            : parts;
      if (verb === 'pull' && !id) throw new CliError('CLI_USAGE', modelsUsage);
      const done: ResolvedModel[] = [];
      for (const m of ids)
        done.push(await (verb === 'pull' ? pull(registry, m, ctx) : registry.verify(m, ctx.signal)));
      out(
        done.map((r) => ({ id: r.spec.id, path: r.path, origin: r.origin, sha256: r.spec.sha256, ok: true })),
        done
          .map((r) => `${r.spec.id}: ok (sha256 ${r.spec.sha256.slice(0, 12)}…, ${r.origin}: ${r.path})`)
          .join('\n') + '\n',
      );
      return 0;
    }
    default:
      throw new CliError('CLI_USAGE', modelsUsage);
  }
}

async function pull(registry: ModelRegistry, id: string, ctx: CommandContext): Promise<ResolvedModel> {
  const tty = ctx.stderr.isTTY === true;
  // Already present in AIMA_MODELS_DIR or the cache: verifying is enough.
  const local = await registry.verify(id, ctx.signal).catch(() => null);
  if (local) return local;
  const r = await registry.pull(id, {
    signal: ctx.signal,
    onProgress: (p) => {
      if (!tty) return;
      const pct = p.totalBytes ? ` ${((100 * p.receivedBytes) / p.totalBytes).toFixed(0)}%` : '';
      ctx.stderr.write(`\r${id}: ${(p.receivedBytes / 1e6).toFixed(1)} MB${pct}\x1b[K`);
    },
  });
  if (tty) ctx.stderr.write('\r\x1b[K');
  return r;
}
