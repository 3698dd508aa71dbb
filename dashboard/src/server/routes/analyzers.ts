// GET /api/v1/analyzers: what this build can analyse, and what runs by default.
import { z } from 'zod';
import { ANALYZERS } from '../../analyzers/index.ts';
import { defineRoute, type ApiRoute } from '../route.ts';

const AnalyzerView = z.object({
  id: z.string(),
  version: z.string(),
  title: z.string(),
  description: z.string(),
  models: z.array(z.string()).describe('model registry ids it needs'),
  consumes: z.array(z.string()).describe('video, audio, or results:<analyzer>'),
  produces: z.array(z.object({ table: z.string(), live: z.string(), lane: z.string() })),
  defaultOn: z.boolean(),
  /** Runs on sources added without `analyzers` (AIMA_ANALYZERS, else defaultOn). */
  enabled: z.boolean(),
});

export function analyzerRoutes(opts: { readonly defaultAnalyzers?: readonly string[] | null }): ApiRoute[] {
  const chosen = opts.defaultAnalyzers
    ? new Set(ANALYZERS.select(opts.defaultAnalyzers).map((d) => d.id))
    : null;
  const views = ANALYZERS.list().map((d) => ({
    id: d.id,
    version: d.version,
    title: d.title,
    description: d.description,
    models: [...d.models],
    consumes: d.consumes.map((c) => (c.kind === 'results' ? `results:${c.of.join('+')}` : c.kind)),
    produces: d.produces.map((p) => ({ ...p })),
    defaultOn: d.defaultOn,
    enabled: chosen ? chosen.has(d.id) : d.defaultOn,
  }));
  return [
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/analyzers',
        operationId: 'listAnalyzers',
        summary: 'Analyzer plugins of this build (choose per source with `analyzers` on POST /sources)',
        tag: 'sources',
        auth: 'bearer',
        responses: { 200: { description: 'Analyzers in dependency order', schema: z.array(AnalyzerView) } },
      },
      async () => views,
    ),
  ];
}
