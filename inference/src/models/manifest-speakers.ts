import type { ModelSpec } from './manifest.ts';

/** The speakers analyzer's default voice embedder (English, VoxCeleb-trained CAM++). */
export const DEFAULT_SPEAKER_EMBEDDER_ID = '3dspeaker-campplus-en-voxceleb';
/** The segmentation model sherpa-onnx's offline diarization uses on files when it is present. */
export const DEFAULT_SPEAKER_SEGMENTATION_ID = 'pyannote-segmentation-3.0';

/**
 * Speaker segmentation and embedding models users download (sherpa-onnx exports carrying the
 * metadata its loaders read); not in shared/models, none was downloaded or run here. Every URL is
 * pinned to a Hugging Face commit; each sha256 and size is the one several independent public
 * projects pin for that file (found with the code search, not computed here), so a changed file
 * fails verification rather than loading.
 */
export const SPEAKER_MODELS: readonly ModelSpec[] = Object.freeze([
  {
    // pyannote/segmentation-3.0, float32 sherpa-onnx export (model.onnx of the release archive
    // sherpa-onnx-pyannote-segmentation-3-0.tar.bz2, also published on Hugging Face). The int8
    // variant is smaller, but one project reports it over-counting speakers; we pin the float one.
    id: DEFAULT_SPEAKER_SEGMENTATION_ID,
    task: 'speaker-segmentation',
    file: 'speakers/pyannote-segmentation-3.0.onnx',
    url: 'https://huggingface.co/csukuangfj/sherpa-onnx-pyannote-segmentation-3-0/resolve/9403a6902bb58e3d5ae8c7e77c3422de279db2e0/model.onnx',
    sha256: '220ad67ca923bef2fa91f2390c786097bf305bceb5e261d4af67b38e938e1079',
    bytes: 5_992_913,
    license: 'MIT (pyannote.audio segmentation-3.0, CNRS)',
    input: null,
    decoder: 'pyannote-segmentation',
  },
  {
    // 3D-Speaker CAM++ trained on VoxCeleb (English), 16 kHz, sherpa-onnx export
    // (framework '3d-speaker': normalised samples, global-mean feature normalisation).
    id: DEFAULT_SPEAKER_EMBEDDER_ID,
    task: 'speaker-embedding',
    file: 'speakers/3dspeaker_speech_campplus_sv_en_voxceleb_16k.onnx',
    url: 'https://huggingface.co/csukuangfj/speaker-embedding-models/resolve/0743f301363dec56491a490f6d6cbc9d67f9a3bf/3dspeaker_speech_campplus_sv_en_voxceleb_16k.onnx',
    sha256: '357a834f702b80161e5b981182c038e18553c1f2ca752ed6cec2052365d4129b',
    bytes: 29_596_978,
    license: 'Apache-2.0 (3D-Speaker CAM++; ONNX export by sherpa-onnx)',
    input: null,
    decoder: 'speaker-embedding',
  },
  {
    // 3D-Speaker CAM++ "common advanced", Chinese and English, 16 kHz, sherpa-onnx export.
    id: '3dspeaker-campplus-zh-en-advanced',
    task: 'speaker-embedding',
    file: 'speakers/3dspeaker_speech_campplus_sv_zh_en_16k-common_advanced.onnx',
    url: 'https://huggingface.co/csukuangfj/speaker-embedding-models/resolve/0743f301363dec56491a490f6d6cbc9d67f9a3bf/3dspeaker_speech_campplus_sv_zh_en_16k-common_advanced.onnx',
    sha256: 'aa3cfc16963a10586a9393f5035d6d6b57e98d358b347f80c2a30bf4f00ceba2',
    bytes: 28_281_164,
    license: 'Apache-2.0 (3D-Speaker CAM++; ONNX export by sherpa-onnx)',
    input: null,
    decoder: 'speaker-embedding',
  },
] satisfies ModelSpec[]);
