import type { ModelSpec } from './manifest.ts';

// Zero-shot image/text models (issue 11, the `tags` analyzer). No CLIP weights are in shared/models
// (even MobileCLIP-S0's image tower is ≈ 45 MB, over the snapshot limit), so nothing here was run on
// this machine: the analyzer is tested with fixture graphs. URLs are pinned to commits. As in
// manifest-asr.ts, the sha256 and sizes were not computed here (no network): the two MobileCLIP
// files' are the Git LFS object ids and sizes an independent public project pins for these exact
// files at this commit; the merges file's sha256 is the one many independent projects verify (the
// file is byte-identical in openai/CLIP, open_clip and MobileCLIP).

const MOBILECLIP =
  'https://huggingface.co/Xenova/mobileclip_s0/resolve/757d59c9c6870a76a4b0306f05f5061bca15c39f';
const MOBILECLIP_LICENSE =
  'Apple ML Research Model license (apple/MobileCLIP-S0 weights); ONNX export by Xenova';

/** The CLIP BPE merges file (every CLIP-family text tower's tokenizer). */
export const CLIP_BPE_ID = 'clip-bpe-vocab';
export const MOBILECLIP_S0_IMAGE_ID = 'mobileclip-s0.image';
export const MOBILECLIP_S0_TEXT_ID = 'mobileclip-s0.text';

/** Zero-shot image/text models and their data present in shared/models: none (see above). */
export const TAG_MODELS: readonly ModelSpec[] = [];

/** Zero-shot image/text models and their data users download (`aima models pull <id>`). */
export const TAG_DOWNLOAD_MODELS: readonly ModelSpec[] = Object.freeze([
  {
    id: CLIP_BPE_ID,
    task: 'data',
    file: 'tags/bpe_simple_vocab_16e6.txt.gz',
    url: 'https://raw.githubusercontent.com/openai/CLIP/dcba3cb2e2827b402d2701e7e1c7d9fed8a20ef1/clip/bpe_simple_vocab_16e6.txt.gz',
    sha256: '924691ac288e54409236115652ad4aa250f48203de50a9e4722a6ecd48d6804a',
    bytes: 1_356_917,
    license: 'MIT (openai/CLIP)',
    input: null,
    decoder: 'none',
  },
  {
    // MobileCLIP-S0 image tower: pixel_values [N,3,256,256] RGB in 0..1 (no mean/std: its
    // preprocessor only rescales), resize short side + centre crop; image_embeds [N,512].
    id: MOBILECLIP_S0_IMAGE_ID,
    task: 'image-text',
    file: 'tags/mobileclip-s0/vision_model.onnx',
    url: `${MOBILECLIP}/onnx/vision_model.onnx`,
    sha256: '17d3c037b1d488c10c50e09f6009ea5a198caef4e0e8f4ea5617b7cb2d067ac0',
    bytes: 45_543_630,
    license: MOBILECLIP_LICENSE,
    input: {
      name: 'pixel_values',
      width: 256,
      height: 256,
      colorOrder: 'RGB',
      mean: [0, 0, 0],
      std: [255, 255, 255],
      letterbox: { pad: 0, align: 'center' },
    },
    decoder: 'clip-image',
  },
  {
    // MobileCLIP-S0 text tower: input_ids [N,77] (CLIP BPE, pad 0); text_embeds [N,512].
    id: MOBILECLIP_S0_TEXT_ID,
    task: 'image-text',
    file: 'tags/mobileclip-s0/text_model.onnx',
    url: `${MOBILECLIP}/onnx/text_model.onnx`,
    sha256: 'f6e9bd5742bfc515889e901634d8a2ff2a57fab8564e4ad3760e800b1a51b77c',
    bytes: 169_807_789,
    license: MOBILECLIP_LICENSE,
    input: null,
    decoder: 'clip-text',
  },
]);
