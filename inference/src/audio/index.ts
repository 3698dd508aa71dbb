// The audio analyzers (issue 9) and the pure parts worth reusing or testing.
import type { AnyAnalyzerDefinition } from '../analyzers/contract.ts';
import { loudnessAnalyzer } from './loudness/definition.ts';
import { soundsAnalyzer } from './sounds/definition.ts';
import { speechRateAnalyzer } from './speech-rate/definition.ts';
import { vadAnalyzer } from './vad/definition.ts';

/** The audio analyzers of this folder, for the registry. */
export const AUDIO_ANALYZERS: readonly AnyAnalyzerDefinition[] = Object.freeze([
  vadAnalyzer,
  loudnessAnalyzer,
  soundsAnalyzer,
  speechRateAnalyzer,
]);

export { vadAnalyzer, loudnessAnalyzer, soundsAnalyzer, speechRateAnalyzer };
export { vadConfigSchema } from './vad/definition.ts';
export type { SpeechLiveData, VadConfig } from './vad/definition.ts';
export { createSpeechHysteresis } from './vad/hysteresis.ts';
export type { SpeechEvent, SpeechHysteresis, SpeechHysteresisOptions, SpeechSpan } from './vad/hysteresis.ts';
export { createSileroStream } from './vad/silero.ts';
export type { SileroStream } from './vad/silero.ts';
export { SILENT_LUFS } from './records.ts';
export type {
  AudioEventRow,
  LoudnessRow,
  SpeakerLinkStatus,
  SpeakerRow,
  SpeakerTurnRow,
  SpeechRateRow,
  SpeechSegmentRow,
  TranscriptSegmentRow,
  TranscriptWordRow,
} from './records.ts';
export { loudnessConfigSchema } from './loudness/definition.ts';
export type { LoudnessConfig } from './loudness/definition.ts';
export { createKWeighting, lufs, preFilter, rlbFilter } from './loudness/kweight.ts';
export type { Biquad, KWeighting } from './loudness/kweight.ts';
export { createLoudnessMeter } from './loudness/meter.ts';
export type { LoudnessMeter, LoudnessMeterOptions, LoudnessSecond, LoudnessTick } from './loudness/meter.ts';
export { soundsConfigSchema } from './sounds/definition.ts';
export type { AudioEventLiveData, SoundsConfig } from './sounds/definition.ts';
export { logMel, kaldiMelBanks, MEL_BANDS, MEL_SAMPLE_RATE } from './sounds/mel.ts';
export { createMelStream } from './sounds/frontend.ts';
export type { MelStream } from './sounds/frontend.ts';
export { createUpsampler2x } from './sounds/resample.ts';
export type { Upsampler2x } from './sounds/resample.ts';
export { createAudioTagger, AUDIOSET_CLASSES } from './sounds/tagger.ts';
export type { AudioTagger } from './sounds/tagger.ts';
export { loadAudioSetLabels, parseAudioSetLabels } from './sounds/labels.ts';
export type { AudioSetLabel } from './sounds/labels.ts';
export { loadVocabulary, resolveVocabulary, vocabularySchema } from './sounds/vocabulary.ts';
export type { Vocabulary, VocabularyEvent } from './sounds/vocabulary.ts';
export { createSoundEventTracker, DEFAULT_TRACKER_OPTIONS } from './sounds/events.ts';
export type {
  EnergyTrack,
  ScoredWindow,
  SoundEmission,
  SoundEvent,
  SoundEventTracker,
  SoundTrackerOptions,
} from './sounds/events.ts';
export { createEnergyEnvelope } from './sounds/energy.ts';
export type { EnergyEnvelope } from './sounds/energy.ts';
export { speechRateConfigSchema } from './speech-rate/definition.ts';
export type { SpeechRateConfig } from './speech-rate/definition.ts';
export { speechRate, transcriptSegmentSchema } from './speech-rate/rate.ts';
export type { SpeechRateOptions, TranscriptSegmentInput } from './speech-rate/rate.ts';
