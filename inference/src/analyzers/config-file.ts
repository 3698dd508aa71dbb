import { parse as parseYaml } from 'yaml';
import { InferenceError } from '../errors.ts';
import type { AnalyzerId } from './contract.ts';
import type { AnalyzerRegistry } from './registry.ts';

/** Per-analyzer settings of an installation: `{ safety: { safeWords: [...] }, age: { margin: 5 } }`. */
export type AnalyzerConfigMap = Readonly<Record<AnalyzerId, Readonly<Record<string, unknown>>>>;

/**
 * Reads the installation's analyzer settings (AIMA_ANALYZER_CONFIG: YAML or JSON, JSON being YAML).
 * Every key must be a known analyzer and every value must pass that analyzer's config schema, so
 * a typo fails at start-up naming the exact key (INFER_BAD_CONFIG), not in the middle of a job.
 * Returns the raw objects: each job's own settings are laid over them, and the host parses the
 * result (defaults applied) again.
 */
export function parseAnalyzerConfig(
  text: string,
  registry: AnalyzerRegistry,
  origin: string,
): AnalyzerConfigMap {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    const line = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
    throw new InferenceError('INFER_BAD_CONFIG', `${origin}: not YAML or JSON: ${line}`);
  }
  if (doc === null || doc === undefined) return Object.freeze({});
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new InferenceError('INFER_BAD_CONFIG', `${origin}: must map analyzer ids to their settings`);
  }
  const out: Record<AnalyzerId, Readonly<Record<string, unknown>>> = {};
  for (const [id, value] of Object.entries(doc as Record<string, unknown>)) {
    const def = registry.get(id);
    if (!def) {
      const known = registry
        .list()
        .map((d) => d.id)
        .join(', ');
      throw new InferenceError('INFER_BAD_CONFIG', `${origin}: ${id}: unknown analyzer (known: ${known})`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new InferenceError('INFER_BAD_CONFIG', `${origin}: ${id}: must be an object of settings`);
    }
    const r = def.config.safeParse(value);
    if (!r.success) {
      const issue = r.error.issues[0];
      const where = [id, ...(issue?.path ?? [])].join('.');
      throw new InferenceError('INFER_BAD_CONFIG', `${origin}: ${where}: ${issue?.message ?? 'invalid'}`);
    }
    out[id] = Object.freeze({ ...(value as Record<string, unknown>) });
  }
  return Object.freeze(out);
}
