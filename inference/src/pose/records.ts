// Rows and messages of the pose analyzer (issue 11). Times are wall-clock ms on the frames' clock;
// coordinates are source pixels (the same space as detection boxes).

/** COCO-17 keypoint order (MoveNet, YOLOv8/11-pose, RTMPose-COCO). "Left" is the subject's left. */
export const KEYPOINT_NAMES = Object.freeze([
  'nose',
  'left_eye',
  'right_eye',
  'left_ear',
  'right_ear',
  'left_shoulder',
  'right_shoulder',
  'left_elbow',
  'right_elbow',
  'left_wrist',
  'right_wrist',
  'left_hip',
  'right_hip',
  'left_knee',
  'right_knee',
  'left_ankle',
  'right_ankle',
] as const);
export type KeypointName = (typeof KEYPOINT_NAMES)[number];

/** One person's pose on one analysed frame (table `poses`). */
export interface PoseRow {
  readonly sourceId: string;
  readonly ts: number;
  readonly seq: number;
  /** detect's person track (0 for models that find people themselves and no track matched). */
  readonly trackId: number;
  /** The person box the pose was taken in, [x1, y1, x2, y2]. */
  readonly box: readonly [number, number, number, number];
  /** 17 × [x, y, score] flattened (51 numbers), smoothed along the track. */
  readonly keypoints: readonly number[];
  /** Mean keypoint score. */
  readonly score: number;
  readonly modelId: string;
}

export type Posture = 'standing' | 'sitting' | 'lying' | 'unknown';

/** Derived features of one person track over one window (table `pose_features`). */
export interface PoseFeatureRow {
  readonly sourceId: string;
  readonly trackId: number;
  readonly startTs: number;
  readonly endTs: number;
  /** Poses in the window. */
  readonly frames: number;
  /** The most frequent posture in the window. */
  readonly posture: Posture;
  /** Share of the window's poses (0..1) with both wrists close together. */
  readonly wristsTogether: number;
  /** Share with both wrists behind the torso (hidden/low score behind the hips line, or crossed behind). */
  readonly wristsBehindBack: number;
  /** Share with both wrists above the head. */
  readonly armsAboveHead: number;
  /** Mean keypoint motion, person-box heights per second. */
  readonly motionEnergy: number;
  /** How long the track has been still at endTs, ms (0 when it moved). */
  readonly immobileMs: number;
}

/** Live message kind 'pose': the skeletons of one analysed frame. */
export interface LivePose {
  readonly seq: number;
  readonly persons: ReadonlyArray<{ readonly trackId: number; readonly keypoints: readonly number[] }>;
}
