import { InferenceError } from '../../errors.ts';
import { SAMPLE_RATE } from '../audio-ring.ts';
import type { PartialResult, Transcriber, TranscriberInfo, TranscriptStream } from '../types.ts';
import { loadSherpa, type SherpaOnlineRecognizer, type SherpaOnlineStream } from './addon.ts';
import { zipformerRecognizerConfig, type TransducerPaths } from './config.ts';
import { transducerResultToTranscript } from './convert.ts';

export interface ZipformerTranscriberOptions {
  readonly paths: TransducerPaths;
  /** The language the model was trained on (the published set is English). */
  readonly language?: string;
  readonly numThreads?: number;
  readonly label?: string;
}

/** Zeros appended before input ends, so the last frames leave the encoder's look-ahead. */
const TAIL_PADDING = new Float32Array(Math.round(0.66 * SAMPLE_RATE));

/**
 * A streaming zipformer transducer through sherpa-onnx's OnlineRecognizer: partial hypotheses
 * while audio arrives, endpoint detection, token times (so real word times) and token log-probs.
 */
export function createSherpaZipformerTranscriber(opts: ZipformerTranscriberOptions): Transcriber {
  const language = opts.language ?? 'en';
  const sherpa = loadSherpa();
  let recognizer: SherpaOnlineRecognizer;
  try {
    recognizer = new sherpa.OnlineRecognizer(
      zipformerRecognizerConfig(opts.paths, { numThreads: opts.numThreads }),
    );
  } catch (err) {
    throw new InferenceError(
      'MODEL_LOAD_FAILED',
      `sherpa-onnx cannot load the zipformer model: ${(err as Error).message}`,
      { cause: err },
    );
  }
  const info: TranscriberInfo = Object.freeze({
    engine: 'sherpa-zipformer',
    label: opts.label ?? `Streaming zipformer (sherpa-onnx, ${language})`,
    languages: Object.freeze([language]),
    wordTimes: true,
    wordConfidences: true,
    streaming: true,
    maxUtteranceMs: Infinity,
  });
  let closed = false;
  const decodeAll = (s: SherpaOnlineStream): void => {
    while (recognizer.isReady(s)) recognizer.decode(s);
  };
  const close = async (): Promise<void> => {
    closed = true;
  };
  const assertOpen = (): void => {
    if (closed) throw new InferenceError('INFER_CLOSED', 'zipformer transcriber is closed');
  };
  return {
    info,
    get closed() {
      return closed;
    },
    async transcribe(samples, startTs, signal) {
      assertOpen();
      if (signal?.aborted) throw new InferenceError('INFER_CLOSED', 'zipformer transcription aborted');
      const s = recognizer.createStream();
      s.acceptWaveform({ samples, sampleRate: SAMPLE_RATE });
      s.acceptWaveform({ samples: TAIL_PADDING, sampleRate: SAMPLE_RATE });
      s.inputFinished();
      decodeAll(s);
      const durationMs = (samples.length / SAMPLE_RATE) * 1000;
      return transducerResultToTranscript(recognizer.getResult(s), startTs, durationMs, language);
    },
    openStream(): TranscriptStream {
      assertOpen();
      const s = recognizer.createStream();
      let last = '';
      let done = false;
      return {
        accept(samples): PartialResult | null {
          if (done || closed) return null;
          s.acceptWaveform({ samples, sampleRate: SAMPLE_RATE });
          decodeAll(s);
          const text = recognizer.getResult(s).text.trim();
          const endpoint = recognizer.isEndpoint(s);
          if (endpoint) recognizer.reset(s);
          if (text === last && !endpoint) return null;
          last = endpoint ? '' : text;
          return { text, endpoint };
        },
        close() {
          // The native stream is freed when collected; a closed one is never fed again.
          done = true;
        },
      };
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
