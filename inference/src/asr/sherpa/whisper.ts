import { InferenceError } from '../../errors.ts';
import { SAMPLE_RATE } from '../audio-ring.ts';
import type { Transcriber, TranscriberInfo } from '../types.ts';
import { loadSherpa, type SherpaLanguageId, type SherpaOfflineRecognizer } from './addon.ts';
import { languageIdConfig, whisperRecognizerConfig, type WhisperPaths } from './config.ts';
import { whisperResultToTranscript } from './convert.ts';

export interface WhisperTranscriberOptions {
  readonly paths: WhisperPaths;
  readonly multilingual: boolean;
  /** 'auto' or a language code (see WHISPER_LANGUAGES). */
  readonly language?: string;
  /**
   * Identify the language with sherpa's SpokenLanguageIdentification (a second pass over the
   * encoder) before decoding, instead of Whisper's own language token. Multilingual sets only.
   */
  readonly languageId?: Pick<WhisperPaths, 'encoder' | 'decoder'>;
  readonly numThreads?: number;
  /** Shown in the UI, e.g. 'Whisper base.en (sherpa-onnx)'. */
  readonly label?: string;
}

/** Whisper handles at most 30 s; sherpa cuts at 29.5 s, so utterances stay below. */
export const WHISPER_MAX_UTTERANCE_MS = 28_000;

/**
 * Whisper through sherpa-onnx's OfflineRecognizer (decoded off the JS thread with decodeAsync).
 * Word times are estimated (sherpa's Whisper gives token times only for decoders exported with
 * cross-attention outputs, which the published sets are not); word confidences are the utterance's.
 */
export async function createSherpaWhisperTranscriber(opts: WhisperTranscriberOptions): Promise<Transcriber> {
  const language = opts.language ?? 'auto';
  const config = whisperRecognizerConfig(opts.paths, {
    multilingual: opts.multilingual,
    language,
    numThreads: opts.numThreads,
  });
  const sherpa = loadSherpa();
  let recognizer: SherpaOfflineRecognizer;
  let lid: SherpaLanguageId | null = null;
  try {
    recognizer = await sherpa.OfflineRecognizer.createAsync(config);
    if (opts.languageId && opts.multilingual && language === 'auto') {
      lid = new sherpa.SpokenLanguageIdentification(languageIdConfig(opts.languageId, opts.numThreads));
    }
  } catch (err) {
    throw new InferenceError(
      'MODEL_LOAD_FAILED',
      `sherpa-onnx cannot load the Whisper model: ${(err as Error).message}`,
      { cause: err },
    );
  }
  const info: TranscriberInfo = Object.freeze({
    engine: 'sherpa-whisper',
    label: opts.label ?? `Whisper (sherpa-onnx${opts.multilingual ? ', multilingual' : ', English only'})`,
    languages: Object.freeze(opts.multilingual ? ['*'] : ['en']),
    wordTimes: false,
    wordConfidences: false,
    streaming: false,
    maxUtteranceMs: WHISPER_MAX_UTTERANCE_MS,
  });
  let closed = false;
  const fallbackLanguage = language !== 'auto' ? language : opts.multilingual ? '' : 'en';
  const close = async (): Promise<void> => {
    // The addon frees native objects when they are collected; dropping them is all we can do.
    closed = true;
  };
  return {
    info,
    get closed() {
      return closed;
    },
    async transcribe(samples, startTs, signal) {
      if (closed) throw new InferenceError('INFER_CLOSED', 'Whisper transcriber is closed');
      if (signal?.aborted) throw new InferenceError('INFER_CLOSED', 'Whisper transcription aborted');
      if (samples.length === 0) return { text: '', language: fallbackLanguage, confidence: 0, words: [] };
      const wave = { samples, sampleRate: SAMPLE_RATE };
      let detected = '';
      if (lid) {
        const ls = lid.createStream();
        ls.acceptWaveform(wave);
        detected = lid.compute(ls);
      }
      const stream = recognizer.createStream();
      stream.acceptWaveform(wave);
      let result;
      try {
        result = await recognizer.decodeAsync(stream);
      } catch (err) {
        throw new InferenceError('INFER_FAILED', `Whisper decoding failed: ${(err as Error).message}`, {
          cause: err,
        });
      }
      const durationMs = (samples.length / SAMPLE_RATE) * 1000;
      const out = whisperResultToTranscript(result, startTs, durationMs, fallbackLanguage);
      return detected ? { ...out, language: detected } : out;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
