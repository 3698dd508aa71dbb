import type { ModelSpec } from './manifest.ts';

/** NudeNet v3 body-part classes, in the detector's output order (nudenet/nudenet.py __labels). */
export const NUDENET_CLASSES: readonly string[] = Object.freeze([
  'FEMALE_GENITALIA_COVERED',
  'FACE_FEMALE',
  'BUTTOCKS_EXPOSED',
  'FEMALE_BREAST_EXPOSED',
  'FEMALE_GENITALIA_EXPOSED',
  'MALE_BREAST_EXPOSED',
  'ANUS_EXPOSED',
  'FEET_EXPOSED',
  'BELLY_COVERED',
  'FEET_COVERED',
  'ARMPITS_COVERED',
  'ARMPITS_EXPOSED',
  'FACE_MALE',
  'BELLY_EXPOSED',
  'MALE_GENITALIA_EXPOSED',
  'ANUS_COVERED',
  'FEMALE_BREAST_COVERED',
  'BUTTOCKS_COVERED',
]);

/** nsfwjs output order. */
export const NSFWJS_CLASSES: readonly string[] = Object.freeze([
  'Drawing',
  'Hentai',
  'Neutral',
  'Porn',
  'Sexy',
]);

/** Content-classification models (issue 11): present in shared/models (tested with real weights). */
export const NSFW_MODELS: readonly ModelSpec[] = Object.freeze([
  {
    // Converted for shared/models from infinitered/nsfwjs @ d55a54c5 models/mobilenet_v2 (a TF.js
    // layers model; not an upstream ONNX file, so the URL names the original it was made from).
    id: 'nsfwjs-mobilenet-v2',
    task: 'nsfw',
    file: 'nsfw/nsfwjs_mobilenet_v2_uint8w.onnx',
    url: 'https://raw.githubusercontent.com/infinitered/nsfwjs/d55a54c51f14380670064cc129b2ea51029c5e46/models/mobilenet_v2/model.json',
    sha256: 'acc1ae4ec47daf0cafb79c054fba39d188f38854e36eb7cead2ef5ceac446851',
    bytes: 2_735_211,
    license: 'MIT (nsfwjs)',
    // NHWC RGB /255 with align-corners bilinear (inference/src/nsfw/classify.ts does it).
    input: {
      name: 'input',
      width: 224,
      height: 224,
      colorOrder: 'RGB',
      mean: [0, 0, 0],
      std: [255, 255, 255],
      letterbox: { pad: 0, align: 'center' },
    },
    decoder: 'nsfwjs',
    classes: NSFWJS_CLASSES,
  },
] satisfies ModelSpec[]);

/** Content-classification models (issue 11): users download them (real URLs and sha256; not tried here). */
export const NSFW_DOWNLOAD_MODELS: readonly ModelSpec[] = Object.freeze([
  {
    // NudeNet v3.4 320n (YOLOv8n, ultralytics export): the release asset; sha256 and size as many
    // independent projects pin them (also the file inside the nudenet 3.4.2 wheel).
    id: 'nudenet-320n',
    task: 'nsfw',
    file: 'nsfw/nudenet_320n.onnx',
    url: 'https://github.com/notAI-tech/NudeNet/releases/download/v3.4-weights/320n.onnx',
    sha256: 'c15d8273adad2d0a92f014cc69ab2d6c311a06777a55545f2c4eb46f51911f0f',
    bytes: 12_150_158,
    license: 'AGPL-3.0 (NudeNet)',
    // Centre-padded square of the frame (black), 320×320, RGB /255, NCHW.
    input: {
      name: 'images',
      width: 320,
      height: 320,
      colorOrder: 'RGB',
      mean: [0, 0, 0],
      std: [255, 255, 255],
      letterbox: { pad: 0, align: 'center' },
    },
    decoder: 'nudenet',
    classes: NUDENET_CLASSES,
  },
] satisfies ModelSpec[]);
