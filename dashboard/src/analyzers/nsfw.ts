import { z } from 'zod';
import { InferenceError, type AnalyzerDefinition } from '@aima/inference';

// Skeleton (issue 11): being built; the definition is the registry's line.
export const NsfwConfig = z.object({}).strict();

export const nsfwAnalyzer: AnalyzerDefinition<z.infer<typeof NsfwConfig>> = {
  id: 'nsfw',
  version: '0',
  title: 'Content classification',
  description: 'NSFW classification behind the age gate (nsfwjs; NudeNet in the manifest)',
  models: [],
  consumes: [{ kind: 'video' }],
  config: NsfwConfig,
  defaultOn: false,
  produces: [],
  create() {
    return Promise.reject(new InferenceError('INFER_ANALYZER_FAILED', 'nsfw is not built yet'));
  },
};
