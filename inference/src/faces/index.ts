export type { Face, FaceCandidate, FaceDetection, FaceQuality, FaceRejectReason } from './types.ts';
export { decodeScrfd, decodeYunet, nmsFaces } from './decode.ts';
export type { FaceDecodeParams } from './decode.ts';
export {
  ALIGNED_SIZE,
  ARCFACE_TEMPLATE_112,
  alignFace,
  applySimilarity,
  cropToTensor,
  similarityTransform,
} from './align.ts';
export type { Similarity2D } from './align.ts';
export { assessQuality, DEFAULT_FACE_QUALITY, landmarkPose, cropSharpness } from './quality.ts';
export type { FaceQualityOptions, QualityInput } from './quality.ts';
export { createFaceAnalyzer, l2Normalise } from './analyzer.ts';
export type { FaceAnalysis, FaceAnalyzer, FaceAnalyzerOptions, FaceInput, FaceTimings } from './analyzer.ts';
export { faceSearchRegion, letterboxWindowInto, planWindows } from './regions.ts';
export type { InputWindow, WindowPlanOptions } from './regions.ts';
export { createLookPlanner } from './looks.ts';
export type { LookOutcome, LookPlan, LookPlanner, LookPlannerOptions } from './looks.ts';
export { createFaceTracker, linkFacesToPersons } from './tracker.ts';
export type {
  FaceTracker,
  FaceTrackerOptions,
  FaceTrackSummary,
  PersonTrackBox,
  TrackedFace,
} from './tracker.ts';
