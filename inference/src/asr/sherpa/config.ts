// sherpa-onnx recognizer configs, built by pure functions (tested without loading anything).
// Caution: sherpa-onnx ends the process on some bad inputs instead of throwing (an unknown Whisper
// language calls exit(); a graph ORT cannot load aborts), so everything is validated here first
// and model files are sha256-checked by the registry before they get this far.
import { InferenceError } from '../../errors.ts';

/** Language codes multilingual Whisper knows (its tokenizer's LANGUAGES table). */
export const WHISPER_LANGUAGES: readonly string[] = Object.freeze(
  (
    'en zh de es ru ko fr ja pt tr pl ca nl ar sv it id hi fi vi he uk el ms cs ro da hu ta no th ur hr bg ' +
    'lt la mi ml cy sk te fa lv bn sr az sl kn et mk br eu is hy ne mn bs kk sq sw gl mr pa si km sn yo so ' +
    'af oc ka be tg sd gu am yi lo uz fo ht ps tk nn mt sa lb my bo tl mg as tt haw ln ha ba jw su yue'
  ).split(' '),
);

export interface WhisperPaths {
  readonly encoder: string;
  readonly decoder: string;
  readonly tokens: string;
}

export interface WhisperConfigOptions {
  /** The model set is multilingual (otherwise an English-only `.en` model). */
  readonly multilingual: boolean;
  /** 'auto' (detect) or a Whisper language code. */
  readonly language: string;
  readonly numThreads?: number;
}

/** OfflineRecognizer config for a Whisper set; INFER_BAD_CONFIG for a language it cannot take. */
export function whisperRecognizerConfig(paths: WhisperPaths, o: WhisperConfigOptions): object {
  let language = '';
  if (o.language !== 'auto') {
    if (!o.multilingual && o.language !== 'en') {
      throw new InferenceError(
        'INFER_BAD_CONFIG',
        `asr.language: '${o.language}' needs a multilingual Whisper model (this one is English only)`,
      );
    }
    if (o.multilingual && !WHISPER_LANGUAGES.includes(o.language)) {
      throw new InferenceError('INFER_BAD_CONFIG', `asr.language: Whisper does not know '${o.language}'`);
    }
    // English-only models take no language token; sherpa ignores the field for them.
    language = o.multilingual ? o.language : '';
  }
  return {
    featConfig: { sampleRate: 16000, featureDim: 80 },
    modelConfig: {
      whisper: { encoder: paths.encoder, decoder: paths.decoder, language, task: 'transcribe' },
      tokens: paths.tokens,
      numThreads: o.numThreads ?? 1,
      provider: 'cpu',
      debug: 0,
    },
  };
}

/** SpokenLanguageIdentification config (multilingual Whisper encoder + decoder). */
export function languageIdConfig(paths: Pick<WhisperPaths, 'encoder' | 'decoder'>, numThreads = 1): object {
  return {
    whisper: { encoder: paths.encoder, decoder: paths.decoder },
    numThreads,
    provider: 'cpu',
    debug: 0,
  };
}

export interface TransducerPaths {
  readonly encoder: string;
  readonly decoder: string;
  readonly joiner: string;
  readonly tokens: string;
}

/**
 * OnlineRecognizer config for a streaming zipformer transducer, endpointing on: rule 1 ends after
 * 2.4 s of silence with nothing decoded, rule 2 after `trailingSilenceMs` following speech, rule 3
 * at `maxUtteranceMs`.
 */
export function zipformerRecognizerConfig(
  paths: TransducerPaths,
  o: { numThreads?: number; trailingSilenceMs?: number; maxUtteranceMs?: number } = {},
): object {
  return {
    featConfig: { sampleRate: 16000, featureDim: 80 },
    modelConfig: {
      transducer: { encoder: paths.encoder, decoder: paths.decoder, joiner: paths.joiner },
      tokens: paths.tokens,
      numThreads: o.numThreads ?? 1,
      provider: 'cpu',
      debug: 0,
    },
    decodingMethod: 'greedy_search',
    enableEndpoint: 1,
    rule1MinTrailingSilence: 2.4,
    rule2MinTrailingSilence: (o.trailingSilenceMs ?? 800) / 1000,
    rule3MinUtteranceLength: (o.maxUtteranceMs ?? 30_000) / 1000,
  };
}
