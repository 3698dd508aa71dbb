// The safety rule engine (issue 11): rules as data, windowed, with hysteresis and a risk score.
export { createSafetyEngine } from './engine.ts';
export type { EngineOptions, EngineOutput, FrameDetections, SafetyEngine } from './engine.ts';
export { parseRules, validateRules, RuleFile } from './rules-schema.ts';
export type { RuleKind, SafetyRule } from './rules-schema.ts';
export { DEFAULT_RULES_URL, loadRules } from './load.ts';
export type { LoadedRules } from './load.ts';
export { INITIAL as HYSTERESIS_INITIAL, isOn as isRuleOn, step as stepHysteresis } from './hysteresis.ts';
export type { HysteresisSpec, HysteresisState, Phase, Transition } from './hysteresis.ts';
export { createWordMatcher } from './words.ts';
export type { WordMatch, WordMatcher } from './words.ts';
export { EVIDENCE_LIMITS } from './events.ts';
