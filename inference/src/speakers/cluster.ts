// Speakers of one source, found online as persons are: each voice embedding is searched in a
// gallery of the speakers so far (bounded exemplars each, the longest turns kept) and joins the
// most similar one at or above the threshold, else founds S<n+1>. Within one source only: a voice
// never becomes a person by itself (linking does that, from faces, or the user).
import { InferenceError } from '../errors.ts';
import { createGallery } from '../persons/gallery.ts';

export interface SpeakerClusterOptions {
  /** Cosine similarity at or above which an embedding joins a speaker. */
  readonly threshold: number;
  /**
   * Speakers per source. Past it a new voice joins its most similar speaker (flagged `forced`):
   * the gallery and the speakers table stay bounded on endless streams.
   */
  readonly maxSpeakers: number;
  /** Exemplars kept per speaker (lowest weight replaced first). */
  readonly maxExemplarsPerSpeaker: number;
}

export const DEFAULT_SPEAKER_CLUSTER_OPTIONS: Readonly<SpeakerClusterOptions> = Object.freeze({
  threshold: 0.5,
  maxSpeakers: 32,
  maxExemplarsPerSpeaker: 16,
});

export interface SpeakerAssignment {
  readonly speakerId: string;
  /** Similarity to the speaker's best exemplar (-1 for a new speaker). */
  readonly similarity: number;
  readonly isNew: boolean;
  /** Joined although below the threshold (maxSpeakers reached). */
  readonly forced: boolean;
}

export interface SpeakerClusterer {
  readonly dim: number;
  /** Speakers founded so far. */
  readonly size: number;
  /** Assigns a unit-length embedding; `weight` (e.g. its duration in ms) ranks it as an exemplar. */
  assign(embedding: Float32Array, weight?: number): SpeakerAssignment;
  /** Unit-length mean of every embedding the speaker was given, weighted. */
  meanEmbedding(speakerId: string): Float32Array | null;
}

export function createSpeakerClusterer(
  dim: number,
  opts: Partial<SpeakerClusterOptions> = {},
): SpeakerClusterer {
  const o = { ...DEFAULT_SPEAKER_CLUSTER_OPTIONS, ...opts };
  if (!(o.maxSpeakers >= 1))
    throw new InferenceError('INFER_BAD_CONFIG', `maxSpeakers must be at least 1, got ${o.maxSpeakers}`);
  const gallery = createGallery({ dim, maxExemplarsPerPerson: o.maxExemplarsPerSpeaker });
  const sums = new Map<string, Float64Array>();
  let seq = 0;
  return {
    dim,
    get size() {
      return sums.size;
    },
    assign(embedding, weight = 1) {
      const best = gallery.search(embedding, 1)[0];
      let a: SpeakerAssignment;
      if (best && best.similarity >= o.threshold) {
        a = { speakerId: best.personId, similarity: best.similarity, isNew: false, forced: false };
      } else if (sums.size < o.maxSpeakers || !best) {
        a = { speakerId: `S${sums.size + 1}`, similarity: -1, isNew: true, forced: false };
        sums.set(a.speakerId, new Float64Array(dim));
      } else {
        a = { speakerId: best.personId, similarity: best.similarity, isNew: false, forced: true };
      }
      gallery.add(a.speakerId, `e${seq++}`, embedding, weight);
      const sum = sums.get(a.speakerId)!;
      for (let i = 0; i < dim; i++) sum[i]! += embedding[i]! * weight;
      return a;
    },
    meanEmbedding(speakerId) {
      const sum = sums.get(speakerId);
      if (!sum) return null;
      let n = 0;
      for (let i = 0; i < dim; i++) n += sum[i]! * sum[i]!;
      n = Math.sqrt(n);
      return Float32Array.from(sum, (x) => (n > 0 ? x / n : 0));
    },
  };
}

/** Online clustering of embeddings in order (as the analyzer does); a label per embedding (0, 1, …). */
export function clusterSpeakerEmbeddings(
  embeddings: readonly Float32Array[],
  opts: Partial<SpeakerClusterOptions> = {},
): Int32Array {
  const labels = new Int32Array(embeddings.length);
  if (embeddings.length === 0) return labels;
  const c = createSpeakerClusterer(embeddings[0]!.length, opts);
  embeddings.forEach((e, i) => {
    labels[i] = Number(c.assign(e).speakerId.slice(1)) - 1;
  });
  return labels;
}
