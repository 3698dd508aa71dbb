// The pose area (issue 11): decoders, smoothing and features are pure; the estimator is the adapter.
export { KEYPOINT_NAMES } from './records.ts';
export type { KeypointName, LivePose, PoseFeatureRow, PoseRow, Posture } from './records.ts';
export { aspectCrop, boxIou, KP, matchByIou, meanScore, squareCrop } from './geometry.ts';
export type { Box as PoseBox, CropRect, PoseCandidate } from './geometry.ts';
export { cropRgbInto, rgbToNchw, type FramePixels } from './sample.ts';
export { decodeMovenet, MOVENET_SIZE } from './movenet.ts';
export {
  decodeYoloPose,
  DEFAULT_YOLO_POSE,
  type InputTransform,
  type YoloPoseOptions,
} from './yolov8-pose.ts';
export { decodeSimcc, RTMPOSE_INPUT, RTMPOSE_MEAN, RTMPOSE_STD } from './rtmpose.ts';
export { createKeypointSmoother, DEFAULT_SMOOTHING } from './smoothing.ts';
export type { KeypointSmoother, SmoothingOptions } from './smoothing.ts';
export { MIN_FLAG_BOX_HEIGHT, motionSpeed, poseFlags, type PoseFlags } from './features.ts';
export { createFeatureWindows, DEFAULT_FEATURE_WINDOWS } from './windows.ts';
export type { FeatureWindowOptions, FeatureWindows } from './windows.ts';
export { createPoseEstimator } from './estimator.ts';
export type {
  EstimatedPose,
  PersonBox,
  PoseDecoder,
  PoseEstimator,
  PoseEstimatorOptions,
} from './estimator.ts';
export { selectPersons, type DetectionLike } from './select.ts';
