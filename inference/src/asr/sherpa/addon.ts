// The sherpa-onnx native addon, loaded on first use (it is large, and pocketsphinx-only runs never
// need it), typed with only what AIMA calls. Its results are JSON; we convert them in convert.ts.
import { createRequire } from 'node:module';
import { InferenceError } from '../../errors.ts';

export interface SherpaWaveform {
  readonly samples: Float32Array;
  readonly sampleRate: number;
}

export interface SherpaOfflineStream {
  acceptWaveform(w: SherpaWaveform): void;
}

/** What OfflineRecognizer.getResult() returns (see convert.ts for the fields we read). */
export interface SherpaOfflineResult {
  readonly text: string;
  readonly lang?: string;
  readonly tokens?: readonly string[];
  readonly timestamps?: readonly number[];
  readonly ys_log_probs?: readonly number[];
}

export interface SherpaOfflineRecognizer {
  createStream(): SherpaOfflineStream;
  decodeAsync(stream: SherpaOfflineStream): Promise<SherpaOfflineResult>;
}

export interface SherpaOnlineStream {
  acceptWaveform(w: SherpaWaveform): void;
  inputFinished(): void;
}

export interface SherpaOnlineResult {
  readonly text: string;
  readonly tokens?: readonly string[];
  readonly timestamps?: readonly number[];
  readonly ys_probs?: readonly number[];
}

export interface SherpaOnlineRecognizer {
  createStream(): SherpaOnlineStream;
  isReady(s: SherpaOnlineStream): boolean;
  decode(s: SherpaOnlineStream): void;
  isEndpoint(s: SherpaOnlineStream): boolean;
  reset(s: SherpaOnlineStream): void;
  getResult(s: SherpaOnlineStream): SherpaOnlineResult;
}

export interface SherpaLanguageId {
  createStream(): SherpaOfflineStream;
  compute(s: SherpaOfflineStream): string;
}

export interface SherpaModule {
  OfflineRecognizer: { createAsync(config: object): Promise<SherpaOfflineRecognizer> };
  OnlineRecognizer: new (config: object) => SherpaOnlineRecognizer;
  SpokenLanguageIdentification: new (config: object) => SherpaLanguageId;
}

let cached: SherpaModule | null = null;

/** The addon; MODEL_LOAD_FAILED when it is not installed for this platform. */
export function loadSherpa(): SherpaModule {
  if (cached) return cached;
  try {
    cached = createRequire(import.meta.url)('sherpa-onnx-node') as SherpaModule;
    return cached;
  } catch (err) {
    throw new InferenceError(
      'MODEL_LOAD_FAILED',
      `sherpa-onnx-node cannot be loaded: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
}
