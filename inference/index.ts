// @aima/inference: model registry, ONNX Runtime sessions in worker threads, analyzers, windows, tracking.

export { InferenceError, inferenceErrorInfo } from './src/errors.ts';
export type { InferenceErrorCode } from './src/errors.ts';

export { BUILTIN_MODELS, DEFAULT_DETECTOR_ID } from './src/models/manifest.ts';
export type { ModelSpec, ModelTask, DecoderKind, ColorOrder, ImageInputSpec } from './src/models/manifest.ts';
export { createModelRegistry, defaultCacheDir } from './src/models/registry.ts';
export type {
  ModelRegistry,
  ModelRegistryOptions,
  ModelStatus,
  ModelOrigin,
  ResolvedModel,
  ResolveOptions,
} from './src/models/registry.ts';
export type { DownloadProgress } from './src/models/download.ts';
export { sha256File } from './src/models/hash.ts';
export { customDetectorModel, isModelFile, readLabelsFile } from './src/models/custom.ts';
export type { CustomDetectorOptions } from './src/models/custom.ts';

export { createModelSession } from './src/ort/session.ts';
export type { ModelSession, ModelSessionOptions, RunResult } from './src/ort/session.ts';
export type { ExecutionProvider, TensorData, TensorMap, TensorType, IoMeta } from './src/ort/protocol.ts';

export { COCO80 } from './src/detect/coco.ts';
export { createDetector } from './src/detect/detector.ts';
export type {
  Detector,
  DetectorOptions,
  DetectInput,
  DetectResult,
  DetectTimings,
} from './src/detect/detector.ts';
export type { Detection, BoxXYXY, LetterboxTransform, Candidate } from './src/detect/types.ts';
export { letterboxInto, letterboxTransform } from './src/detect/letterbox.ts';
export type { RgbImage } from './src/detect/letterbox.ts';
export { decodeYolox, decodeYolov8 } from './src/detect/decode.ts';
export type { DecodeParams } from './src/detect/decode.ts';
export { nmsClasswise } from './src/detect/nms.ts';
export { buildThresholds } from './src/detect/thresholds.ts';
export type { ThresholdConfig } from './src/detect/thresholds.ts';

export { createTracker } from './src/tracking/index.ts';
export type {
  Tracker,
  TrackerOptions,
  TrackerDetection,
  TrackState,
  TrackUpdate,
  Box,
} from './src/tracking/index.ts';

export { analyzeFrames } from './src/analyze/analyzer.ts';
export type {
  AnalyzerOptions,
  AnalysisEvent,
  FrameResult,
  TrackedDetection,
  WindowSummary,
} from './src/analyze/analyzer.ts';
export { createWindower, windowsContaining, validateWindowSpec } from './src/analyze/windows.ts';
export type { WindowSpec, WindowBounds, Windower } from './src/analyze/windows.ts';

export { createScheduler, analyzeScheduled, createFairPicker } from './src/scheduler/index.ts';
export type {
  AttachOptions,
  FairPicker,
  FrameMeta,
  ScheduledAnalysisOptions,
  ScheduledResult,
  ScheduledSource,
  Scheduler,
  SchedulerOptions,
  SchedulerStats,
  SourceStats,
} from './src/scheduler/index.ts';
export { createEventAssembler } from './src/analyze/assembler.ts';
export type { EventAssembler, AssemblerOptions, FrameKey } from './src/analyze/assembler.ts';

// faces and persons (issue 5)
export {
  DEFAULT_FACE_DETECTOR_ID,
  DEFAULT_FACE_EMBEDDER_ID,
  DOWNLOAD_ONLY_MODELS,
} from './src/models/manifest.ts';
export {
  ALIGNED_SIZE,
  ARCFACE_TEMPLATE_112,
  DEFAULT_FACE_QUALITY,
  alignFace,
  applySimilarity,
  assessQuality,
  createFaceAnalyzer,
  createFaceTracker,
  createLookPlanner,
  cropSharpness,
  cropToTensor,
  decodeScrfd,
  decodeYunet,
  faceSearchRegion,
  l2Normalise,
  landmarkPose,
  letterboxWindowInto,
  linkFacesToPersons,
  nmsFaces,
  planWindows,
  similarityTransform,
} from './src/faces/index.ts';
export type {
  Face,
  FaceAnalysis,
  FaceAnalyzer,
  FaceAnalyzerOptions,
  FaceCandidate,
  FaceDecodeParams,
  FaceDetection,
  FaceInput,
  FaceQuality,
  FaceQualityOptions,
  FaceRejectReason,
  FaceTimings,
  FaceTracker,
  FaceTrackerOptions,
  FaceTrackSummary,
  InputWindow,
  LookOutcome,
  LookPlan,
  LookPlanner,
  LookPlannerOptions,
  PersonTrackBox,
  QualityInput,
  Similarity2D,
  TrackedFace,
} from './src/faces/index.ts';
export {
  clusterIncremental,
  createGallery,
  decideAssignment,
  DEFAULT_PERSON_THRESHOLDS,
} from './src/persons/index.ts';
export type {
  AssignmentDecision,
  ClusterOptions,
  Gallery,
  GalleryNeighbor,
  GalleryOptions,
  PersonThresholds,
} from './src/persons/index.ts';

// visual features and shots (issue 5)
export { frameFeatures, laplacianVariance } from './src/visual/features.ts';
export { createShotDetector, DEFAULT_SHOT_OPTIONS } from './src/visual/shots.ts';
export type { Exposure, FrameFeatures, Shot, ShotDetector, ShotDetectorOptions } from './src/visual/types.ts';

// analyzer contract (issue 9)
export type {
  AnalyzerContext,
  AnalyzerDefinition,
  AnalyzerId,
  AnalyzerInput,
  AnalyzerInstance,
  AnalyzerOutput,
  AnyAnalyzerDefinition,
  AudioInput,
  LaneKind,
  LiveResult,
  ResultBatch,
  VideoInput,
} from './src/analyzers/contract.ts';

// --- audio analyzers (issue 9): helpers append named exports below, one block per folder ---
export { createAnalyzerRegistry, parseAnalyzerList } from './src/analyzers/registry.ts';
export { parseAnalyzerConfig, type AnalyzerConfigMap } from './src/analyzers/config-file.ts';
export type { AnalyzerRegistry } from './src/analyzers/registry.ts';
export { createAnalyzerHost } from './src/analyzers/host.ts';
export type { AnalyzerHost, AnalyzerHostOptions, AnalyzerFailure } from './src/analyzers/host.ts';

// speech recognition (issue 9): inference/src/asr
export {
  ASR_MODEL_SETS,
  asrAnalyzer,
  asrConfigSchema,
  createAsrAnalyzer,
  createPocketsphinxTranscriber,
  createSherpaWhisperTranscriber,
  createSherpaZipformerTranscriber,
  createTranscriber,
  findLocalModelSet,
  resolveModelSet,
  wordErrorRate,
} from './src/asr/index.ts';
export type {
  AsrAnalyzerOptions,
  AsrConfig,
  AsrEngineChoice,
  AsrEngineId,
  AsrModelSet,
  AsrWord,
  CreateTranscriberOptions,
  PartialResult,
  TranscribeResult,
  Transcriber,
  TranscriberInfo,
  TranscriptLiveData,
  TranscriptSegmentRow,
  TranscriptStream,
  WerResult,
} from './src/asr/index.ts';

// speakers (issue 9)
export {
  clusterSpeakerEmbeddings,
  createSpeakerClusterer,
  DEFAULT_LINK_OPTIONS,
  DEFAULT_SPEAKER_CLUSTER_OPTIONS,
  linkSpeakers,
  speakerForSegment,
  speakersAnalyzer,
  speakersConfigSchema,
} from './src/speakers/index.ts';
export type {
  FaceTrackSpan,
  LinkOptions,
  LinkTurn,
  SpeakerAssignment,
  SpeakerClusterer,
  SpeakerClusterOptions,
  SpeakerLink,
  SpeakerLiveData,
  SpeakerRow,
  SpeakersConfig,
  SpeakerTurnRow,
} from './src/speakers/index.ts';
export {
  DEFAULT_SPEAKER_EMBEDDER_ID,
  DEFAULT_SPEAKER_SEGMENTATION_ID,
} from './src/models/manifest-speakers.ts';

// audio analyzers (issue 9): inference/src/audio (VAD, loudness, sound events, speech rate)
export {
  AUDIO_ANALYZERS,
  AUDIOSET_CLASSES,
  createEnergyEnvelope,
  createLoudnessMeter,
  createMelStream,
  createSoundEventTracker,
  createSpeechHysteresis,
  createUpsampler2x,
  DEFAULT_TRACKER_OPTIONS,
  loadAudioSetLabels,
  loadVocabulary,
  logMel,
  loudnessAnalyzer,
  loudnessConfigSchema,
  resolveVocabulary,
  SILENT_LUFS,
  soundsAnalyzer,
  soundsConfigSchema,
  speechRate,
  speechRateAnalyzer,
  speechRateConfigSchema,
  vadAnalyzer,
  vadConfigSchema,
} from './src/audio/index.ts';
export type {
  AudioEventLiveData,
  AudioEventRow,
  AudioSetLabel,
  LoudnessConfig,
  LoudnessRow,
  LoudnessSecond,
  SoundEvent,
  SoundsConfig,
  SpeakerLinkStatus,
  SpeechLiveData,
  SpeechRateConfig,
  SpeechRateRow,
  SpeechSegmentRow,
  TranscriptWordRow,
  VadConfig,
  Vocabulary,
  VocabularyEvent,
} from './src/audio/index.ts';

// GPU provider clients (issue 10): inference/src/gpu (GPU-PROVIDERS)
export type {
  BootedProcess,
  BootHook,
  BootInstance,
  CreateInstanceRequest,
  GpuOffer,
  GpuProvider,
  HttpProviderOptions,
  InstanceState,
  ProviderInstance,
  ProviderName,
} from './src/gpu/provider.ts';
export {
  createLocalProvider,
  createRunpodProvider,
  createVastProvider,
  RUNPOD_DEFAULT_BASE_URL,
  runpodState,
  VAST_DEFAULT_BASE_URL,
  vastState,
} from './src/gpu/index.ts';
export type {
  LocalProvider,
  LocalProviderOptions,
  RunpodProviderOptions,
  VastProviderOptions,
} from './src/gpu/index.ts';

// The worker protocol (issue 10): inference/src/service (WORKER)
export {
  WORKER_PROTOCOL_VERSION,
  WORKER_CLOSE,
  WorkerCapabilities,
  WorkerStats,
  AssignmentInput,
  WorkerMessage,
  ServerMessage,
} from './src/service/protocol.ts';
export type { AssignMessage, RpcMessage, HelloMessage } from './src/service/protocol.ts';
export {
  encodeMessage,
  decodeValue,
  decodeWorkerMessage,
  decodeServerMessage,
  splitFrames,
  createReassembler,
} from './src/service/codec.ts';
export type { Decoded, Reassembler } from './src/service/codec.ts';

// GPU cost maths (issue 10): inference/src/gpu/ledger.ts, guard.ts (GPU-POOL)
export {
  amountUsd,
  billedSeconds,
  conservativeCost,
  ledgerSlice,
  sumLedger,
  utcDayStart,
} from './src/gpu/ledger.ts';
export type { LedgerSlice, MeteredInstance } from './src/gpu/ledger.ts';
export { dailyBudgetExceeded, decideInstance, decideStart, usd } from './src/gpu/guard.ts';
export type {
  GuardCode,
  GuardDecision,
  GuardTimings,
  InstanceSnapshot,
  StartCheck,
} from './src/gpu/guard.ts';

// Safety analysis (issue 11): the rows of pose, tags, age, NSFW and the rule engine.
export { KEYPOINT_NAMES } from './src/pose/records.ts';
export type { KeypointName, LivePose, PoseFeatureRow, PoseRow, Posture } from './src/pose/records.ts';
export {
  aspectCrop,
  createFeatureWindows,
  createKeypointSmoother,
  createPoseEstimator,
  cropRgbInto,
  decodeMovenet,
  decodeSimcc,
  decodeYoloPose,
  DEFAULT_FEATURE_WINDOWS,
  DEFAULT_SMOOTHING,
  matchByIou,
  meanScore,
  motionSpeed,
  MOVENET_SIZE,
  poseFlags,
  MIN_FLAG_BOX_HEIGHT,
  RTMPOSE_INPUT,
  selectPersons,
  squareCrop,
} from './src/pose/index.ts';
export type {
  CropRect,
  EstimatedPose,
  FeatureWindows,
  KeypointSmoother,
  PersonBox,
  PoseBox,
  PoseDecoder,
  PoseEstimator,
  PoseFlags,
} from './src/pose/index.ts';
export { POSE_MODELS, POSE_DOWNLOAD_MODELS } from './src/models/manifest-pose.ts';
export type { TagCategory, TagRow, TagScope } from './src/tags/records.ts';
export * from './src/tags/index.ts';
export {
  TAG_MODELS,
  TAG_DOWNLOAD_MODELS,
  CLIP_BPE_ID,
  MOBILECLIP_S0_IMAGE_ID,
  MOBILECLIP_S0_TEXT_ID,
} from './src/models/manifest-tags.ts';
export { AGE_VERDICTS } from './src/age/records.ts';
export type { AgeRow, AgeVerdict, AgeVerdictRow } from './src/age/records.ts';
export type { AuditRow, NsfwRow, QuarantineCode, QuarantineRow } from './src/nsfw/records.ts';
// The age analyzer, NSFW classification and the minor-protection gate (issue 11, helper C).
export * from './src/age/index.ts';
export * from './src/nsfw/index.ts';
export {
  AGE_ANALYZER_ID,
  auditRow,
  createMinorGate,
  gateStartError,
  isGated,
  quarantineRow,
  requiredChain,
} from './src/analyzers/minor-gate.ts';
export type { MinorGate, MinorGateOptions } from './src/analyzers/minor-gate.ts';
export { SAFETY_ASSESSMENT } from './src/safety/records.ts';
export type {
  RiskRow,
  SafetyAssessment,
  SafetyEventRow,
  SafetyEventStatus,
  SafetyEvidence,
  SafetySeverity,
} from './src/safety/records.ts';
export * from './src/safety/index.ts';
// Issue 13: where the cores go, per stage, in core-ms per analysed frame.
export { createProfile, formatProfile, NO_PROFILE, PROFILE_STAGES, profileOf } from './src/profile/index.ts';
export { modelCoreMs } from './src/profile/session.ts';
export { threadCpuMs } from './src/profile/thread-cpu.ts';
export type { KnownStage, Profile, ProfileReport, StageRow } from './src/profile/index.ts';
