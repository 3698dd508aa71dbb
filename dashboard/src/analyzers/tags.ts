import { z } from 'zod';
import { InferenceError, type AnalyzerDefinition } from '@aima/inference';

// Skeleton (issue 11): being built; the definition is the registry's line.
export const TagsConfig = z.object({}).strict();

export const tagsAnalyzer: AnalyzerDefinition<z.infer<typeof TagsConfig>> = {
  id: 'tags',
  version: '0',
  title: 'Tags',
  description: 'Zero-shot tags (CLIP-family) on person crops and frames against the vocabulary',
  models: [],
  consumes: [{ kind: 'video' }],
  config: TagsConfig,
  defaultOn: false,
  produces: [],
  create() {
    return Promise.reject(new InferenceError('INFER_ANALYZER_FAILED', 'tags is not built yet'));
  },
};
