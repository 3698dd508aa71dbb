import { InferenceError } from '../../errors.ts';
import type { Transcriber, TranscriberInfo } from '../types.ts';
import { parsePocketsphinxOutput } from './parse.ts';
import { createPocketsphinxRunner, type PocketsphinxProcessOptions } from './process.ts';

export const POCKETSPHINX_INFO: TranscriberInfo = Object.freeze({
  engine: 'pocketsphinx',
  label: 'pocketsphinx (weak, English only)',
  languages: Object.freeze(['en']),
  wordTimes: true,
  wordConfidences: true,
  streaming: false,
  maxUtteranceMs: Infinity,
});

export type PocketsphinxTranscriberOptions = PocketsphinxProcessOptions;

/**
 * CMU pocketsphinx 0.8 with Debian's en-us models: needs no download, runs anywhere Debian does,
 * gives word times and posteriors, but its accuracy is far below neural engines.
 */
export function createPocketsphinxTranscriber(opts: PocketsphinxTranscriberOptions = {}): Transcriber {
  const runner = createPocketsphinxRunner(opts);
  const close = async (): Promise<void> => runner.close();
  return {
    info: POCKETSPHINX_INFO,
    get closed() {
      return runner.closed;
    },
    async transcribe(samples, startTs, signal) {
      if (runner.closed) throw new InferenceError('INFER_CLOSED', 'pocketsphinx transcriber is closed');
      if (samples.length === 0) return { text: '', language: 'en', confidence: 0, words: [] };
      const { stdout, cpuMs } = await runner.run(samples, signal);
      return { ...parsePocketsphinxOutput(stdout, startTs), childCpuMs: cpuMs };
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
