import type { GalleryNeighbor } from './gallery.ts';

/** Cosine-similarity bands of the persons assignment. */
export interface PersonThresholds {
  /** At or above: the appearance is that person ('auto'). */
  readonly assignThreshold: number;
  /** At or above (and below assignThreshold): maybe that person, for the user to confirm ('unsure'). */
  readonly unsureThreshold: number;
  /**
   * When the runner-up person is within this of the best one, even an 'assign' similarity is only
   * 'unsure' (two known persons look alike to the model). Default 0.
   */
  readonly margin?: number;
}

/**
 * For the default embedder (MobileFaceNet, 128-d) with YuNet or SCRFD alignment, measured on
 * every single-identity image of shared/media faces/train + faces/test (12 images, 5 people,
 * 9 same-person and 57 different-person pairs; inference/test/faces-verification.test.ts):
 * same-person similarities 0.57–0.80 (YuNet) / 0.62–0.84 (SCRFD), different-person −0.19–0.24.
 * Every threshold between 0.24 and 0.57 separates them all; 'assign' sits at 0.45, in the upper
 * part of the gap because a wrong merge costs the user more than a split, and 'unsure' at 0.30,
 * above every different-person pair. Frames of one performer in the Hamilton clip scored
 * 0.49–0.90 against each other, and track embeddings (means over good faces) sit higher still.
 * Other embedders need their own thresholds.
 */
export const DEFAULT_PERSON_THRESHOLDS: Readonly<Required<PersonThresholds>> = Object.freeze({
  assignThreshold: 0.45,
  unsureThreshold: 0.3,
  margin: 0,
});

export type AssignmentDecision =
  | { readonly kind: 'assign'; readonly personId: string; readonly similarity: number }
  | { readonly kind: 'unsure'; readonly personId: string; readonly similarity: number }
  | { readonly kind: 'new' };

/** Decides from the gallery's neighbours (most similar first, one per person). */
export function decideAssignment(
  neighbors: readonly GalleryNeighbor[],
  t: PersonThresholds = DEFAULT_PERSON_THRESHOLDS,
): AssignmentDecision {
  const best = neighbors[0];
  if (!best || !(best.similarity >= t.unsureThreshold)) return { kind: 'new' };
  const second = neighbors.find((n) => n.personId !== best.personId);
  const ambiguous = second !== undefined && best.similarity - second.similarity < (t.margin ?? 0);
  const kind = best.similarity >= t.assignThreshold && !ambiguous ? 'assign' : 'unsure';
  return { kind, personId: best.personId, similarity: best.similarity };
}
