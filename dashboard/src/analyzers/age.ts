import { z } from 'zod';
import { InferenceError, type AnalyzerDefinition } from '@aima/inference';

// Skeleton (issue 11): being built; the definition is the registry's line.
export const AgeConfig = z.object({}).strict();

export const ageAnalyzer: AnalyzerDefinition<z.infer<typeof AgeConfig>> = {
  id: 'age',
  version: '0',
  title: 'Age',
  description: 'Age estimate per face (SSR-Net; stronger models in the manifest)',
  models: [],
  consumes: [{ kind: 'video' }],
  config: AgeConfig,
  defaultOn: false,
  produces: [],
  create() {
    return Promise.reject(new InferenceError('INFER_ANALYZER_FAILED', 'age is not built yet'));
  },
};
