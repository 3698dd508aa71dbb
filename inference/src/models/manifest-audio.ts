import type { ModelSpec } from './manifest.ts';

/** Audio models present in shared/models (EfficientAT tagging and its labels). */
export const AUDIO_MODELS: readonly ModelSpec[] = [
  {
    // EfficientAT mn04_as (fschmid56/EfficientAT, MIT), AudioSet 527 classes. Input `spec`
    // [batch,1,128,frames] (32 kHz log-mel, see audio/sounds/mel.ts), output `logits` [batch,527].
    id: 'efficientat-mn04',
    task: 'audio-tag',
    file: 'audio-tag/efficientat_mn04_as.onnx',
    url: 'https://raw.githubusercontent.com/Nek1tt/Sound-Detector/9232d69f68d82437e1507f5537818b730fd5f08d/exports/mn04_as.onnx',
    sha256: '8fc05d32eeb06b50aa539f8e34e22bf38ed992a94baf04db0b9a247702675a15',
    bytes: 3_952_020,
    license: 'MIT (EfficientAT mn04_as)',
    input: null,
    decoder: 'efficientat',
  },
  {
    // AudioSet ontology labels (index, mid, display_name), the order of EfficientAT's logits.
    id: 'audioset-labels',
    task: 'data',
    file: 'audio-tag/audioset_labels.csv',
    url: 'https://raw.githubusercontent.com/fschmid56/EfficientAT/a425fdce92572e602a1d5634799bd9f1f2efa806/metadata/class_labels_indices.csv',
    sha256: 'cdd1049833c4b86127c2773ac0d14a2754b6a6d0d1798002ed5c66e699708429',
    bytes: 14_675,
    license: 'CC BY 4.0 (AudioSet ontology)',
    input: null,
    decoder: 'none',
  },
];
