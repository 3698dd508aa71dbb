import { decideAssignment, DEFAULT_PERSON_THRESHOLDS, type PersonThresholds } from './assign.ts';
import { createGallery } from './gallery.ts';

export interface ClusterOptions {
  /** What an 'unsure' decision does: join the candidate's cluster, or found a new one (default). */
  readonly unsure?: 'join' | 'new';
  /** Exemplars per cluster kept for matching (default 32). */
  readonly maxExemplarsPerCluster?: number;
}

/**
 * Online clustering in input order, exactly as appearances are assigned to persons: each
 * embedding is searched in a gallery of the clusters so far and joins the best one when
 * `decideAssignment` says 'assign', else founds a new cluster. Returns a cluster label per
 * embedding (0, 1, … in order of foundation).
 */
export function clusterIncremental(
  embeddings: readonly Float32Array[],
  thresholds: PersonThresholds = DEFAULT_PERSON_THRESHOLDS,
  opts: ClusterOptions = {},
): Int32Array {
  const labels = new Int32Array(embeddings.length);
  const first = embeddings[0];
  if (!first) return labels;
  const gallery = createGallery({ dim: first.length, maxExemplarsPerPerson: opts.maxExemplarsPerCluster });
  let next = 0;
  embeddings.forEach((e, i) => {
    const d = decideAssignment(gallery.search(e, 2), thresholds);
    const join = d.kind === 'assign' || (d.kind === 'unsure' && opts.unsure === 'join');
    const label = join ? Number(d.personId) : next++;
    labels[i] = label;
    gallery.add(String(label), String(i), e);
  });
  return labels;
}
