// One speech turn → pieces of one voice each, with their embeddings. Short turns are embedded
// whole; long ones are first scanned with sliding windows for speaker changes (changes.ts).
import { findChanges, slidingWindows, splitTurn, type Span } from './changes.ts';
import type { SpeakerEmbedder } from './embedder.ts';

export interface TurnPiece {
  readonly span: Span;
  readonly embedding: Float32Array;
}

export interface TurnOptions {
  readonly windowMs: number;
  readonly hopMs: number;
  readonly changeThreshold: number;
  readonly minPieceMs: number;
}

export interface TurnAudio {
  /** Wall-clock ms of samples[0]. */
  readonly startTs: number;
  readonly samples: Float32Array;
}

export interface EmbeddedTurn {
  readonly pieces: TurnPiece[];
  /** Embedder runs spent on the change scan. */
  readonly windows: number;
}

const SAMPLES_PER_MS = 16;

/** Embeds `audio` (the turn's samples, 16 kHz) as one or more single-voice pieces. */
export async function embedTurn(
  audio: TurnAudio,
  embedder: SpeakerEmbedder,
  opts: TurnOptions,
): Promise<EmbeddedTurn> {
  const turn: Span = {
    startTs: audio.startTs,
    endTs: audio.startTs + audio.samples.length / SAMPLES_PER_MS,
  };
  const cut = (s: Span): Float32Array =>
    audio.samples.subarray(
      Math.max(0, Math.round((s.startTs - turn.startTs) * SAMPLES_PER_MS)),
      Math.min(audio.samples.length, Math.round((s.endTs - turn.startTs) * SAMPLES_PER_MS)),
    );
  if (turn.endTs - turn.startTs < 2 * opts.windowMs) {
    return { pieces: [{ span: turn, embedding: await embedder.embed(audio.samples) }], windows: 0 };
  }
  const windows = slidingWindows(turn, opts.windowMs, opts.hopMs);
  const embeddings: Float32Array[] = [];
  for (const w of windows) embeddings.push(await embedder.embed(cut(w)));
  const changes = findChanges(turn, windows, embeddings, opts);
  const spans = splitTurn(turn, changes);
  const pieces: TurnPiece[] = [];
  for (const span of spans) pieces.push({ span, embedding: await embedder.embed(cut(span)) });
  return { pieces, windows: windows.length };
}
