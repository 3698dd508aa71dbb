import type { Box } from './types.ts';

/**
 * Constant-velocity Kalman filter over [cx, cy, a, h, vcx, vcy, va, vh] (a = w / h), as in
 * DeepSORT and ByteTrack. One step per update call, whatever the time between frames: the noise
 * model is tuned per step, and that is what the published trackers validated.
 */
export interface KalmanState {
  /** 8 values. */
  readonly mean: Float64Array;
  /** 8 x 8, row-major. */
  readonly covariance: Float64Array;
}

const D = 8;
// Noise scales relative to the box height, so that uncertainty grows with the object's size.
const STD_POS = 1 / 20;
const STD_VEL = 1 / 160;

// Scratch for project/update. Everything here runs synchronously, so module-level buffers are safe.
const projMean = new Float64Array(4);
const projCov = new Float64Array(16);
const chol = new Float64Array(16);
const hp = new Float64Array(4 * D); // H P: the first four rows of P
const gain = new Float64Array(4 * D); // S^-1 H P, i.e. the transpose of the Kalman gain
const innovation = new Float64Array(4);
const noise = new Float64Array(D);
const solveTmp = new Float64Array(4);

/** A new filter state centred on `box`, with zero velocity and wide velocity uncertainty. */
export function kalmanInitiate(box: Box): KalmanState {
  const mean = new Float64Array(D);
  writeXyah(box, mean);
  const h = mean[3]!;
  const pos = 2 * STD_POS * h;
  const vel = 10 * STD_VEL * h;
  const covariance = new Float64Array(D * D);
  fillDiagonal(noise, pos * pos, 1e-4, vel * vel, 1e-10);
  for (let i = 0; i < D; i++) covariance[i * D + i] = noise[i]!;
  return { mean, covariance };
}

/** Advances the state one step in place: x = F x, P = F P F^T + Q. */
export function kalmanPredict(state: KalmanState): void {
  const { mean: x, covariance: p } = state;
  const h = x[3]!;
  const qPos = (STD_POS * h) ** 2;
  const qVel = (STD_VEL * h) ** 2;
  for (let i = 0; i < 4; i++) x[i] = x[i]! + x[i + 4]!;
  // F = [[I, I], [0, I]], so F P adds row i + 4 to row i, then (F P) F^T adds column j + 4 to column j.
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < D; j++) p[i * D + j] = p[i * D + j]! + p[(i + 4) * D + j]!;
  }
  for (let i = 0; i < D; i++) {
    for (let j = 0; j < 4; j++) p[i * D + j] = p[i * D + j]! + p[i * D + j + 4]!;
  }
  fillDiagonal(noise, qPos, 1e-4, qVel, 1e-10);
  for (let i = 0; i < D; i++) p[i * D + i] = p[i * D + i]! + noise[i]!;
}

/**
 * Projects the state into measurement space [cx, cy, a, h]: mean H x into `outMean` (4) and
 * covariance H P H^T + R into `outCov` (4 x 4, row-major).
 */
export function kalmanProject(state: KalmanState, outMean: Float64Array, outCov: Float64Array): void {
  const { mean: x, covariance: p } = state;
  const h = x[3]!;
  const rPos = (STD_POS * h) ** 2;
  for (let i = 0; i < 4; i++) {
    outMean[i] = x[i]!;
    for (let j = 0; j < 4; j++) outCov[i * 4 + j] = p[i * D + j]!;
    // The aspect ratio's measurement noise is absolute: it does not scale with size.
    outCov[i * 4 + i] = outCov[i * 4 + i]! + (i === 2 ? 1e-2 : rPos);
  }
}

/** Corrects the state in place with a measured box. */
export function kalmanUpdate(state: KalmanState, box: Box): void {
  const { mean: x, covariance: p } = state;
  kalmanProject(state, projMean, projCov);
  cholesky4(projCov, chol);
  // K = P H^T S^-1; with S symmetric, K^T = S^-1 (H P), found by two triangular solves per column.
  hp.set(p.subarray(0, 4 * D));
  for (let j = 0; j < D; j++) solveCholesky4(chol, hp, gain, j);

  const w = box[2] - box[0];
  const bh = box[3] - box[1];
  innovation[0] = box[0] + w / 2 - projMean[0]!;
  innovation[1] = box[1] + bh / 2 - projMean[1]!;
  innovation[2] = w / bh - projMean[2]!;
  innovation[3] = bh - projMean[3]!;
  for (let i = 0; i < D; i++) {
    let dx = 0;
    for (let k = 0; k < 4; k++) dx += gain[k * D + i]! * innovation[k]!;
    x[i] = x[i]! + dx;
  }
  // P - K S K^T equals P - K (H P), since K S = P H^T.
  for (let i = 0; i < D; i++) {
    for (let j = 0; j < D; j++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += gain[k * D + i]! * hp[k * D + j]!;
      p[i * D + j] = p[i * D + j]! - s;
    }
  }
  // Rounding makes P drift off symmetric over thousands of steps, and then Cholesky fails.
  for (let i = 0; i < D; i++) {
    for (let j = i + 1; j < D; j++) {
      const avg = (p[i * D + j]! + p[j * D + i]!) / 2;
      p[i * D + j] = avg;
      p[j * D + i] = avg;
    }
  }
}

/** The (frozen) box at the state's mean position; width and height never go below 0. */
export function kalmanBox(state: KalmanState): Box {
  const x = state.mean;
  const h = Math.max(0, x[3]!);
  const w = Math.max(0, x[2]! * h);
  const cx = x[0]!;
  const cy = x[1]!;
  return Object.freeze([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2] as const);
}

/** Variances [pos, pos, aspect, pos, vel, vel, aspectVel, vel] in the state's order. */
function fillDiagonal(out: Float64Array, pos: number, aspect: number, vel: number, aspectVel: number): void {
  out[0] = out[1] = out[3] = pos;
  out[2] = aspect;
  out[4] = out[5] = out[7] = vel;
  out[6] = aspectVel;
}

function writeXyah(box: Box, out: Float64Array): void {
  const w = box[2] - box[0];
  const h = box[3] - box[1];
  out[0] = box[0] + w / 2;
  out[1] = box[1] + h / 2;
  out[2] = w / h;
  out[3] = h;
}

/** Lower-triangular L with L L^T = s (4 x 4, symmetric positive definite). */
function cholesky4(s: Float64Array, l: Float64Array): void {
  l.fill(0);
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = s[i * 4 + j]!;
      for (let k = 0; k < j; k++) sum -= l[i * 4 + k]! * l[j * 4 + k]!;
      // R keeps S positive definite; the floor only guards against a corrupted state producing NaN.
      l[i * 4 + j] = i === j ? Math.sqrt(Math.max(sum, 1e-12)) : sum / l[j * 4 + j]!;
    }
  }
}

/** Solves L L^T x = b for column `col` of the 4 x D matrices b and out. */
function solveCholesky4(l: Float64Array, b: Float64Array, out: Float64Array, col: number): void {
  const y = solveTmp;
  for (let i = 0; i < 4; i++) {
    let sum = b[i * D + col]!;
    for (let k = 0; k < i; k++) sum -= l[i * 4 + k]! * y[k]!;
    y[i] = sum / l[i * 4 + i]!;
  }
  for (let i = 3; i >= 0; i--) {
    let sum = y[i]!;
    for (let k = i + 1; k < 4; k++) sum -= l[k * 4 + i]! * out[k * D + col]!;
    out[i * D + col] = sum / l[i * 4 + i]!;
  }
}
