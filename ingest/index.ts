// The public surface of @aima/ingest. Every export is named; nothing else is reachable.
export type {
  SourceKind,
  SourceRef,
  VideoStreamInfo,
  AudioStreamInfo,
  MediaInfo,
  PixelFormat,
  Frame,
  AudioChunk,
  OverflowPolicy,
  DecodeVideoOptions,
  DecodeMode,
  DecodeAudioOptions,
  DecodeStats,
  DecodeStream,
  FfmpegPaths,
} from './src/types.ts';
export type { IngestErrorCode } from './src/errors.ts';
export type { ProbeOptions } from './src/probe.ts';
export { IngestError, ingestErrorInfo, isIngestError } from './src/errors.ts';
export { resolveFfmpeg } from './src/ffmpeg/resolve.ts';
export { ffmpegCpu } from './src/ffmpeg/cpu.ts';
export type { FfmpegCpu, FfmpegRole } from './src/ffmpeg/cpu.ts';
export { parseSource, redactUrl } from './src/source.ts';
export { probe } from './src/probe.ts';
export { snapshot } from './src/snapshot.ts';
export type { Snapshot, SnapshotOptions } from './src/snapshot.ts';
export { decodeVideo } from './src/decode-video.ts';
export { DECODE_MODES, isDecodeMode, resolveDecodeMode } from './src/decode-mode.ts';
export { decodeAudio } from './src/decode-audio.ts';
export { AUDIO_SAMPLE_RATE } from './src/ffmpeg/args.ts';
export { decodeImages, listImages, isImageFile, IMAGE_EXTENSIONS } from './src/images.ts';
export type { DecodeImagesOptions, ImageFolderStream, ImageFrame } from './src/images.ts';
export { startRecorder } from './src/recorder/recorder.ts';
export type {
  Recorder,
  RecorderEvents,
  RecorderOptions,
  RecorderResult,
  RecorderState,
  RecordedSegment,
} from './src/recorder/types.ts';
export type { RecordingMode } from './src/recorder/args.ts';
export { openLiveSource } from './src/live/live-source.ts';
export type {
  LiveSource,
  LiveSourceOptions,
  LiveSourceEvents,
  LiveListener,
  LiveState,
  LiveStateChange,
  LiveErrorInfo,
  LiveGap,
  LiveStats,
  LiveAudio,
  LiveAudioOptions,
} from './src/live/types.ts';
export type { BackoffPolicy } from './src/live/backoff.ts';
export { createSourceGuard } from './src/guard/guard.ts';
export type {
  SourceGuard,
  SourceGuardOptions,
  SourcePolicy,
  CheckedSource,
  CheckOptions,
} from './src/guard/guard.ts';
export { classifyAddress, parseAllowList, ALWAYS_REFUSED } from './src/guard/address.ts';
export type { AddressCategory, AllowList } from './src/guard/address.ts';
export { FORBIDDEN_TREES } from './src/guard/paths.ts';
