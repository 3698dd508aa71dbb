import { InferenceError } from '../errors.ts';
import type { AnalyzerId, AnyAnalyzerDefinition } from './contract.ts';

/** The analyzers a build knows, and how a user's choice becomes the set that runs. */
export interface AnalyzerRegistry {
  /** Every definition, in registry order. */
  list(): readonly AnyAnalyzerDefinition[];
  get(id: AnalyzerId): AnyAnalyzerDefinition | undefined;
  /**
   * The definitions to run for a choice (null: the default-on ones), with every analyzer they
   * consume results of added, in dependency order (producers before consumers).
   * INFER_UNKNOWN_ANALYZER names the first unknown id.
   */
  select(ids: readonly AnalyzerId[] | null): AnyAnalyzerDefinition[];
}

/** Parses `detect,faces,vad` (spaces and empty items ignored); `default` stands for the default set. */
export function parseAnalyzerList(text: string): AnalyzerId[] {
  return [
    ...new Set(
      text
        .split(',')
        .map((s) => s.trim().toLowerCase())
        .filter((s) => s !== ''),
    ),
  ];
}

export function createAnalyzerRegistry(defs: readonly AnyAnalyzerDefinition[]): AnalyzerRegistry {
  const byId = new Map<AnalyzerId, AnyAnalyzerDefinition>();
  for (const d of defs) {
    if (byId.has(d.id)) throw new Error(`analyzer ${d.id} is registered twice`);
    byId.set(d.id, d);
  }
  const deps = (d: AnyAnalyzerDefinition): AnalyzerId[] =>
    d.consumes.flatMap((c) => (c.kind === 'results' ? c.of : []));

  // Producers that must run for this one to run (optional inputs are used only when chosen).
  const required = (d: AnyAnalyzerDefinition): AnalyzerId[] =>
    d.consumes.flatMap((c) => (c.kind === 'results' && c.optional !== true ? c.of : []));

  return {
    list: () => defs,
    get: (id) => byId.get(id),
    select(ids) {
      const wanted = new Set<AnalyzerId>();
      const expand = ids === null ? defs.filter((d) => d.defaultOn).map((d) => d.id) : ids;
      const add = (id: AnalyzerId, via: AnalyzerId | null): void => {
        if (id === 'default') {
          for (const d of defs) if (d.defaultOn) add(d.id, null);
          return;
        }
        const d = byId.get(id);
        if (!d) {
          const known = defs.map((x) => x.id).join(', ');
          throw new InferenceError(
            'INFER_UNKNOWN_ANALYZER',
            via
              ? `analyzer ${via} needs ${id}, which this build does not have`
              : `unknown analyzer ${JSON.stringify(id)} (known: ${known})`,
          );
        }
        if (wanted.has(id)) return;
        wanted.add(id);
        for (const r of required(d)) add(r, id);
      };
      for (const id of expand) add(id, null);
      // Registry order is dependency order for built-ins; a stable topological sort makes it so
      // for any registry: a producer always comes before its consumers.
      const ordered: AnyAnalyzerDefinition[] = [];
      const placed = new Set<AnalyzerId>();
      const visit = (d: AnyAnalyzerDefinition, stack: Set<AnalyzerId>): void => {
        if (placed.has(d.id)) return;
        if (stack.has(d.id)) throw new Error(`analyzer dependency cycle through ${d.id}`);
        stack.add(d.id);
        for (const p of deps(d)) {
          const pd = byId.get(p);
          if (pd && wanted.has(p)) visit(pd, stack);
        }
        stack.delete(d.id);
        placed.add(d.id);
        ordered.push(d);
      };
      for (const d of defs) if (wanted.has(d.id)) visit(d, new Set());
      return ordered;
    },
  };
}
