import { describe, expect, it } from 'vitest';
import {
  kalmanBox,
  kalmanInitiate,
  kalmanPredict,
  kalmanProject,
  kalmanUpdate,
} from '../src/tracking/kalman.ts';
import type { Box } from '../src/tracking/types.ts';

/** A 40 x 80 box whose top-left corner moves by (vx, vy) px per step. */
function boxAt(step: number, vx: number, vy: number): Box {
  const x = 100 + vx * step;
  const y = 50 + vy * step;
  return [x, y, x + 40, y + 80];
}

function expectBoxClose(actual: Box, expected: Box, tolerance: number): void {
  actual.forEach((v, i) => expect(Math.abs(v - expected[i]!)).toBeLessThan(tolerance));
}

describe('Kalman filter', () => {
  it('starts at the measured box with zero velocity', () => {
    const s = kalmanInitiate([10, 20, 50, 100]);
    expect([...s.mean]).toEqual([30, 60, 0.5, 80, 0, 0, 0, 0]);
    expectBoxClose(kalmanBox(s), [10, 20, 50, 100], 1e-9);
  });

  it('predicts a constant-velocity box close to its true next position after a few updates', () => {
    const s = kalmanInitiate(boxAt(0, 6, -3));
    for (let step = 1; step <= 8; step++) {
      kalmanPredict(s);
      kalmanUpdate(s, boxAt(step, 6, -3));
    }
    kalmanPredict(s);
    expectBoxClose(kalmanBox(s), boxAt(9, 6, -3), 1);
    expect(s.mean[4]).toBeCloseTo(6, 0);
    expect(s.mean[5]).toBeCloseTo(-3, 0);
  });

  it('keeps extrapolating through missed measurements', () => {
    const s = kalmanInitiate(boxAt(0, 5, 0));
    for (let step = 1; step <= 10; step++) {
      kalmanPredict(s);
      kalmanUpdate(s, boxAt(step, 5, 0));
    }
    for (let step = 11; step <= 13; step++) kalmanPredict(s);
    expectBoxClose(kalmanBox(s), boxAt(13, 5, 0), 2);
  });

  it('grows uncertainty on predict and shrinks it on update, keeping covariance symmetric', () => {
    const s = kalmanInitiate([0, 0, 40, 80]);
    const mean = new Float64Array(4);
    const cov = new Float64Array(16);
    kalmanProject(s, mean, cov);
    const initial = cov[0]!;
    kalmanPredict(s);
    kalmanProject(s, mean, cov);
    const predicted = cov[0]!;
    kalmanUpdate(s, [1, 1, 41, 81]);
    kalmanProject(s, mean, cov);
    expect(predicted).toBeGreaterThan(initial);
    expect(cov[0]).toBeLessThan(predicted);
    for (let i = 0; i < 8; i++) {
      for (let j = 0; j < 8; j++) expect(s.covariance[i * 8 + j]).toBeCloseTo(s.covariance[j * 8 + i]!, 12);
    }
  });

  it('stays finite over a long run', () => {
    const s = kalmanInitiate(boxAt(0, 2, 1));
    for (let step = 1; step <= 5000; step++) {
      kalmanPredict(s);
      kalmanUpdate(s, boxAt(step, 2, 1));
    }
    expect([...s.mean, ...s.covariance].every(Number.isFinite)).toBe(true);
    kalmanPredict(s);
    expectBoxClose(kalmanBox(s), boxAt(5001, 2, 1), 0.5);
  });
});
