// openJobHost lays the installation's analyzer settings (AIMA_ANALYZER_CONFIG) under each job's own.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { AnalyzerDefinition } from '@aima/inference';
import { openJobHost } from '../src/jobs/open-host.ts';
import type { JobRuntime } from '../src/runtime.ts';

const Config = z
  .object({ safeWords: z.array(z.string()).default([]), windowMs: z.number().default(1000) })
  .strict();

function probe(seen: unknown[]): AnalyzerDefinition<z.infer<typeof Config>> {
  return {
    id: 'probe', version: '1', title: 'p', description: 'p', models: [], defaultOn: false,
    consumes: [{ kind: 'video' }], config: Config, produces: [],
    async create(_ctx, cfg) {
      seen.push(cfg);
      return { async finish() {}, async close() {} };
    },
  }; // prettier-ignore
}

async function configOf(installation: JobRuntime['analyzerConfig'], own: unknown): Promise<unknown> {
  const seen: unknown[] = [];
  const deps = { analyzerConfig: installation, executionProvider: 'cpu' } as unknown as JobRuntime;
  const host = await openJobHost(deps, {
    sourceId: 's',
    live: false,
    epochMs: 0,
    analyzers: [{ def: probe(seen), config: own }],
    models: new Map(),
    unavailable: new Map(),
    store: async () => {},
  });
  await host.close();
  return seen[0];
}

describe('openJobHost: installation settings', () => {
  it('applies them when the job sets nothing, and lets the job override key by key', async () => {
    expect(await configOf({ probe: { safeWords: ['forward'] } }, undefined)).toEqual({
      safeWords: ['forward'],
      windowMs: 1000,
    });
    expect(await configOf({ probe: { safeWords: ['forward'], windowMs: 500 } }, { windowMs: 2000 })).toEqual({
      safeWords: ['forward'],
      windowMs: 2000,
    });
    expect(await configOf(null, { windowMs: 2000 })).toEqual({ safeWords: [], windowMs: 2000 });
  });
});
