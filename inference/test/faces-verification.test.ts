import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clusterIncremental,
  createFaceAnalyzer,
  createModelRegistry,
  DEFAULT_PERSON_THRESHOLDS,
  type Face,
  type FaceAnalyzer,
} from '@aima/inference';
import { MEDIA_DIR, MODELS_DIR } from './helpers.ts';
import { loadImage, media, type FaceLabels } from './faces-fixtures.ts';

const DETECTORS = ['yunet-2026may', 'scrfd-500m'] as const;

interface Labelled {
  readonly file: string;
  readonly identity: string;
  readonly embedding: Float32Array;
}

const dot = (a: Float32Array, b: Float32Array): number => a.reduce((s, v, i) => s + v * b[i]!, 0);

/**
 * Labels only where an image holds one identity (labels.json `faces`, faces/train + faces/test);
 * its labelled face is the largest good face. Multi-face images are left out: assigning their
 * faces to identities by matching against the train set would make the test circular.
 */
async function labelledEmbeddings(analyzer: FaceAnalyzer, labels: FaceLabels): Promise<Labelled[]> {
  const out: Labelled[] = [];
  for (const [file, identity] of Object.entries(labels.faces)) {
    if (!/^faces\/(train|test)\//.test(file)) continue;
    const faces = (await analyzer.analyze([loadImage(media(file))])).faces[0]!;
    const area = (f: Face): number => (f.box[2] - f.box[0]) * (f.box[3] - f.box[1]);
    const main = faces.filter((f) => f.embedding).sort((a, b) => area(b) - area(a))[0];
    if (!main) throw new Error(`no good face in ${file}`);
    out.push({ file, identity, embedding: main.embedding! });
  }
  return out;
}

describe('face verification and clustering on faces/train + faces/test', () => {
  const sets = new Map<string, Labelled[]>();

  beforeAll(async () => {
    const labels = JSON.parse(await readFile(path.join(MEDIA_DIR, 'labels.json'), 'utf8')) as FaceLabels;
    const reg = createModelRegistry({ modelsDir: MODELS_DIR });
    const embedModel = await reg.resolve('mobilefacenet');
    for (const id of DETECTORS) {
      await using analyzer = await createFaceAnalyzer({ detectModel: await reg.resolve(id), embedModel });
      sets.set(id, await labelledEmbeddings(analyzer, labels));
    }
  });
  afterAll(() => sets.clear());

  it('separates every same-person pair from every different-person pair at the default threshold', () => {
    const t = DEFAULT_PERSON_THRESHOLDS;
    for (const id of DETECTORS) {
      const items = sets.get(id)!;
      expect(items.length).toBe(12);
      const same: number[] = [];
      const diff: number[] = [];
      let correct = 0;
      for (let i = 0; i < items.length; i++) {
        for (let j = i + 1; j < items.length; j++) {
          const s = dot(items[i]!.embedding, items[j]!.embedding);
          const isSame = items[i]!.identity === items[j]!.identity;
          (isSame ? same : diff).push(s);
          if (s >= t.assignThreshold === isSame) correct++;
        }
      }
      const accuracy = correct / (same.length + diff.length);
      const range = (v: number[]): string => `${Math.min(...v).toFixed(3)}..${Math.max(...v).toFixed(3)}`;
      console.log(
        `${id} + mobilefacenet: ${same.length} same pairs ${range(same)}, ${diff.length} different pairs ${range(diff)}; ` +
          `accuracy ${accuracy.toFixed(3)} at assign ≥ ${t.assignThreshold}; ` +
          `same pairs below unsure (${t.unsureThreshold}): ${same.filter((s) => s < t.unsureThreshold).length}, ` +
          `different pairs at or above it: ${diff.filter((s) => s >= t.unsureThreshold).length}`,
      );
      expect(same.length).toBe(9);
      expect(diff.length).toBe(57);
      expect(accuracy).toBeGreaterThanOrEqual(0.9);
      // the thresholds sit in the measured gap: no different pair reaches 'unsure'
      expect(Math.max(...diff)).toBeLessThan(t.unsureThreshold);
    }
  });

  it('clusters the labelled faces incrementally into pure clusters', () => {
    for (const id of DETECTORS) {
      const items = sets.get(id)!;
      const labels = clusterIncremental(
        items.map((x) => x.embedding),
        DEFAULT_PERSON_THRESHOLDS,
      );
      const clusters = new Map<number, string[]>();
      items.forEach((x, i) => clusters.set(labels[i]!, [...(clusters.get(labels[i]!) ?? []), x.identity]));
      let majority = 0;
      for (const ids of clusters.values()) {
        const counts = new Map<string, number>();
        for (const x of ids) counts.set(x, (counts.get(x) ?? 0) + 1);
        majority += Math.max(...counts.values());
      }
      const purity = majority / items.length;
      const spread = new Map<string, Set<number>>();
      items.forEach((x, i) => spread.set(x.identity, (spread.get(x.identity) ?? new Set()).add(labels[i]!)));
      console.log(
        `${id}: ${items.length} faces of ${spread.size} people → ${clusters.size} clusters, purity ${purity.toFixed(3)}, ` +
          `clusters per identity ${[...spread].map(([k, v]) => `${k}=${v.size}`).join(' ')}`,
      );
      expect(purity).toBeGreaterThanOrEqual(0.9);
      for (const [identity, set] of spread) expect(set.size, identity).toBeLessThanOrEqual(2);
    }
  });
});
