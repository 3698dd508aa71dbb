import { describe, expect, it } from 'vitest';
import { createFaceTracker, linkFacesToPersons, type BoxXYXY, type Face } from '@aima/inference';

const unit = (...v: number[]): Float32Array => {
  const n = Math.hypot(...v);
  return Float32Array.from(v, (x) => x / n);
};

function face(box: BoxXYXY, o: { good?: boolean; q?: number; e?: Float32Array } = {}): Face {
  const good = o.good ?? true;
  return {
    box,
    score: 0.9,
    landmarks: new Float32Array(10),
    quality: {
      score: o.q ?? 0.5,
      sizePx: box[2] - box[0],
      sharpness: 100,
      yaw: 0,
      pitch: 0,
      good,
      reason: good ? '' : 'blurry',
    },
    embedding: good ? (o.e ?? unit(1, 0, 0)) : null,
    crop: new Uint8Array(3),
  };
}

describe('face tracker', () => {
  it('follows a moving face as one track and a second face as another', () => {
    const t = createFaceTracker();
    const ids = new Set<number>();
    for (let i = 0; i < 10; i++) {
      const r = t.update(1000 + i * 100, [
        face([100 + 3 * i, 100, 160 + 3 * i, 170]),
        face([400, 100, 460, 170], { e: unit(0, 1, 0) }),
      ]);
      expect(r).toHaveLength(2);
      r.forEach((f) => ids.add(f.faceTrackId));
      expect(t.ended(1000 + i * 100)).toEqual([]);
    }
    expect([...ids]).toEqual([1, 2]);
    const done = t.flush();
    expect(done.map((s) => [s.faceTrackId, s.faces, s.goodFaces, s.startTs, s.endTs])).toEqual([
      [1, 10, 10, 1000, 1900],
      [2, 10, 10, 1000, 1900],
    ]);
    expect(t.openCount).toBe(0);
  });

  it('ends a track once it has been unseen for longer than maxGapMs, and reports it once', () => {
    const t = createFaceTracker({ maxGapMs: 1000 });
    t.update(0, [face([0, 0, 50, 50])]);
    t.update(500, []);
    expect(t.ended(1000)).toEqual([]);
    const ended = t.ended(1001);
    expect(ended.map((s) => s.faceTrackId)).toEqual([1]);
    expect(t.ended(5000)).toEqual([]);
    // the same place later is a new track
    expect(t.update(6000, [face([0, 0, 50, 50])])[0]!.faceTrackId).toBe(2);
  });

  it('aggregates the good faces only, weighted by quality, into a unit embedding; keeps the best crop', () => {
    const t = createFaceTracker();
    const a = unit(1, 0, 0);
    const b = unit(0.6, 0.8, 0);
    const bestCrop = new Uint8Array([9, 9, 9]);
    t.update(0, [face([0, 0, 50, 50], { e: a, q: 0.8 })]);
    t.update(100, [{ ...face([1, 0, 51, 50], { e: b, q: 0.2 }) }]);
    t.update(200, [{ ...face([2, 0, 52, 50], { good: false, q: 0.99 }), crop: new Uint8Array(3) }]);
    t.update(300, [{ ...face([3, 0, 53, 50], { e: a, q: 0.9 }), crop: bestCrop }]);
    const [s] = t.flush();
    expect(s!.faces).toBe(4);
    expect(s!.goodFaces).toBe(3);
    const want = [0.8 + 0.2 * 0.6 + 0.9, 0.2 * 0.8, 0];
    const n = Math.hypot(...want);
    s!.embedding!.forEach((v, i) => expect(v).toBeCloseTo(want[i]! / n, 5));
    // a not-good face never beats a good one, whatever its score
    expect(s!.best.ts).toBe(300);
    expect(s!.best.crop).toBe(bestCrop);
    expect(s!.best.quality).toBeCloseTo(0.9);
  });

  it('has no embedding for a track without good faces', () => {
    const t = createFaceTracker();
    t.update(0, [face([0, 0, 50, 50], { good: false })]);
    const [s] = t.flush();
    expect(s!.embedding).toBeNull();
    expect(s!.goodFaces).toBe(0);
  });

  it('keeps the track across a jump when the person track is the same, and links faces to persons', () => {
    const t = createFaceTracker();
    const person = (x: number): { trackId: number; box: BoxXYXY } => ({
      trackId: 7,
      box: [x, 0, x + 100, 300],
    });
    const r1 = t.update(0, [face([20, 10, 80, 70])], [person(0)]);
    expect(r1[0]!.personTrackId).toBe(7);
    // low frame rate: the face moved by more than its width, but it is still person 7's face
    const r2 = t.update(400, [face([120, 12, 180, 72])], [person(100)]);
    expect(r2[0]!.faceTrackId).toBe(r1[0]!.faceTrackId);
    const [s] = t.flush();
    expect(s!.personTrackId).toBe(7);
  });

  it('re-identifies a face that jumped without overlap when its embedding matches the track', () => {
    const t = createFaceTracker();
    t.update(0, [face([0, 0, 50, 50], { e: unit(1, 0.1, 0) })]);
    const r = t.update(200, [face([300, 0, 350, 50], { e: unit(1, 0, 0.1) })]);
    expect(r[0]!.faceTrackId).toBe(1);
    // a face without an embedding (not good) cannot be re-identified
    expect(t.update(400, [face([0, 200, 50, 250], { good: false })])[0]!.faceTrackId).toBe(2);
  });

  it('does not continue a track with a face that is clearly someone else', () => {
    const t = createFaceTracker();
    t.update(0, [face([0, 0, 50, 50], { e: unit(1, 0, 0) })]);
    const r = t.update(100, [face([2, 0, 52, 50], { e: unit(0, 1, 0) })]);
    expect(r[0]!.faceTrackId).toBe(2);
  });

  it('still mode: every face is its own track, ended at once', () => {
    const t = createFaceTracker({ still: true });
    const r1 = t.update(0, [face([0, 0, 50, 50]), face([100, 0, 150, 50])]);
    expect(r1.map((f) => f.faceTrackId)).toEqual([1, 2]);
    expect(t.ended(0).map((s) => s.faceTrackId)).toEqual([1, 2]);
    const r2 = t.update(1000, [face([0, 0, 50, 50])]);
    expect(r2[0]!.faceTrackId).toBe(3);
    expect(t.flush().map((s) => s.faceTrackId)).toEqual([3]);
  });

  it('links a face to the person whose box holds it in its upper half, best-centred first', () => {
    const persons = [
      { trackId: 1, box: [0, 0, 200, 400] as BoxXYXY },
      { trackId: 2, box: [80, 0, 180, 300] as BoxXYXY },
    ];
    // face centred in person 2 (also inside person 1, off-centre)
    expect(linkFacesToPersons([[110, 20, 150, 70]], persons)).toEqual([2]);
    // face in the lower half of every box: nobody's
    expect(linkFacesToPersons([[10, 300, 50, 350]], persons)).toEqual([0]);
    // two faces, one person each
    expect(
      linkFacesToPersons(
        [
          [110, 20, 150, 70],
          [20, 20, 60, 70],
        ],
        persons,
      ),
    ).toEqual([2, 1]);
    expect(linkFacesToPersons([[10, 10, 50, 50]], [])).toEqual([0]);
  });
});
