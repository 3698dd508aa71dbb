// Per-pose features from keypoint geometry relative to the person box (pure). Image y grows
// downwards; "left" is the subject's left. Thresholds are stated with their reasons below.
import type { Posture } from './records.ts';
import { KP, point, type Box } from './geometry.ts';

export interface PoseFlags {
  readonly posture: Posture;
  readonly wristsTogether: boolean;
  readonly wristsBehindBack: boolean;
  readonly armsAboveHead: boolean;
}

/** Torso tilt from vertical (degrees) past which a person is lying: 55° leaves slouching upright. */
const LYING_TILT = 55;
/** A standing thigh drops at least this share of the torso length below the hips... */
const STANDING_THIGH_DROP = 0.6;
/** ...and leans less than this from vertical (a seated thigh is near horizontal). */
const STANDING_THIGH_TILT = 40;
/** Wrists closer than this share of the shoulder width are together (held or tied). */
const WRISTS_TOGETHER = 0.4;
/**
 * Hand and arm flags need a person at least this tall (source px): on smaller crops MoveNet's wrist
 * scores are noise, and an unseen wrist would read as "hidden behind the back" (walking people
 * seen from a high camera did exactly that).
 */
export const MIN_FLAG_BOX_HEIGHT = 96;
/** "Hidden" wrists score below this (a merely uncertain wrist is not hidden)... */
const HIDDEN_WRIST = 0.15;
/** ...while both elbows are seen with at least this score... */
const CLEAR_ELBOW = 0.5;
/** ...and the shoulders face the camera (width ≥ this share of the box height; side-on they overlap). */
const FRONTAL_SHOULDERS = 0.12;

type Pt = { x: number; y: number };
const mid = (a: Pt | null, b: Pt | null): Pt | null =>
  a && b ? { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 } : (a ?? b);
const dist = (a: Pt, b: Pt): number => Math.hypot(a.x - b.x, a.y - b.y);

/** Posture, wrists and arms of one pose. */
export function poseFlags(kp: readonly number[], box: Box, minScore = 0.3): PoseFlags {
  const p = (i: number) => point(kp, i, minScore);
  const ls = p(KP.leftShoulder);
  const rs = p(KP.rightShoulder);
  const lh = p(KP.leftHip);
  const rh = p(KP.rightHip);
  const lw = p(KP.leftWrist);
  const rw = p(KP.rightWrist);
  const boxW = box[2] - box[0];
  const boxH = Math.max(1, box[3] - box[1]);
  const shoulders = mid(ls, rs);
  const hips = mid(lh, rh);
  const torsoLen = shoulders && hips ? dist(shoulders, hips) : 0.35 * boxH;

  let posture: Posture = 'unknown';
  if (shoulders && hips) {
    // atan2(|dx|, dy): 0 upright, 90 horizontal, 180 upside down.
    const tilt = (Math.atan2(Math.abs(hips.x - shoulders.x), hips.y - shoulders.y) * 180) / Math.PI;
    if (tilt > LYING_TILT) posture = 'lying';
    else {
      const knees = mid(p(KP.leftKnee), p(KP.rightKnee));
      if (knees) {
        const drop = (knees.y - hips.y) / Math.max(1, torsoLen);
        const thighTilt = (Math.atan2(Math.abs(knees.x - hips.x), knees.y - hips.y) * 180) / Math.PI;
        posture = drop > STANDING_THIGH_DROP && thighTilt < STANDING_THIGH_TILT ? 'standing' : 'sitting';
      }
    }
  } else if (boxW > 1.3 * boxH) posture = 'lying';

  // Shoulder width as the body's scale; side-on shoulders overlap, then a quarter box height.
  const sw = ls && rs ? dist(ls, rs) : 0;
  const scale = sw >= 0.1 * boxH ? sw : 0.25 * boxH;
  const flags = boxH >= MIN_FLAG_BOX_HEIGHT;
  const wristsTogether = flags && lw !== null && rw !== null && dist(lw, rw) < WRISTS_TOGETHER * scale;

  const score = (i: number): number => kp[i * 3 + 2] ?? 0;
  let wristsBehindBack = false;
  if (flags && ls && rs && lh && rh) {
    const elbowsClear = score(KP.leftElbow) >= CLEAR_ELBOW && score(KP.rightElbow) >= CLEAR_ELBOW;
    const wristsHidden = score(KP.leftWrist) < HIDDEN_WRIST && score(KP.rightWrist) < HIDDEN_WRIST;
    if (wristsHidden && elbowsClear && sw >= FRONTAL_SHOULDERS * boxH)
      wristsBehindBack = true; // facing us, arms there, both hands hidden behind the torso
    else if (lw && rw) {
      // Crossed at the hips: the left wrist on the right wrist's side of the body.
      const facing = Math.sign(ls.x - rs.x) || 1;
      const crossed = facing * (lw.x - rw.x) < 0;
      const atHips = Math.abs((lw.y + rw.y) / 2 - hips!.y) < 0.35 * torsoLen;
      wristsBehindBack = crossed && atHips;
    }
  }

  let armsAboveHead = false;
  if (flags && lw && rw) {
    let top = Infinity;
    for (const i of [KP.nose, KP.leftEye, KP.rightEye, KP.leftEar, KP.rightEar]) {
      const h = p(i);
      if (h) top = Math.min(top, h.y);
    }
    if (top === Infinity && shoulders) top = shoulders.y - 0.5 * torsoLen;
    armsAboveHead = lw.y < top && rw.y < top;
  }
  return { posture, wristsTogether, wristsBehindBack, armsAboveHead };
}

/**
 * Mean displacement of the keypoints confident in both poses, in box heights per second; null
 * when no keypoint is shared or dt is not positive.
 */
export function motionSpeed(
  a: readonly number[],
  b: readonly number[],
  dtMs: number,
  boxHeight: number,
  minScore = 0.3,
): number | null {
  if (dtMs <= 0) return null;
  let sum = 0;
  let n = 0;
  for (let k = 0; k < 17; k++) {
    if (a[k * 3 + 2]! < minScore || b[k * 3 + 2]! < minScore) continue;
    sum += Math.hypot(b[k * 3]! - a[k * 3]!, b[k * 3 + 1]! - a[k * 3 + 1]!);
    n++;
  }
  if (n === 0) return null;
  return sum / n / Math.max(1, boxHeight) / (dtMs / 1000);
}
