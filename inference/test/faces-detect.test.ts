import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createFaceAnalyzer,
  createFaceTracker,
  createModelRegistry,
  type DetectInput,
  type Face,
  type FaceAnalyzer,
  type FaceTrackSummary,
} from '@aima/inference';
import { MEDIA_DIR, MODELS_DIR, ffmpegFrames } from './helpers.ts';
import { loadImage, media, type FaceLabels } from './faces-fixtures.ts';

const HAMILTON = path.join(MEDIA_DIR, 'video/short_hamilton_clip.mp4');
const DETECTORS = ['yunet-2026may', 'scrfd-500m'] as const;

function iou(a: Face['box'], b: Face['box']): number {
  const iw = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const ih = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter);
}

describe('face detection, alignment and embedding on real images', () => {
  const analyzers = new Map<string, FaceAnalyzer>();
  let labels: FaceLabels;
  let singles: string[];
  const images = new Map<string, DetectInput>();
  const found = new Map<string, Map<string, Face[]>>();

  beforeAll(async () => {
    const reg = createModelRegistry({ modelsDir: MODELS_DIR });
    const embedModel = await reg.resolve('mobilefacenet');
    for (const id of DETECTORS) {
      analyzers.set(id, await createFaceAnalyzer({ detectModel: await reg.resolve(id), embedModel }));
    }
    labels = JSON.parse(await readFile(path.join(MEDIA_DIR, 'labels.json'), 'utf8')) as FaceLabels;
    singles = Object.keys(labels.faces).filter((f) => /^faces\/(train|test)\//.test(f));
    for (const f of [...singles, ...Object.keys(labels.multi_faces)]) images.set(f, loadImage(media(f)));
    for (const [id, a] of analyzers) {
      const byFile = new Map<string, Face[]>();
      for (const [f, img] of images) byFile.set(f, (await a.analyze([img])).faces[0]!);
      found.set(id, byFile);
    }
  });
  afterAll(async () => {
    for (const a of analyzers.values()) await a.close();
  });

  it('finds the face of every single-identity image of faces/train and faces/test, with both detectors', () => {
    expect(singles.length).toBeGreaterThanOrEqual(12);
    for (const id of DETECTORS) {
      const counts = singles.map((f) => found.get(id)!.get(f)!.length);
      console.log(
        `${id}: faces per image ${singles.map((f, i) => `${path.basename(f)}=${counts[i]}`).join(' ')}`,
      );
      for (const f of singles) {
        const faces = found.get(id)!.get(f)!;
        expect(faces.length, `${id} on ${f}`).toBeGreaterThanOrEqual(1);
        // the labelled face is good enough to identify
        expect(
          faces.some((x) => x.quality.good && x.embedding !== null),
          `${id} good face on ${f}`,
        ).toBe(true);
      }
    }
  });

  it('finds both people of the multi-face test images', () => {
    for (const id of DETECTORS) {
      for (const f of ['faces/test/kit_with_rose.jpg', 'faces/test/obama_and_biden.jpg']) {
        const faces = found.get(id)!.get(f)!;
        console.log(
          `${id}: ${f} → ${faces.length} faces, ${faces.filter((x) => x.quality.good).length} good`,
        );
        expect(faces.filter((x) => x.quality.good).length).toBeGreaterThanOrEqual(2);
      }
    }
  });

  it('YuNet and SCRFD agree on every good face (boxes and landmarks)', () => {
    const ious: number[] = [];
    for (const [f, yunetFaces] of found.get('yunet-2026may')!) {
      const scrfd = found.get('scrfd-500m')!.get(f)!;
      for (const y of yunetFaces.filter((x) => x.quality.good)) {
        const best = scrfd.reduce<{ o: number; s: Face | null }>(
          (acc, s) => (iou(y.box, s.box) > acc.o ? { o: iou(y.box, s.box), s } : acc),
          { o: 0, s: null },
        );
        ious.push(best.o);
        expect(best.o, `${f}: YuNet face at ${y.box.map(Math.round).join(',')}`).toBeGreaterThan(0.6);
        // landmarks within 15 % of the face size of each other (the two annotate mouth corners differently)
        const size = y.box[2] - y.box[0];
        for (let j = 0; j < 10; j += 2) {
          const d = Math.hypot(
            y.landmarks[j]! - best.s!.landmarks[j]!,
            y.landmarks[j + 1]! - best.s!.landmarks[j + 1]!,
          );
          expect(d / size).toBeLessThan(0.15);
        }
      }
    }
    console.log(
      `YuNet↔SCRFD IoU over ${ious.length} good faces: min ${Math.min(...ious).toFixed(2)}, mean ${(ious.reduce((a, b) => a + b, 0) / ious.length).toFixed(2)}`,
    );
  });

  it('reports landmarks in ArcFace order, boxes in source pixels, unit embeddings and 112×112 crops', () => {
    for (const id of DETECTORS) {
      for (const [f, faces] of found.get(id)!) {
        const img = images.get(f)!;
        for (const x of faces) {
          expect(x.box[0]).toBeGreaterThanOrEqual(0);
          expect(x.box[2]).toBeLessThanOrEqual(img.width);
          expect(x.box[3]).toBeLessThanOrEqual(img.height);
          expect(x.crop.length).toBe(112 * 112 * 3);
          if (!x.quality.good) {
            expect(x.embedding).toBeNull();
            continue;
          }
          const lm = x.landmarks;
          // image-left eye, image-right eye, nose, image-left mouth corner, image-right mouth corner
          expect(lm[0], `${id} ${f} eyes`).toBeLessThan(lm[2]!);
          expect(lm[6], `${id} ${f} mouth`).toBeLessThan(lm[8]!);
          expect(lm[5], `${id} ${f} nose below the eyes`).toBeGreaterThan(Math.max(lm[1]!, lm[3]!));
          expect(lm[5], `${id} ${f} nose above the mouth`).toBeLessThan(Math.min(lm[7]!, lm[9]!));
          expect(x.embedding!.length).toBe(128);
          const norm = Math.hypot(...x.embedding!);
          expect(norm).toBeCloseTo(1, 4);
        }
      }
    }
  });

  it('gives the same faces for a downscaled frame (mapped back to source pixels), BGR bytes and a batch', async () => {
    const a = analyzers.get('yunet-2026may')!;
    const file = media('faces/test/obama_and_biden.jpg');
    const full = found.get('yunet-2026may')!.get('faces/test/obama_and_biden.jpg')!;
    const small = loadImage(file, 960);
    expect(small.sourceWidth).toBe(2000);
    const rgb = images.get('faces/test/obama_and_biden.jpg')!;
    const bgrData = new Uint8Array(rgb.data.length);
    for (let i = 0; i < bgrData.length; i += 3) {
      bgrData[i] = rgb.data[i + 2]!;
      bgrData[i + 1] = rgb.data[i + 1]!;
      bgrData[i + 2] = rgb.data[i]!;
    }
    const r = await a.analyze([small, { ...rgb, data: bgrData, bgr: true }]);
    expect(r.faces).toHaveLength(2);
    const good = (fs: Face[]): Face[] => fs.filter((x) => x.quality.good).sort((p, q) => p.box[0] - q.box[0]);
    const ref = good(full);
    for (const fs of r.faces) {
      const got = good(fs);
      expect(got).toHaveLength(ref.length);
      got.forEach((x, i) => expect(iou(x.box, ref[i]!.box)).toBeGreaterThan(0.85));
    }
    expect(r.timings.detectMs).toBeGreaterThan(0);
    expect(r.timings.embedMs).toBeGreaterThan(0);
  });

  it('finds faces in most sampled frames of the Hamilton clip', async () => {
    for (const id of DETECTORS) {
      const a = analyzers.get(id)!;
      let frames = 0;
      let withFace = 0;
      let good = 0;
      for await (const f of ffmpegFrames(HAMILTON, { fps: 3, seconds: 10, width: 640, height: 360 })) {
        const faces = (await a.analyze([{ width: f.width, height: f.height, data: f.data }])).faces[0]!;
        frames++;
        if (faces.length > 0) withFace++;
        if (faces.some((x) => x.quality.good)) good++;
      }
      console.log(
        `${id}: Hamilton clip, ${withFace}/${frames} sampled frames (${((100 * withFace) / frames).toFixed(0)} %) with a face, ${good} with a good one`,
      );
      expect(frames).toBeGreaterThanOrEqual(29);
      expect(withFace / frames).toBeGreaterThan(0.5);
    }
  });

  it('groups the Hamilton clip faces into a few tracks, the close-up performer into one', async () => {
    const a = analyzers.get('yunet-2026may')!;
    const tracker = createFaceTracker();
    const tracks: FaceTrackSummary[] = [];
    let faces = 0;
    for await (const f of ffmpegFrames(HAMILTON, { fps: 5, seconds: 10, width: 640, height: 360 })) {
      const found = (await a.analyze([{ width: f.width, height: f.height, data: f.data }])).faces[0]!;
      faces += found.length;
      const tracked = tracker.update(f.ts, found);
      expect(new Set(tracked.map((x) => x.faceTrackId)).size).toBe(found.length);
      tracks.push(...tracker.ended(f.ts));
    }
    tracks.push(...tracker.flush());
    const performer = tracks.reduce((p, q) => (q.goodFaces > p.goodFaces ? q : p));
    console.log(
      `Hamilton at 5 fps: ${faces} faces → ${tracks.length} face tracks; the longest good one: ` +
        `${performer.goodFaces} good of ${performer.faces} faces over ${(performer.endTs - performer.startTs) / 1000} s`,
    );
    expect(tracks.length).toBeLessThan(faces / 4);
    expect(new Set(tracks.map((t) => t.faceTrackId)).size).toBe(tracks.length);
    expect(performer.goodFaces).toBeGreaterThanOrEqual(10);
    expect(performer.endTs - performer.startTs).toBeGreaterThanOrEqual(3000);
    expect(Math.hypot(...performer.embedding!)).toBeCloseTo(1, 4);
  });

  it('closes idempotently and refuses work afterwards', async () => {
    const reg = createModelRegistry({ modelsDir: MODELS_DIR });
    const a = await createFaceAnalyzer({
      detectModel: await reg.resolve('yunet-2026may'),
      embedModel: await reg.resolve('mobilefacenet'),
      instances: 1,
    });
    expect(a.dim).toBe(128);
    await a.close();
    await a.close();
    expect(a.closed).toBe(true);
    await expect(a.analyze([images.get('faces/test/obama1.jpg')!])).rejects.toMatchObject({
      code: 'INFER_CLOSED',
    });
  });

  it('refuses models of the wrong task', async () => {
    const reg = createModelRegistry({ modelsDir: MODELS_DIR });
    await expect(
      createFaceAnalyzer({
        detectModel: await reg.resolve('yolox-nano'),
        embedModel: await reg.resolve('mobilefacenet'),
      }),
    ).rejects.toMatchObject({ code: 'INFER_BAD_CONFIG' });
  });
});
