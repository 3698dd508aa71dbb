export { createGallery } from './gallery.ts';
export type { Gallery, GalleryNeighbor, GalleryOptions } from './gallery.ts';
export { decideAssignment, DEFAULT_PERSON_THRESHOLDS } from './assign.ts';
export type { AssignmentDecision, PersonThresholds } from './assign.ts';
export { clusterIncremental } from './cluster.ts';
export type { ClusterOptions } from './cluster.ts';
