import { expect } from 'vitest';
import type { AudioChunk } from '../../index.ts';

/** seq counts from 0, every chunk starts where the previous ended, all on one ts/ptsMs origin. */
export function expectContinuous(chunks: readonly AudioChunk[], toleranceMs = 0.1): void {
  chunks.forEach((c, i) => {
    expect(c.sampleRate).toBe(16_000);
    expect(c.seq).toBe(i);
    expect(c.ts - c.ptsMs).toBeCloseTo(chunks[0]!.ts - chunks[0]!.ptsMs, 6);
    if (i === 0) return;
    const prev = chunks[i - 1]!;
    expect(Math.abs(c.ptsMs - (prev.ptsMs + prev.samples.length / 16))).toBeLessThanOrEqual(toleranceMs);
  });
}

/** The largest |sample|. */
export function peak(chunks: readonly AudioChunk[]): number {
  let p = 0;
  for (const c of chunks) for (const s of c.samples) p = Math.max(p, Math.abs(s));
  return p;
}

/** ms of the first sample louder than `threshold` (the onset of a sound), or null. */
export function onsetMs(chunks: readonly AudioChunk[], threshold = 0.1): number | null {
  for (const c of chunks) {
    const i = c.samples.findIndex((s) => Math.abs(s) > threshold);
    if (i >= 0) return c.ptsMs + i / 16;
  }
  return null;
}
