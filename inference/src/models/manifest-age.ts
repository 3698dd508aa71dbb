import type { ModelSpec } from './manifest.ts';

// The SSR-Net pre-processing is the age decoder's own (inference/src/age/estimator.ts: BGR kept,
// INTER_LINEAR, /255, mean/std on B, G, R); `input` records it for the registry's listings.

/** Age models (issue 11): present in shared/models (tested with real weights). */
export const AGE_MODELS: readonly ModelSpec[] = Object.freeze([
  {
    id: 'ssrnet',
    task: 'age',
    file: 'age/ssrnet.onnx',
    url: 'https://raw.githubusercontent.com/DefTruth/lite.ai.toolkit/bfbf6a54bdf2dbd5add64b398df763afa2837b4b/examples/hub/onnx/cv/ssrnet.onnx',
    sha256: '74a7e6d0443c332b64102005d5605c62037287249191cc4bdf8adf8a7ba6e73e',
    bytes: 194_139,
    license: 'weights unstated (SSR-Net, MegaAge-Asian; hosting repo GPL-3.0): test use only',
    input: {
      name: 'input',
      width: 64,
      height: 64,
      colorOrder: 'BGR',
      mean: [0.485 * 255, 0.456 * 255, 0.406 * 255],
      std: [0.229 * 255, 0.224 * 255, 0.225 * 255],
      letterbox: { pad: 0, align: 'center' },
    },
    decoder: 'ssrnet',
  },
] satisfies ModelSpec[]);

/** Age models (issue 11): users download them (real URLs and sha256; not tried here). */
export const AGE_DOWNLOAD_MODELS: readonly ModelSpec[] = Object.freeze([
  {
    // InsightFace buffalo_l genderage.onnx (release v0.7, shipped only inside zips). This Hugging
    // Face mirror is addressed by branch: the sha256 and size, which many independent projects pin
    // for this file, keep the download exact (a changed file fails verification).
    id: 'genderage',
    task: 'age',
    file: 'age/genderage.onnx',
    url: 'https://huggingface.co/public-data/insightface/resolve/main/models/buffalo_l/genderage.onnx',
    sha256: '4fde69b1c810857b88c64a335084f1c3fe8f01246c9a191b48c7bb756d6652fb',
    bytes: 1_322_532,
    license: 'InsightFace weights: non-commercial research only',
    // A square 1.5× the face box, 96×96, RGB raw 0–255; output [1,3] = gender logits, age / 100.
    input: {
      name: 'data',
      width: 96,
      height: 96,
      colorOrder: 'RGB',
      mean: [0, 0, 0],
      std: [1, 1, 1],
      letterbox: { pad: 0, align: 'center' },
    },
    decoder: 'genderage',
  },
] satisfies ModelSpec[]);
