export { NSFWJS_INPUT, createNsfwClassifier, decodeNsfwjs, nsfwjsTensor } from './classify.ts';
export type { NsfwClassifier, NsfwScores } from './classify.ts';
export { decodeNudenet, nudenetLetterbox, nudenetTensor } from './nudenet.ts';
export type { NudeNetDetection, NudeNetLetterbox } from './nudenet.ts';
export { NSFWJS_CLASSES, NUDENET_CLASSES } from '../models/manifest-nsfw.ts';
