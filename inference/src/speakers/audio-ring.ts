// Recent 16 kHz audio by wall-clock time, so speech turns the VAD reports (after the fact) can be
// cut out and embedded. Bounded: past `capacityMs` the oldest chunks are dropped (a turn reaching
// further back is embedded from what is left, and counted as clipped by the caller).

export interface AudioChunkLike {
  readonly ts: number;
  readonly samples: Float32Array;
}

export interface AudioRing {
  /** Wall-clock ms just past the newest sample (-Infinity when empty). */
  readonly endTs: number;
  /** Wall-clock ms of the oldest sample kept. */
  readonly startTs: number;
  push(chunk: AudioChunkLike): void;
  /** The samples in [startTs, endTs), clipped to what is kept (null when none). */
  slice(startTs: number, endTs: number): { readonly startTs: number; readonly samples: Float32Array } | null;
  clear(): void;
}

export function createAudioRing(capacityMs: number, sampleRate = 16000): AudioRing {
  const perMs = sampleRate / 1000;
  const chunks: AudioChunkLike[] = [];
  let total = 0;
  const capacity = Math.ceil(capacityMs * perMs);
  const chunkEnd = (c: AudioChunkLike): number => c.ts + c.samples.length / perMs;
  return {
    get endTs() {
      const last = chunks[chunks.length - 1];
      return last ? chunkEnd(last) : -Infinity;
    },
    get startTs() {
      return chunks[0]?.ts ?? Infinity;
    },
    push(chunk) {
      if (chunk.samples.length === 0) return;
      // A copy: the host may reuse its buffers once the call returns.
      chunks.push({ ts: chunk.ts, samples: chunk.samples.slice() });
      total += chunk.samples.length;
      while (chunks.length > 1 && total - chunks[0]!.samples.length >= capacity) {
        total -= chunks.shift()!.samples.length;
      }
    },
    slice(startTs, endTs) {
      const parts: Float32Array[] = [];
      let first = NaN;
      for (const c of chunks) {
        const a = Math.max(0, Math.round((startTs - c.ts) * perMs));
        const b = Math.min(c.samples.length, Math.round((endTs - c.ts) * perMs));
        if (b <= a) continue;
        if (Number.isNaN(first)) first = c.ts + a / perMs;
        parts.push(c.samples.subarray(a, b));
      }
      if (parts.length === 0) return null;
      const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
      let o = 0;
      for (const p of parts) {
        out.set(p, o);
        o += p.length;
      }
      return { startTs: first, samples: out };
    },
    clear() {
      chunks.length = 0;
      total = 0;
    },
  };
}
