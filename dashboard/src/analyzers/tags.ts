import { createTagsAnalyzer } from '@aima/inference';
import { ANALYSIS_EVENTS } from './detect.ts';

// The user's vocabulary override (`<dataDir>/vocabulary.json`), set by the server when it mounts
// the vocabulary routes; jobs of this process read it at their start (remote workers, which have
// no such file, use the built-in vocabulary or their config's `vocabularyFile`).
let userVocabulary: string | null = null;

/** Where the user's vocabulary override lives (null: none). */
export function useUserTagVocabulary(file: string | null): void {
  userVocabulary = file;
}

/** Zero-shot tags on person crops, wrists/ankles (with pose) and frames. */
export const tagsAnalyzer = createTagsAnalyzer({
  detectEvents: ANALYSIS_EVENTS,
  userVocabularyFile: () => userVocabulary,
});
