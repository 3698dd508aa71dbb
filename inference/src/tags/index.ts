// The zero-shot tags part of @aima/inference (issue 11): every export named.
export { createTagsAnalyzer, type TagsAnalyzerOptions } from './analyzer.ts';
export { tagsConfigSchema, type TagsConfig } from './config.ts';
export { createTagsInstance, type LiveTags, type TagsInstanceDeps } from './instance.ts';
export {
  createTagAggregator,
  type AggregatedTag,
  type TagAggregator,
  type TagObservation,
} from './aggregate.ts';
export { tagHistory, type TagHistoryEntry } from './history.ts';
export { createCropPlanner, limbBox, type CropPlanner, type PersonBox, type PlannedCrop } from './crops.ts';
export { createImageEncoder, createTextEncoder, type ImageEncoder, type TextEncoder } from './encoders.ts';
export {
  buildPromptPlan,
  classEmbeddings,
  fillTemplate,
  l2normalize,
  scoreImage,
  softmax,
  CLIP_LOGIT_SCALE,
  type PromptPlan,
  type TagScore,
} from './prompts.ts';
export { centreCropRegion, frameBox, writeCrop, CLIP_MEAN, CLIP_STD } from './preprocess.ts';
export { createZeroShotTagger, embedPlan, MAX_CROPS, type TagCrop, type ZeroShotTagger } from './tagger.ts';
export {
  bytesToUnicode,
  cleanText,
  createClipTokenizer,
  loadClipTokenizer,
  parseMerges,
  CLIP_CONTEXT,
  CLIP_MAX_MERGES,
  type ClipTokenizer,
} from './tokenizer.ts';
export {
  checkTagVocabulary,
  loadTagVocabulary,
  parseTagVocabulary,
  tagPhrases,
  tagVocabularySchema,
  DEFAULT_TAG_VOCABULARY_URL,
  TAG_CATEGORIES,
  TAG_SCOPES,
  type TagVocabulary,
  type TagVocabularyCategory,
  type VocabularyIssue,
} from './vocabulary.ts';
