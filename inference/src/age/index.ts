export { boxToRegion, regionToTensor, squareAround } from './resize.ts';
export type { PackedImage, Region, ResizeGrid, TensorLayout } from './resize.ts';
export { decodeAge, decodeGenderage, decodeSsrnet } from './decode.ts';
export type { AgeDecoder, AgeEstimate } from './decode.ts';
export { AGE_INPUTS, createAgeModel, faceRegion } from './estimator.ts';
export type { AgeFrame, AgeModel } from './estimator.ts';
export {
  ADULT_AGE,
  DEFAULT_AGE_MARGIN,
  MIN_FACE_PX,
  adultThreshold,
  ageInterval,
  ageable,
  faceVerdict,
  frameVerdict,
} from './verdict.ts';
