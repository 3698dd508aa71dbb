import { z } from 'zod';
import { InferenceError, type AnalyzerDefinition } from '@aima/inference';

// Skeleton (issue 11): being built; the definition is the registry's line.
export const SafetyConfig = z.object({}).strict();

export const safetyAnalyzer: AnalyzerDefinition<z.infer<typeof SafetyConfig>> = {
  id: 'safety',
  version: '0',
  title: 'Safety rules',
  description: 'Rules over other analyzers: restraint, alone, distress, immobility, and a risk score',
  models: [],
  consumes: [{ kind: 'video' }],
  config: SafetyConfig,
  defaultOn: false,
  produces: [],
  create() {
    return Promise.reject(new InferenceError('INFER_ANALYZER_FAILED', 'safety is not built yet'));
  },
};
