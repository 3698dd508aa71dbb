import { COCO80 } from '../detect/coco.ts';
import { AUDIO_MODELS } from './manifest-audio.ts';
import { ASR_MODELS } from './manifest-asr.ts';
import { SPEAKER_MODELS } from './manifest-speakers.ts';
import { AGE_MODELS, AGE_DOWNLOAD_MODELS } from './manifest-age.ts';
import { NSFW_MODELS, NSFW_DOWNLOAD_MODELS } from './manifest-nsfw.ts';
import { POSE_MODELS, POSE_DOWNLOAD_MODELS } from './manifest-pose.ts';
import { TAG_MODELS, TAG_DOWNLOAD_MODELS } from './manifest-tags.ts';

export type ModelTask =
  | 'detect'
  | 'face-detect'
  | 'face-embed'
  | 'vad'
  | 'audio-tag'
  | 'asr'
  | 'speaker-segmentation'
  | 'speaker-embedding'
  | 'pose'
  | 'image-text'
  | 'age'
  | 'nsfw'
  | 'data';
export type DecoderKind =
  | 'yolox'
  | 'yolov8'
  | 'yunet'
  | 'scrfd'
  | 'embedding'
  | 'silero-vad'
  | 'efficientat'
  | 'whisper'
  | 'zipformer-transducer'
  | 'zipformer-streaming'
  | 'pyannote-segmentation'
  | 'speaker-embedding'
  | 'movenet'
  | 'yolov8-pose'
  | 'rtmpose-simcc'
  | 'clip-image'
  | 'clip-text'
  | 'ssrnet'
  | 'genderage'
  | 'nsfwjs'
  | 'nudenet'
  | 'none';
export type ColorOrder = 'RGB' | 'BGR';

/** How frames become the model's input tensor (NCHW float32). */
export interface ImageInputSpec {
  readonly name: string;
  readonly width: number;
  readonly height: number;
  readonly colorOrder: ColorOrder;
  /** Per-channel (in the model's colour order): value = (pixel - mean) / std. */
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
  /** Letterbox: keep aspect ratio, place the image, pad with `pad`. */
  readonly letterbox: { readonly pad: number; readonly align: 'top-left' | 'center' };
}

/** One known model: where it comes from, how to check it, how to feed and decode it. */
export interface ModelSpec {
  readonly id: string;
  readonly task: ModelTask;
  /** Path relative to AIMA_MODELS_DIR and the cache dir. */
  readonly file: string;
  /** Canonical download URL, pinned to a commit or release so the hash stays valid. */
  readonly url: string;
  readonly sha256: string;
  readonly bytes: number;
  readonly license: string;
  readonly input: ImageInputSpec | null;
  readonly decoder: DecoderKind;
  readonly classes?: readonly string[];
}

// Facts from shared/models/MANIFEST.md (each file loaded and run there with onnxruntime-node 1.30).
export const BUILTIN_MODELS: readonly ModelSpec[] = Object.freeze([
  {
    id: 'yolox-nano',
    task: 'detect',
    file: 'detector/yolox_nano.onnx',
    url: 'https://raw.githubusercontent.com/hamacom2004jp/iinfer/c7f9a3c5216c6f8b3e8b35886f863dffa2dc0bf9/models/yolox_nano.onnx',
    sha256: 'd39bee73564e338080378b0ad567fbb40e818b55bbfaf971de82a0267ed16b8a',
    bytes: 3_713_911,
    license: 'Apache-2.0 (Megvii YOLOX)',
    input: {
      name: 'images',
      width: 416,
      height: 416,
      colorOrder: 'BGR',
      mean: [0, 0, 0],
      std: [1, 1, 1],
      letterbox: { pad: 114, align: 'top-left' },
    },
    decoder: 'yolox',
    classes: COCO80,
  },
  {
    id: 'yunet-2026may',
    task: 'face-detect',
    file: 'face-detect/face_detection_yunet_2026may.onnx',
    url: 'https://raw.githubusercontent.com/RuDr8A/RealTime-PPE-Compliance/d876a822bbb20180b9ed7850c1d3229d72883067/face_detection_yunet_2026may.onnx',
    sha256: 'ebafce4e3c118d6554634be5c27ab333b4c047a9a8c3faf1d7cf93101c22f0f0',
    bytes: 229_738,
    license: 'MIT (OpenCV Zoo YuNet)',
    input: {
      name: 'input',
      width: 640,
      height: 640,
      colorOrder: 'BGR',
      mean: [0, 0, 0],
      std: [1, 1, 1],
      letterbox: { pad: 0, align: 'top-left' },
    },
    decoder: 'yunet',
  },
  {
    id: 'scrfd-500m',
    task: 'face-detect',
    file: 'face-detect/det_500m.onnx',
    url: 'https://raw.githubusercontent.com/yukkki7/FaceAnalysisApp/d4126572f7642f97f903cfab7ab73f67e99622db/models/scrfd_500m.onnx',
    sha256: '5e4447f50245bbd7966bd6c0fa52938c61474a04ec7def48753668a9d8b4ea3a',
    bytes: 2_524_817,
    license: 'InsightFace weights: non-commercial research only',
    input: {
      name: 'input.1',
      width: 640,
      height: 640,
      colorOrder: 'RGB',
      mean: [127.5, 127.5, 127.5],
      std: [128, 128, 128],
      letterbox: { pad: 0, align: 'top-left' },
    },
    decoder: 'scrfd',
  },
  {
    id: 'mobilefacenet',
    task: 'face-embed',
    file: 'face-embed/mobilefacenet.onnx',
    url: 'https://raw.githubusercontent.com/hyeonjunchoi/AutoTracking_RassibarryPi/414044f3ccb702a47c1f270a748d425ba34e335a/mobilefacenet.onnx',
    sha256: '0c9ad2a83969fc82155706f7020e6926b4a1a90a5476fff4a5588dfe207f64a4',
    bytes: 3_998_463,
    license: 'unclear (treat as research-only)',
    input: {
      name: 'input',
      width: 112,
      height: 112,
      colorOrder: 'RGB',
      mean: [127.5, 127.5, 127.5],
      std: [127.5, 127.5, 127.5],
      letterbox: { pad: 0, align: 'center' },
    },
    decoder: 'embedding',
  },
  {
    id: 'silero-vad',
    task: 'vad',
    file: 'vad/silero_vad.onnx',
    url: 'https://raw.githubusercontent.com/snakers4/silero-vad/806dcba3f0b5d95282d0889a074954a2f8c6397b/src/silero_vad/data/silero_vad.onnx',
    sha256: '1a153a22f4509e292a94e67d6f9b85e8deb25b4988682b7e174c65279d8788e3',
    bytes: 2_327_524,
    license: 'MIT (Silero VAD v6.2)',
    input: null,
    decoder: 'silero-vad',
  },
  ...AUDIO_MODELS,
  ...POSE_MODELS,
  ...TAG_MODELS,
  ...AGE_MODELS,
  ...NSFW_MODELS,
] satisfies ModelSpec[]);

/** The default detector. */
export const DEFAULT_DETECTOR_ID = 'yolox-nano';

/** The default face detector and embedder (both in shared/models, so tests and offline runs have them). */
export const DEFAULT_FACE_DETECTOR_ID = 'yunet-2026may';
export const DEFAULT_FACE_EMBEDDER_ID = 'mobilefacenet';

/**
 * Stronger public face embedders a user can pull (`aima models pull <id>`); not in shared/models
 * (both are over its 4 MiB fetch limit), so they stay out of BUILTIN_MODELS, whose every entry the
 * registry test resolves locally. Both take the same 112×112 ArcFace-aligned crop as MobileFaceNet.
 * Their person thresholds were not measured here (DEFAULT_PERSON_THRESHOLDS is for MobileFaceNet).
 */
export const DOWNLOAD_ONLY_MODELS: readonly ModelSpec[] = Object.freeze([
  {
    // sha256 and size as pinned by several independent projects for the OpenCV Zoo file (Git LFS
    // object, served from media.githubusercontent.com at this opencv_zoo commit).
    id: 'sface-2021dec',
    task: 'face-embed',
    file: 'face-embed/face_recognition_sface_2021dec.onnx',
    url: 'https://media.githubusercontent.com/media/opencv/opencv_zoo/47534e27c9851bb1128ccc0102f1145e27f23f98/models/face_recognition_sface/face_recognition_sface_2021dec.onnx',
    sha256: '0ba9fbfa01b5270c96627c4ef784da859931e02f04419c829e83484087c34e79',
    bytes: 38_696_353,
    license: 'Apache-2.0 (OpenCV Zoo SFace)',
    // OpenCV's FaceRecognizerSF: blobFromImage(crop, 1, 112×112, mean 0, swapRB) → RGB, raw 0–255.
    input: {
      name: 'data',
      width: 112,
      height: 112,
      colorOrder: 'RGB',
      mean: [0, 0, 0],
      std: [1, 1, 1],
      letterbox: { pad: 0, align: 'center' },
    },
    decoder: 'embedding',
  },
  {
    // w600k_mbf.onnx of InsightFace's buffalo_sc / buffalo_s packs (release v0.7, shipped only
    // inside zips). No commit-pinned single-file mirror was found: this Hugging Face mirror is
    // addressed by branch, so the sha256 (and size), which several independent projects pin for
    // this file, is what keeps the download exact: a changed file fails verification.
    id: 'arcface-w600k-mbf',
    task: 'face-embed',
    file: 'face-embed/w600k_mbf.onnx',
    url: 'https://huggingface.co/WePrompt/buffalo_sc/resolve/main/w600k_mbf.onnx',
    sha256: '9cc6e4a75f0e2bf0b1aed94578f144d15175f357bdc05e815e5c4a02b319eb4f',
    bytes: 13_616_099,
    license: 'InsightFace weights: non-commercial research only',
    // InsightFace ArcFaceONNX: RGB, (x − 127.5) / 127.5, 512-d output.
    input: {
      name: 'input.1',
      width: 112,
      height: 112,
      colorOrder: 'RGB',
      mean: [127.5, 127.5, 127.5],
      std: [127.5, 127.5, 127.5],
      letterbox: { pad: 0, align: 'center' },
    },
    decoder: 'embedding',
  },
  ...ASR_MODELS,
  ...SPEAKER_MODELS,
  ...POSE_DOWNLOAD_MODELS,
  ...TAG_DOWNLOAD_MODELS,
  ...AGE_DOWNLOAD_MODELS,
  ...NSFW_DOWNLOAD_MODELS,
] satisfies ModelSpec[]);
