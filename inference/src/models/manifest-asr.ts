import type { ModelSpec } from './manifest.ts';

// Speech-recognition model sets users download (`aima models pull <id>`); not in shared/models
// (each set is over its fetch limit). One ModelSpec per file: `<set>.encoder`, `<set>.decoder`,
// `<set>.joiner`, `<set>.tokens`. URLs are pinned to Hugging Face commits of the sherpa-onnx
// maintainer's mirrors. The sha256 and byte counts were not computed here (no network): they are
// the Git LFS object ids and sizes that several independent public projects pin for these exact
// files at these commits (found with the code search, cross-checked between at least three
// projects each). The tokens files are not LFS objects; their sha256 and sizes are likewise taken
// from independent projects that verify them.

const HF = 'https://huggingface.co/csukuangfj';
const WHISPER_TINY_EN = `${HF}/sherpa-onnx-whisper-tiny.en/resolve/d026532c022fa99fd789d6b32446a1df7b6bfc43`;
const WHISPER_BASE_EN = `${HF}/sherpa-onnx-whisper-base.en/resolve/59eea950fc76df2453efb57e6c0fd334548e8ffe`;
const ZIPFORMER_EN = `${HF}/sherpa-onnx-streaming-zipformer-en-2023-06-21/resolve/9a65b6ea94c311ca770c2bf895b30f456a22d703`;

const WHISPER_LICENSE = 'MIT (OpenAI Whisper; sherpa-onnx export, Apache-2.0)';
const ZIPFORMER_LICENSE = 'Apache-2.0 (icefall LibriSpeech+GigaSpeech zipformer, sherpa-onnx export)';

function part(
  id: string,
  decoder: ModelSpec['decoder'],
  file: string,
  url: string,
  sha256: string,
  bytes: number,
  license: string,
): ModelSpec {
  return { id, task: 'asr', file, url, sha256, bytes, license, input: null, decoder };
}

export const ASR_MODELS: readonly ModelSpec[] = Object.freeze([
  // Whisper tiny.en, int8 (English only, ≈100 MB in all).
  part(
    'whisper-tiny-en.encoder',
    'whisper',
    'asr/whisper-tiny-en/tiny.en-encoder.int8.onnx',
    `${WHISPER_TINY_EN}/tiny.en-encoder.int8.onnx`,
    '0ce578b827c94a961aacb8fa14b02f096504b337e5c94be37c36238cbe3e8bc6',
    12_937_772,
    WHISPER_LICENSE,
  ),
  part(
    'whisper-tiny-en.decoder',
    'whisper',
    'asr/whisper-tiny-en/tiny.en-decoder.int8.onnx',
    `${WHISPER_TINY_EN}/tiny.en-decoder.int8.onnx`,
    '06c0e6ff6348d427e51839219d1c886c18cfdf411e629e33f5e1679bff9c1527',
    89_853_865,
    WHISPER_LICENSE,
  ),
  part(
    'whisper-tiny-en.tokens',
    'whisper',
    'asr/whisper-tiny-en/tiny.en-tokens.txt',
    `${WHISPER_TINY_EN}/tiny.en-tokens.txt`,
    '306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930',
    835_554,
    WHISPER_LICENSE,
  ),
  // Whisper base.en, int8 (English only, ≈160 MB; clearly better than tiny.en).
  part(
    'whisper-base-en.encoder',
    'whisper',
    'asr/whisper-base-en/base.en-encoder.int8.onnx',
    `${WHISPER_BASE_EN}/base.en-encoder.int8.onnx`,
    'ef6b936f4c9b1d90a3b68634b60c4ed8576b26172b33c2535ec0e933c9edb823',
    29_120_534,
    WHISPER_LICENSE,
  ),
  part(
    'whisper-base-en.decoder',
    'whisper',
    'asr/whisper-base-en/base.en-decoder.int8.onnx',
    `${WHISPER_BASE_EN}/base.en-decoder.int8.onnx`,
    'f7162ad6db2dbef16cfaeaa7f945b9d7dd9c1b8d472f6aca82f2273d185e4d41',
    130_669_978,
    WHISPER_LICENSE,
  ),
  part(
    'whisper-base-en.tokens',
    'whisper',
    'asr/whisper-base-en/base.en-tokens.txt',
    `${WHISPER_BASE_EN}/base.en-tokens.txt`,
    '306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930',
    835_554,
    WHISPER_LICENSE,
  ),
  // Streaming zipformer transducer, English (2023-06-21; int8 encoder and joiner, ≈190 MB).
  part(
    'zipformer-en-streaming.encoder',
    'zipformer-streaming',
    'asr/zipformer-en-streaming/encoder-epoch-99-avg-1.int8.onnx',
    `${ZIPFORMER_EN}/encoder-epoch-99-avg-1.int8.onnx`,
    '32c98281c7bd8b63e3e142d007251b37f120572e8fdea9a4f5a79ce22b10ec4f',
    187_823_992,
    ZIPFORMER_LICENSE,
  ),
  part(
    'zipformer-en-streaming.decoder',
    'zipformer-streaming',
    'asr/zipformer-en-streaming/decoder-epoch-99-avg-1.onnx',
    `${ZIPFORMER_EN}/decoder-epoch-99-avg-1.onnx`,
    '9da02b77cb08826756ec6a88635f35a40374e4164e7c6359121a9145958a6ceb',
    2_092_566,
    ZIPFORMER_LICENSE,
  ),
  part(
    'zipformer-en-streaming.joiner',
    'zipformer-streaming',
    'asr/zipformer-en-streaming/joiner-epoch-99-avg-1.int8.onnx',
    `${ZIPFORMER_EN}/joiner-epoch-99-avg-1.int8.onnx`,
    '831477d390e59a61f1b6a6f763b9903e6c6366ff6034f1ddba613be82637122f',
    259_335,
    ZIPFORMER_LICENSE,
  ),
  part(
    'zipformer-en-streaming.tokens',
    'zipformer-streaming',
    'asr/zipformer-en-streaming/tokens.txt',
    `${ZIPFORMER_EN}/tokens.txt`,
    '49e3c2646595fd907228b3c6787069658f67b17377c60aeb8619c4551b2316fb',
    5_048,
    ZIPFORMER_LICENSE,
  ),
]);
