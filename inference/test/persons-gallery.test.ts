import { describe, expect, it } from 'vitest';
import {
  clusterIncremental,
  createGallery,
  decideAssignment,
  DEFAULT_PERSON_THRESHOLDS,
  type GalleryNeighbor,
} from '@aima/inference';

/** Deterministic pseudo-random numbers (xorshift), so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

const normalise = (v: Float32Array): Float32Array => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};

/** A unit vector at cosine ≈ `cos` from `centre` (noise orthogonal-ish in high dimension). */
function around(centre: Float32Array, spread: number, rand: () => number): Float32Array {
  const noise = normalise(Float32Array.from(centre, () => rand() - 0.5));
  return normalise(centre.map((c, i) => c + spread * noise[i]!));
}

const randomUnit = (dim: number, rand: () => number): Float32Array =>
  normalise(Float32Array.from({ length: dim }, () => rand() - 0.5));

describe('persons gallery', () => {
  it('finds the best exemplar per person, most similar first', () => {
    const g = createGallery({ dim: 3 });
    g.add('A', 'a1', normalise(Float32Array.of(1, 0, 0)));
    g.add('A', 'a2', normalise(Float32Array.of(1, 1, 0)));
    g.add('B', 'b1', normalise(Float32Array.of(0, 0, 1)));
    const r = g.search(normalise(Float32Array.of(1, 0.9, 0.1)), 5);
    expect(r.map((n) => [n.personId, n.key])).toEqual([
      ['A', 'a2'],
      ['B', 'b1'],
    ]);
    expect(r[0]!.similarity).toBeGreaterThan(0.99);
    expect(g.search(Float32Array.of(1, 0, 0), 1)).toHaveLength(1);
    expect(g.size).toBe(3);
    expect(g.persons).toBe(2);
  });

  it('replaces by key, removes, and merges persons', () => {
    const g = createGallery({ dim: 2 });
    g.add('A', 'k', Float32Array.of(1, 0));
    g.add('B', 'k', Float32Array.of(0, 1)); // same key: moved to B
    expect(g.size).toBe(1);
    expect(g.personOf('k')).toBe('B');
    g.add('A', 'a', Float32Array.of(1, 0));
    g.add('C', 'c', Float32Array.of(0.6, 0.8));
    expect(g.remove('k')).toBe(true);
    expect(g.remove('k')).toBe(false);
    expect(g.has('a')).toBe(true);
    g.movePerson('C', 'A');
    expect(g.persons).toBe(1);
    expect(g.search(Float32Array.of(0, 1), 3).map((n) => [n.personId, n.key])).toEqual([['A', 'c']]);
    expect(() => g.add('A', 'x', Float32Array.of(1, 0, 0))).toThrow(
      expect.objectContaining({ code: 'INFER_BAD_CONFIG' }),
    );
  });

  it('keeps at most maxExemplarsPerPerson exemplars, giving up the lowest weight, then the oldest', () => {
    const g = createGallery({ dim: 2, maxExemplarsPerPerson: 2 });
    g.add('A', 'a1', Float32Array.of(1, 0), 0.9);
    g.add('A', 'a2', Float32Array.of(0, 1), 0.1);
    expect(g.add('A', 'a3', Float32Array.of(0.6, 0.8), 0.5)).toBe(true); // replaces a2
    expect(g.has('a2')).toBe(false);
    expect(g.add('A', 'a4', Float32Array.of(0.6, 0.8), 0.2)).toBe(false); // weaker than both
    expect(g.size).toBe(2);
    g.add('B', 'b1', Float32Array.of(1, 0), 1);
    g.add('B', 'b2', Float32Array.of(1, 0), 1);
    g.movePerson('B', 'A'); // 4 → trimmed to 2, lowest weight first
    expect(g.size).toBe(2);
    expect(g.has('a3')).toBe(false);
    expect(g.has('a1')).toBe(false);
  });

  it('stays consistent through many swaps and removals', () => {
    const rand = rng(7);
    const g = createGallery({ dim: 8, maxExemplarsPerPerson: 5 });
    const truth = new Map<string, { person: string; e: Float32Array }>();
    for (let i = 0; i < 2000; i++) {
      const key = `k${Math.floor(rand() * 300)}`;
      if (rand() < 0.3) {
        g.remove(key);
        truth.delete(key);
      } else {
        const person = `P${Math.floor(rand() * 20)}`;
        const e = randomUnit(8, rand);
        if (g.add(person, key, e)) truth.set(key, { person, e });
        else truth.delete(key);
      }
    }
    // every key the gallery has is findable as its own best match
    let checked = 0;
    for (const [key, { person, e }] of truth) {
      if (!g.has(key)) continue;
      checked++;
      expect(g.personOf(key)).toBe(person);
      const best = g.search(e, 1)[0]!;
      expect(best.similarity).toBeCloseTo(1, 5);
    }
    expect(checked).toBe(g.size);
  });
});

describe('assignment decision', () => {
  const n = (personId: string, similarity: number): GalleryNeighbor => ({
    personId,
    similarity,
    key: personId,
  });
  const t = { assignThreshold: 0.45, unsureThreshold: 0.3 };

  it('assigns, is unsure, or founds a new person by band', () => {
    expect(decideAssignment([], t)).toEqual({ kind: 'new' });
    expect(decideAssignment([n('A', 0.2)], t)).toEqual({ kind: 'new' });
    expect(decideAssignment([n('A', 0.3)], t)).toEqual({ kind: 'unsure', personId: 'A', similarity: 0.3 });
    expect(decideAssignment([n('A', 0.449), n('B', 0.1)], t)).toMatchObject({ kind: 'unsure' });
    expect(decideAssignment([n('A', 0.45), n('B', 0.1)], t)).toEqual({
      kind: 'assign',
      personId: 'A',
      similarity: 0.45,
    });
  });

  it('is unsure when two known persons are within the margin', () => {
    const m = { ...t, margin: 0.05 };
    expect(decideAssignment([n('A', 0.7), n('B', 0.67)], m)).toMatchObject({ kind: 'unsure', personId: 'A' });
    expect(decideAssignment([n('A', 0.7), n('B', 0.6)], m)).toMatchObject({ kind: 'assign', personId: 'A' });
  });

  it('has defaults with unsure below assign', () => {
    expect(DEFAULT_PERSON_THRESHOLDS.unsureThreshold).toBeLessThan(DEFAULT_PERSON_THRESHOLDS.assignThreshold);
  });
});

describe('incremental clustering', () => {
  it('recovers synthetic identities', () => {
    const rand = rng(42);
    const dim = 128;
    const centres = Array.from({ length: 30 }, () => randomUnit(dim, rand));
    const truth: number[] = [];
    const embeddings: Float32Array[] = [];
    for (let i = 0; i < 600; i++) {
      const id = Math.floor(rand() * centres.length);
      truth.push(id);
      // spread 0.6 → cosine to the centre ≈ 0.86, between two samples ≈ 0.74
      embeddings.push(around(centres[id]!, 0.6, rand));
    }
    const labels = clusterIncremental(embeddings);
    const byCluster = new Map<number, number[]>();
    labels.forEach((l, i) => byCluster.set(l, [...(byCluster.get(l) ?? []), truth[i]!]));
    for (const members of byCluster.values()) expect(new Set(members).size).toBe(1);
    expect(byCluster.size).toBe(30);
    expect(clusterIncremental([])).toHaveLength(0);
  });
});
