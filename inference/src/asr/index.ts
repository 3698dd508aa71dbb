// Speech recognition (issue 9): the `asr` analyzer and its engines.
export { asrAnalyzer, createAsrAnalyzer } from './analyzer.ts';
export type { AsrAnalyzerOptions } from './analyzer.ts';
export { asrConfigSchema } from './config.ts';
export type { AsrConfig } from './config.ts';
export { createTranscriber } from './factory.ts';
export type { AsrEngineChoice, CreateTranscriberOptions } from './factory.ts';
export { createPocketsphinxTranscriber, POCKETSPHINX_INFO } from './pocketsphinx/transcriber.ts';
export type { PocketsphinxTranscriberOptions } from './pocketsphinx/transcriber.ts';
export { parsePocketsphinxOutput } from './pocketsphinx/parse.ts';
export { createSherpaWhisperTranscriber, WHISPER_MAX_UTTERANCE_MS } from './sherpa/whisper.ts';
export type { WhisperTranscriberOptions } from './sherpa/whisper.ts';
export { createSherpaZipformerTranscriber } from './sherpa/zipformer.ts';
export type { ZipformerTranscriberOptions } from './sherpa/zipformer.ts';
export { WHISPER_LANGUAGES, whisperRecognizerConfig, zipformerRecognizerConfig } from './sherpa/config.ts';
export {
  interpolateWords,
  transducerResultToTranscript,
  whisperResultToTranscript,
} from './sherpa/convert.ts';
export { ASR_MODEL_SETS, findLocalModelSet, resolveModelSet } from './model-sets.ts';
export type { AsrModelSet, ResolvedModelSet, SherpaEngineId } from './model-sets.ts';
export { clockAt, createAudioRing, splitSpan } from './audio-ring.ts';
export type { AudioRing, ClockAnchor, ExtractedAudio } from './audio-ring.ts';
export { normalizeWords, wordErrorRate } from './wer.ts';
export type { WerResult } from './wer.ts';
export type {
  AsrEngineId,
  AsrWord,
  PartialResult,
  TranscribeResult,
  Transcriber,
  TranscriberInfo,
  TranscriptLiveData,
  TranscriptSegmentRow,
  TranscriptStream,
} from './types.ts';
