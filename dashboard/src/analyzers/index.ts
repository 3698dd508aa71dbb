// The built-in analyzers: one line each. Order is dependency order (producers first).
import {
  asrAnalyzer,
  createAnalyzerRegistry,
  speakersAnalyzer,
  speechRateAnalyzer,
  loudnessAnalyzer,
  soundsAnalyzer,
  vadAnalyzer,
  type AnalyzerRegistry,
} from '@aima/inference';
import { detectAnalyzer } from './detect.ts';
import { facesAnalyzer } from './faces.ts';
import { shotsAnalyzer } from './shots.ts';
import { poseAnalyzer } from './pose.ts';
import { tagsAnalyzer } from './tags.ts';
import { ageAnalyzer } from './age.ts';
import { nsfwAnalyzer } from './nsfw.ts';
import { safetyAnalyzer } from './safety.ts';

export const ANALYZERS: AnalyzerRegistry = createAnalyzerRegistry([
  detectAnalyzer,
  shotsAnalyzer,
  facesAnalyzer,
  vadAnalyzer,
  loudnessAnalyzer,
  soundsAnalyzer,
  asrAnalyzer,
  speakersAnalyzer,
  speechRateAnalyzer,
  poseAnalyzer,
  tagsAnalyzer,
  ageAnalyzer,
  nsfwAnalyzer,
  safetyAnalyzer,
]);

export { ANALYSIS_EVENTS } from './detect.ts';
export { FRAME_FACES } from './faces.ts';
export { CUTS } from './shots.ts';
