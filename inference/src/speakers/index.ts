// Speakers (issue 9): who speaks when within a source, and which visible person that is.
export { speakersAnalyzer } from './definition.ts';
export { speakersConfigSchema } from './config.ts';
export type { SpeakersConfig } from './config.ts';
export { linkSpeakers, DEFAULT_LINK_OPTIONS } from './link.ts';
export type { FaceTrackSpan, LinkOptions, LinkTurn, SpeakerLink } from './link.ts';
export {
  clusterSpeakerEmbeddings,
  createSpeakerClusterer,
  DEFAULT_SPEAKER_CLUSTER_OPTIONS,
} from './cluster.ts';
export type { SpeakerAssignment, SpeakerClusterer, SpeakerClusterOptions } from './cluster.ts';
export { cosine, findChanges, slidingWindows, splitTurn } from './changes.ts';
export type { ChangeOptions, ChangePoint, Span } from './changes.ts';
export { speakerForSegment } from './transcript.ts';
export type { SegmentSpeaker, SpeakerSpan } from './transcript.ts';
export { createFbank } from './fbank.ts';
export type { Fbank, FbankOptions } from './fbank.ts';
export { createOrtEmbedder, createSherpaEmbedder, l2normalize } from './embedder.ts';
export type { EmbeddingEngine, SpeakerEmbedder } from './embedder.ts';
export { parseSpeakerModelMeta, readOnnxMetadata } from './model-meta.ts';
export type { SpeakerModelMeta } from './model-meta.ts';
export type { SpeakerLiveData, SpeakerRow, SpeakerTurnRow, TranscriptSegmentRow } from './records.ts';
