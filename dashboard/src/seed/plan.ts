// Which analyzers a seed request runs. Pure over the registry: the chosen set (or the seed default,
// limited to what this build registers), with dependencies; without audio, the analyzers that only
// hear are left out (and, when the client named them, reported).
import type { AnalyzerRegistry, AnyAnalyzerDefinition } from '@aima/inference';
import type { SeedFailure } from './types.ts';

export interface SeedPlan {
  readonly plan: AnyAnalyzerDefinition[];
  readonly skipped: SeedFailure[];
}

export function planSeedAnalyzers(
  registry: AnalyzerRegistry,
  requested: readonly string[] | null,
  defaults: readonly string[],
  hasAudio: boolean,
): SeedPlan {
  const chosen = requested ?? defaults.filter((id) => registry.get(id) !== undefined);
  // Unknown ids throw INFER_UNKNOWN_ANALYZER (400) here, before any input is decoded.
  const all = registry.select(chosen);
  if (hasAudio) return { plan: all, skipped: [] };
  const out = new Set<string>();
  const plan: AnyAnalyzerDefinition[] = [];
  for (const d of all) {
    const hears = d.consumes.some((c) => c.kind === 'audio');
    // Needs a producer that is out (dependency order: producers were decided first).
    const orphan = d.consumes.some(
      (c) => c.kind === 'results' && c.optional !== true && c.of.some((p) => out.has(p)),
    );
    if (hears || orphan) out.add(d.id);
    else plan.push(d);
  }
  const skipped = [...out]
    .filter((id) => requested?.includes(id))
    .map((analyzer) => ({
      analyzer,
      code: 'ANALYZE_NO_AUDIO',
      message: `${analyzer}: the request has no audio_data`,
    }));
  return { plan, skipped };
}
