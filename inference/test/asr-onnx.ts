// Small ONNX graphs that sherpa-onnx's Whisper loader accepts, with outputs fixed by construction,
// so the real recognizer code path (features, encoder, greedy decoder, token table, language id)
// runs end to end with known results. Written with helpers-onnx.ts (int64 inputs typed, and model
// metadata, which sherpa reads).
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { encodeOnnxModel } from './helpers-onnx.ts';

/**
 * Token layout of the fixture vocabulary: text tokens first, then Whisper's special tokens, then
 * the 1501 timestamp tokens (sherpa derives timestamp_begin = no_timestamps + 1).
 */
export const WHISPER_FIXTURE = Object.freeze({
  text: [' hello', ' world', ' from', ' aima'] as const,
  eot: 10,
  sot: 11,
  langEn: 12,
  langDe: 13,
  translate: 14,
  transcribe: 15,
  noSpeech: 16,
  noTimestamps: 17,
  vocab: 18 + 1501,
  textCtx: 64,
  state: 4,
});

export interface WhisperFixtureOptions {
  /** Multilingual: sot_sequence [sot, lang, task] and language tokens en/de. */
  readonly multilingual: boolean;
  /** Token ids the decoder emits after the prompt, in order (then EOT). */
  readonly say: readonly number[];
  /** Language token the decoder favours right after SOT (language detection). */
  readonly language?: 'en' | 'de';
}

/**
 * Encoder: mel [1, 80, T] → cross k/v [1, 1, 1, 4] (zeros; they only have to exist).
 * Decoder: a bigram machine. logits[t] = one-hot(NEXT[token[t]]) · 10, so after the prompt's last
 * token (no_timestamps) greedy search walks `say` and stops at EOT; after SOT it favours the
 * chosen language token.
 */
export function whisperFixtureModels(opts: WhisperFixtureOptions): {
  encoder: Uint8Array;
  decoder: Uint8Array;
} {
  const F = WHISPER_FIXTURE;
  const metadata: Record<string, string | number> = {
    model_type: 'whisper-fixture',
    n_mels: 80,
    n_audio_ctx: 1,
    n_audio_state: F.state,
    n_text_layer: 1,
    n_text_ctx: F.textCtx,
    n_text_state: F.state,
    n_text_head: 1,
    n_vocab: F.vocab,
    sot: F.sot,
    eot: F.eot,
    blank_id: 0,
    translate: F.translate,
    transcribe: F.transcribe,
    no_speech: F.noSpeech,
    no_timestamps: F.noTimestamps,
    is_multilingual: opts.multilingual ? 1 : 0,
    sot_sequence: opts.multilingual ? `${F.sot},${F.langEn},${F.transcribe}` : `${F.sot}`,
    ...(opts.multilingual
      ? { all_language_tokens: `${F.langEn},${F.langDe}`, all_language_codes: 'en,de' }
      : {}),
  };
  const encoder = encodeOnnxModel({
    inputs: [{ name: 'mel', type: 'float', dims: [1, 80, 'T'] }],
    outputs: [
      { name: 'n_layer_cross_k', type: 'float', dims: [1, 1, 1, F.state] },
      { name: 'n_layer_cross_v', type: 'float', dims: [1, 1, 1, F.state] },
    ],
    initializers: [
      { name: 'zero', dims: [1], data: new Float32Array([0]) },
      { name: 'kv', dims: [1, 1, 1, F.state], data: new Float32Array(F.state) },
    ],
    nodes: [
      { op: 'ReduceMean', inputs: ['mel'], outputs: ['m'], attrs: { axes: [0, 1, 2], keepdims: 1 } },
      { op: 'Mul', inputs: ['m', 'zero'], outputs: ['z'] },
      { op: 'Add', inputs: ['kv', 'z'], outputs: ['n_layer_cross_k'] },
      { op: 'Add', inputs: ['kv', 'z'], outputs: ['n_layer_cross_v'] },
    ],
    metadata,
  });

  const next = new BigInt64Array(F.vocab).fill(BigInt(F.eot));
  next[F.sot] = BigInt(opts.language === 'de' ? F.langDe : F.langEn);
  let prev: number = F.noTimestamps;
  for (const id of opts.say) {
    next[prev] = BigInt(id);
    prev = id;
  }
  next[prev] = BigInt(F.eot);
  const decoder = encodeOnnxModel({
    inputs: [
      { name: 'tokens', type: 'int64', dims: [1, 'n'] },
      { name: 'in_n_layer_self_k_cache', type: 'float', dims: [1, 1, F.textCtx, F.state] },
      { name: 'in_n_layer_self_v_cache', type: 'float', dims: [1, 1, F.textCtx, F.state] },
      { name: 'n_layer_cross_k', type: 'float', dims: [1, 1, 1, F.state] },
      { name: 'n_layer_cross_v', type: 'float', dims: [1, 1, 1, F.state] },
      { name: 'offset', type: 'int64', dims: [1] },
    ],
    outputs: [
      { name: 'logits', type: 'float', dims: [1, 'n', F.vocab] },
      { name: 'out_n_layer_self_k_cache', type: 'float', dims: [1, 1, F.textCtx, F.state] },
      { name: 'out_n_layer_self_v_cache', type: 'float', dims: [1, 1, F.textCtx, F.state] },
    ],
    initializers: [
      { name: 'next', dims: [F.vocab], data: next },
      { name: 'depth', dims: [1], data: new BigInt64Array([BigInt(F.vocab)]) },
      { name: 'values', dims: [2], data: new Float32Array([0, 10]) },
    ],
    nodes: [
      { op: 'Gather', inputs: ['next', 'tokens'], outputs: ['ids'], attrs: { axis: 0 } },
      { op: 'OneHot', inputs: ['ids', 'depth', 'values'], outputs: ['logits'], attrs: { axis: 2 } },
      { op: 'Identity', inputs: ['in_n_layer_self_k_cache'], outputs: ['out_n_layer_self_k_cache'] },
      { op: 'Identity', inputs: ['in_n_layer_self_v_cache'], outputs: ['out_n_layer_self_v_cache'] },
    ],
  });
  return { encoder, decoder };
}

/** Whisper tokens.txt: base64 of each token's bytes, then its id. */
export function whisperFixtureTokens(): string {
  const F = WHISPER_FIXTURE;
  const lines = F.text.map((t, i) => `${Buffer.from(t, 'utf8').toString('base64')} ${i}`);
  const special: Array<[string, number]> = [
    ['<|endoftext|>', F.eot],
    ['<|startoftranscript|>', F.sot],
    ['<|en|>', F.langEn],
    ['<|de|>', F.langDe],
    ['<|translate|>', F.translate],
    ['<|transcribe|>', F.transcribe],
    ['<|nospeech|>', F.noSpeech],
    ['<|notimestamps|>', F.noTimestamps],
  ];
  for (const [t, id] of special) lines.push(`${Buffer.from(t, 'utf8').toString('base64')} ${id}`);
  return `${lines.join('\n')}\n`;
}

/** Writes the three files of a fixture Whisper set into `dir`; returns their paths. */
export async function writeWhisperFixture(
  dir: string,
  opts: WhisperFixtureOptions,
): Promise<{ encoder: string; decoder: string; tokens: string }> {
  const { encoder, decoder } = whisperFixtureModels(opts);
  const out = {
    encoder: path.join(dir, 'encoder.onnx'),
    decoder: path.join(dir, 'decoder.onnx'),
    tokens: path.join(dir, 'tokens.txt'),
  };
  await writeFile(out.encoder, encoder);
  await writeFile(out.decoder, decoder);
  await writeFile(out.tokens, whisperFixtureTokens());
  return out;
}
