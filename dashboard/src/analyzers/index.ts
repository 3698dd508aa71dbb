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
]);

export { ANALYSIS_EVENTS } from './detect.ts';
export { FRAME_FACES } from './faces.ts';
export { CUTS } from './shots.ts';
