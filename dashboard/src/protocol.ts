// The wire protocol of the dashboard: REST bodies and views, and the live WebSocket messages.
// One set of Zod schemas validates on the server and in the browser, and feeds the OpenAPI document.
import { z } from 'zod';

export const SourceStatus = z.enum(['pending', 'running', 'done', 'failed', 'stopped']);
export type SourceStatus = z.infer<typeof SourceStatus>;

export const Box = z
  .tuple([z.number(), z.number(), z.number(), z.number()])
  .describe('x1, y1, x2, y2 in source pixels');

/** Live numbers of a running source (zeros once it stopped and the process restarted). */
export const SourceStats = z.object({
  framesAnalysed: z.number().int(),
  framesDropped: z.number().int(),
  /** Frames analysed per second over the last few seconds. */
  analysisFps: z.number(),
  /** Median ms from ffmpeg handing a frame over to its results being ready, last ~50 frames. */
  latencyMs: z.number().nullable(),
  mediaMs: z.number(),
  totalMs: z.number().nullable(),
});
export type SourceStats = z.infer<typeof SourceStats>;

export const SourceView = z.object({
  id: z.string(),
  kind: z.enum(['file', 'images', 'http', 'rtsp', 'rtmp', 'hls', 'srt', 'api', 'whip']),
  /** Path or URL with credentials replaced by ***. */
  display: z.string(),
  live: z.boolean(),
  status: SourceStatus,
  errorCode: z.string(),
  errorMessage: z.string(),
  epochMs: z.number(),
  createdAt: z.number(),
  updatedAt: z.number(),
  fps: z.number(),
  stats: SourceStats,
  /**
   * Live sources while running: connecting → live → stalled → reconnecting (→ failed); null for
   * files and finished jobs. errorCode/errorMessage then hold the last connection error.
   */
  connection: z.enum(['connecting', 'live', 'stalled', 'reconnecting', 'failed', 'stopped']).nullable(),
  /** Reconnections since the job started (live sources). */
  reconnects: z.number().int(),
  /** The job this source belongs to ('' when added on its own): every result traces back to it. */
  jobId: z.string(),
  /**
   * Set when the minor-protection gate quarantined the source (issue 11): no pixels of it are
   * served to anyone; only this metadata (stable code, one-line reason, when) is shown.
   */
  quarantine: z.object({ code: z.string(), reason: z.string(), ts: z.number() }).nullable().optional(),
});
export type SourceView = z.infer<typeof SourceView>;

export const AddSourceBody = z
  .object({
    /** A file path on the server, or a stream URL (http(s), rtsp, rtmp, hls, srt). */
    input: z.string().min(1).max(4096),
    fps: z.number().positive().max(30).default(5),
    /** Read a file at its native rate, as if it were live. */
    realtime: z.boolean().default(false),
    /**
     * How much of the video to decode: 'full' (every frame), 'fast' (cheaper, same timestamps),
     * 'keyframes' (keyframes only: the analysed rate becomes the stream's keyframe rate, at most
     * fps). Omitted: 'fast' for live or real-time sources analysed at half their rate or less.
     */
    decode: z.enum(['full', 'fast', 'keyframes']).optional(),
    /** Share of the model when sources compete for it (weight, default 1: 3 gets 3x the frames of 1). */
    priority: z.number().min(0.01).max(100).default(1),
    /** Optional id (letters, digits, . _ -); generated when omitted. */
    id: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/)
      .optional(),
    /**
     * Analyzer ids to run on this source (their dependencies are added), e.g. ["detect", "vad",
     * "asr"]; omitted: the server's default set (AIMA_ANALYZERS). See GET /api/v1/analyzers.
     */
    analyzers: z
      .array(z.string().regex(/^[a-z0-9-]{1,32}$/))
      .min(1)
      .max(32)
      .optional(),
  })
  .strict();
export type AddSourceBody = z.infer<typeof AddSourceBody>;

export const TimeRangeQuery = z.object({
  from: z.coerce.number().int().optional().describe('epoch ms, inclusive'),
  to: z.coerce.number().int().optional().describe('epoch ms, exclusive'),
  class: z.string().optional(),
  limit: z.coerce.number().int().positive().max(100_000).default(10_000),
});

export const DetectionView = z.object({
  ts: z.number(),
  frameSeq: z.number().int(),
  label: z.string(),
  score: z.number(),
  box: Box,
  trackId: z.number().int(),
});
export type DetectionView = z.infer<typeof DetectionView>;

export const TrackView = z.object({
  sourceId: z.string(),
  trackId: z.number().int(),
  label: z.string(),
  startTs: z.number(),
  endTs: z.number(),
  frames: z.number().int(),
  score: z.number(),
  bestTs: z.number(),
  bestBox: Box,
  ended: z.boolean(),
});
export type TrackView = z.infer<typeof TrackView>;

export const SegmentView = z.object({
  sourceId: z.string(),
  label: z.string(),
  startTs: z.number(),
  endTs: z.number(),
  tracks: z.number().int(),
  maxScore: z.number(),
});
export type SegmentView = z.infer<typeof SegmentView>;

/** Column-oriented per-second series (uPlot's data layout): t in unix seconds. */
export const TimelineView = z.object({
  sourceId: z.string(),
  t: z.array(z.number()),
  series: z.record(z.string(), z.object({ detections: z.array(z.number()), tracks: z.array(z.number()) })),
});
export type TimelineView = z.infer<typeof TimelineView>;

export const ErrorBody = z.object({ code: z.string(), message: z.string() });
export type ErrorBody = z.infer<typeof ErrorBody>;

// ---- live WebSocket (/api/v1/live) ----

export const LiveDetection = z.object({
  label: z.string(),
  score: z.number(),
  box: Box,
  trackId: z.number().int(),
});
export type LiveDetection = z.infer<typeof LiveDetection>;

/** A face on a live frame; personId/name once its face matches a known person confidently. */
export const LiveFace = z.object({
  box: Box,
  faceTrackId: z.number().int(),
  personId: z.string(),
  name: z.string(),
});
export type LiveFace = z.infer<typeof LiveFace>;

/**
 * One anchor of a source's video RTP clock: the frame with RTP timestamp `rtpTimestamp` (90 kHz,
 * 32-bit, wraps) was sent at wall-clock `wallMs`, which is the source clock the overlay draws
 * detections by (as VideoInitMessage.epochMs is for MSE). A frame on screen with RTP timestamp t
 * has ts = wallMs + ((t - rtpTimestamp) mod 2^32, as signed) / 90.
 */
export const RtcClock = z.object({ rtpTimestamp: z.number().int(), wallMs: z.number() });
export type RtcClock = z.infer<typeof RtcClock>;

export const ClientMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('subscribe'), sourceId: z.string() }),
  z.object({ type: z.literal('unsubscribe'), sourceId: z.string() }),
  z.object({ type: z.literal('ping'), t: z.number() }),
  // WebRTC signalling (issue 12, dashboard/src/rtc/): `req` is the client's number for matching
  // the reply (rtc-joined / rtc-consumers / rtc-ok, or rtc-error with the same req).
  z.object({ type: z.literal('rtc-join'), req: z.number().int(), sourceId: z.string() }),
  z.object({
    type: z.literal('rtc-connect'),
    req: z.number().int(),
    viewerId: z.string(),
    dtlsParameters: z.record(z.unknown()),
  }),
  z.object({
    type: z.literal('rtc-consume'),
    req: z.number().int(),
    viewerId: z.string(),
    rtpCapabilities: z.record(z.unknown()),
  }),
  z.object({ type: z.literal('rtc-resume'), req: z.number().int(), viewerId: z.string() }),
  z.object({ type: z.literal('rtc-leave'), req: z.number().int(), viewerId: z.string() }),
]);
export type ClientMessage = z.infer<typeof ClientMessage>;

export const ServerMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('hello'), serverTime: z.number(), sources: z.array(SourceView) }),
  /** A source was added or its state/stats changed (sent to every client, ~1/s per running source). */
  z.object({ type: z.literal('source'), source: SourceView }),
  z.object({ type: z.literal('source-removed'), sourceId: z.string() }),
  /**
   * One analysed frame: the JPEG preview and its detections in the same message, so the overlay is
   * exactly in sync with the picture. `skipped` = frames not sent to this client since the last one
   * (slow client). Times are epoch ms: receivedAt = ffmpeg handed the frame over, sentAt = queued.
   */
  z.object({
    type: z.literal('frame'),
    sourceId: z.string(),
    seq: z.number().int(),
    ts: z.number(),
    ptsMs: z.number(),
    receivedAt: z.number(),
    sentAt: z.number(),
    width: z.number().int(),
    height: z.number().int(),
    sourceWidth: z.number().int(),
    sourceHeight: z.number().int(),
    jpeg: z.string().describe('base64 JPEG of the analysed frame (width x height)'),
    detections: z.array(LiveDetection),
    faces: z.array(LiveFace).default([]),
    skipped: z.number().int(),
  }),
  /** A closed analysis window: per-class detection counts and distinct tracks, for live timelines. */
  z.object({
    type: z.literal('window'),
    sourceId: z.string(),
    windowId: z.number().int(),
    startTs: z.number(),
    endTs: z.number(),
    frames: z.number().int(),
    counts: z.record(z.string(), z.number()),
    tracks: z.record(z.string(), z.number()),
  }),
  z.object({
    type: z.literal('track'),
    sourceId: z.string(),
    phase: z.enum(['start', 'end']),
    track: TrackView,
  }),
  /**
   * A live result of an analyzer plugin (issue 9): `kind` is the analyzer's live message kind
   * ('speech', 'transcript', 'audio-event', 'loudness', 'speaker', ...), `data` its payload (the
   * analyzer's own shape, documented with its kind). `ts` is on the frames' clock.
   */
  z.object({
    type: z.literal('analyzer'),
    sourceId: z.string(),
    analyzer: z.string(),
    kind: z.string(),
    ts: z.number(),
    data: z.unknown(),
  }),
  /** An analyzer failed on this source (the rest of the job goes on). */
  z.object({
    type: z.literal('analyzer-error'),
    sourceId: z.string(),
    analyzer: z.string(),
    code: z.string(),
    message: z.string(),
  }),
  z.object({ type: z.literal('pong'), t: z.number(), serverTime: z.number() }),
  // WebRTC signalling replies and events (issue 12). mediasoup's own objects (capabilities,
  // ICE/DTLS parameters, rtpParameters) pass through as records: mediasoup-client validates them.
  z.object({
    type: z.literal('rtc-joined'),
    req: z.number().int(),
    sourceId: z.string(),
    viewerId: z.string(),
    routerRtpCapabilities: z.record(z.unknown()),
    transport: z.object({
      id: z.string(),
      iceParameters: z.record(z.unknown()),
      iceCandidates: z.array(z.record(z.unknown())),
      dtlsParameters: z.record(z.unknown()),
    }),
  }),
  z.object({
    type: z.literal('rtc-consumers'),
    req: z.number().int(),
    viewerId: z.string(),
    consumers: z.array(
      z.object({
        id: z.string(),
        producerId: z.string(),
        kind: z.enum(['audio', 'video']),
        rtpParameters: z.record(z.unknown()),
      }),
    ),
    /** Maps the video's RTP timestamps to the source clock (see RtcClock); null until known. */
    clock: RtcClock.nullable(),
  }),
  z.object({ type: z.literal('rtc-ok'), req: z.number().int(), viewerId: z.string() }),
  /** An anchor of the video producer's RTP clock, sent to the source's viewers at each keyframe. */
  z.object({ type: z.literal('rtc-clock'), sourceId: z.string(), clock: RtcClock }),
  z.object({
    type: z.literal('rtc-error'),
    req: z.number().int().nullable(),
    sourceId: z.string().nullable(),
    viewerId: z.string().nullable(),
    code: z.string(),
    message: z.string(),
  }),
  /** The viewer is gone server-side (its source's feed ended, the server is closing, ...). */
  z.object({
    type: z.literal('rtc-closed'),
    sourceId: z.string(),
    viewerId: z.string(),
    reason: z.enum(['unavailable', 'ended', 'failed', 'closed']),
    message: z.string(),
  }),
  z.object({ type: z.literal('error'), code: z.string(), message: z.string() }),
]);
export type ServerMessage = z.infer<typeof ServerMessage>;
export type FrameMessage = Extract<ServerMessage, { type: 'frame' }>;
export type AnalyzerMessage = Extract<ServerMessage, { type: 'analyzer' }>;

// ---- WebRTC (issue 12) ----

/** GET /api/v1/rtc: whether the live view can use WebRTC here, and why not. */
export const RtcStatusView = z.object({
  available: z.boolean(),
  /** Stable code when unavailable (RTC_DISABLED, RTC_WORKER_MISSING, RTC_WORKER_DIED, ...). */
  code: z.string().nullable(),
  /** One line for the UI: why the live view falls back to MSE. */
  reason: z.string().nullable(),
  routers: z.number().int(),
  viewers: z.number().int(),
  producers: z.number().int(),
  maxViewersPerSource: z.number().int(),
  maxRouters: z.number().int(),
});
export type RtcStatusView = z.infer<typeof RtcStatusView>;

/** Transport stats of one viewer or publisher (GET /api/v1/sources/:id/rtc). */
export const RtcPeerStatsView = z.object({
  id: z.string(),
  role: z.enum(['viewer', 'publisher']),
  /** Sent (viewer) or received (publisher) bits per second, all streams. */
  bitrate: z.number(),
  packetsLost: z.number().int(),
  /** Fraction lost 0..1 as the receiver last reported it. */
  fractionLost: z.number(),
  rttMs: z.number().nullable(),
  jitterMs: z.number().nullable(),
  iceState: z.string(),
  dtlsState: z.string(),
});
export type RtcPeerStatsView = z.infer<typeof RtcPeerStatsView>;

export const RtcSourceStatsView = z.object({
  sourceId: z.string(),
  /** The feed's RTP reaches mediasoup (a producer exists). */
  producing: z.boolean(),
  /** 'copy' (H.264 passed through) or 'transcode'. */
  video: z.enum(['copy', 'transcode']).nullable(),
  audio: z.boolean(),
  peers: z.array(RtcPeerStatsView),
});
export type RtcSourceStatsView = z.infer<typeof RtcSourceStatsView>;

// ---- live video WebSocket (/api/v1/sources/:id/video) and recordings ----

/**
 * The first (and only text) message of a video socket; binary messages follow: the fMP4 init
 * segment, then moof+mdat fragments starting at a keyframe. `epochMs` is the wall-clock ms of the
 * feed's media time 0, so a frame shown at `video.currentTime` s has ts = epochMs + currentTime*1000.
 */
export const VideoInitMessage = z.object({
  type: z.literal('video-init'),
  sourceId: z.string(),
  /** MediaSource type, e.g. `video/mp4; codecs="avc1.64001e"`. */
  mime: z.string(),
  epochMs: z.number(),
});
export type VideoInitMessage = z.infer<typeof VideoInitMessage>;

/** One recorded segment of a source: a fragmented MP4 file covering [startTs, endTs). */
export const RecordingView = z.object({
  startTs: z.number(),
  endTs: z.number(),
  bytes: z.number().int(),
  /** Where to fetch it (supports HTTP Range): /api/v1/sources/:id/recordings/<startTs>.mp4 */
  url: z.string(),
});
export type RecordingView = z.infer<typeof RecordingView>;

// ---- people (issue 5): persons, their appearances, corrections, shots ----

export const AppearanceAssignment = z.enum(['auto', 'unsure', 'manual']);

/** One face track of one source (or one face in one image of a folder), assigned to a person. */
export const AppearanceView = z.object({
  sourceId: z.string(),
  appearanceId: z.number().int(),
  personId: z.string().describe("'' when no face of the track was good enough to identify"),
  startTs: z.number(),
  endTs: z.number(),
  faces: z.number().int(),
  goodFaces: z.number().int(),
  quality: z.number(),
  bestTs: z.number(),
  bestBox: Box,
  /** The image file within its folder (image folders); '' for video. */
  media: z.string(),
  assignment: AppearanceAssignment,
  similarity: z.number(),
  /** Unsure appearances: the person it may be (the user decides). */
  candidatePersonId: z.string(),
  /** Persons the user said it is not. */
  rejected: z.array(z.string()),
  cropUrl: z.string(),
});
export type AppearanceView = z.infer<typeof AppearanceView>;

export const PersonView = z.object({
  id: z.string().describe('Temporary id: Person_001, Person_002, ...'),
  /** The user's name for the person; '' until named. */
  name: z.string(),
  displayName: z.string(),
  appearances: z.number().int(),
  screenMs: z.number(),
  sources: z.number().int(),
  stills: z.number().int(),
  firstTs: z.number().nullable(),
  lastTs: z.number().nullable(),
  /** Appearances waiting for the user's yes/no. */
  unsure: z.number().int(),
  /** Above the minimum screen time (or seen in a still): shown by default. */
  visible: z.boolean(),
  cropUrl: z.string().nullable(),
});
export type PersonView = z.infer<typeof PersonView>;

export const PersonEventView = z.object({
  id: z.string(),
  ts: z.number(),
  kind: z.string(),
  actor: z.enum(['user', 'auto']),
  detail: z.record(z.string(), z.unknown()),
});
export type PersonEventView = z.infer<typeof PersonEventView>;

export const DossierView = z.object({
  person: PersonView,
  appearances: z.array(AppearanceView.extend({ source: z.string().describe('source path/URL (redacted)') })),
  events: z.array(PersonEventView),
  names: z.array(z.object({ ts: z.number(), from: z.string(), to: z.string() })),
});
export type DossierView = z.infer<typeof DossierView>;

export const AppearanceKeyBody = z.object({
  sourceId: z.string(),
  appearanceId: z.number().int().nonnegative(),
});
export const RenameBody = z.object({ name: z.string().max(200) }).strict();
export const MergeBody = z.object({ into: z.string().min(1) }).strict();
export const SplitBody = z.object({ appearances: z.array(AppearanceKeyBody).min(1).max(10_000) }).strict();
export const MoveBody = z
  .object({ personId: z.string().min(1).nullable().describe('null: a new person') })
  .strict();

/** A face on one frame, with the person its track belongs to (for overlays). */
export const FaceView = z.object({
  ts: z.number(),
  box: Box,
  score: z.number(),
  quality: z.number(),
  faceTrackId: z.number().int(),
  personTrackId: z.number().int(),
  personId: z.string(),
  name: z.string(),
});
export type FaceView = z.infer<typeof FaceView>;

export const ShotView = z.object({
  index: z.number().int(),
  startTs: z.number(),
  endTs: z.number(),
  keyframeTs: z.number(),
  cutScore: z.number(),
  palette: z.array(z.string()).describe('#rrggbb, most common first'),
  sharpness: z.number().describe('variance of the Laplacian of the keyframe (grey, ≤ 320 px)'),
  exposure: z.object({
    mean: z.number().describe('mean luma 0..1'),
    clippedLow: z.number().describe('share of near-black pixels'),
    clippedHigh: z.number().describe('share of near-white pixels'),
  }),
});
export type ShotView = z.infer<typeof ShotView>;

// ---- audio (issue 9): transcripts, speech, sound events, loudness, speakers, search ----

export const TranscriptWordView = z.object({
  word: z.string(),
  startTs: z.number(),
  endTs: z.number(),
  confidence: z.number(),
});
export type TranscriptWordView = z.infer<typeof TranscriptWordView>;

/** One transcript segment (an utterance) with its words. */
export const TranscriptLineView = z.object({
  sourceId: z.string(),
  segmentId: z.string(),
  startTs: z.number(),
  endTs: z.number(),
  text: z.string(),
  language: z.string().describe("BCP-47-ish code; '' when unknown"),
  confidence: z.number(),
  engine: z.string().describe("speech recogniser, e.g. 'pocketsphinx' (weak) or 'sherpa-whisper'"),
  speakerId: z.string().describe("'' until diarised"),
  personId: z.string().describe("'' when the speaker is linked to nobody"),
  words: z.array(TranscriptWordView),
});
export type TranscriptLineView = z.infer<typeof TranscriptLineView>;

export const SpeechSegmentView = z.object({
  startTs: z.number(),
  endTs: z.number(),
  probability: z.number().describe('mean speech probability over the span'),
});
export type SpeechSegmentView = z.infer<typeof SpeechSegmentView>;

/** EBU R128 loudness per second, column-oriented (uPlot's layout); t in epoch ms. */
export const LoudnessView = z.object({
  sourceId: z.string(),
  t: z.array(z.number()),
  momentaryLufs: z.array(z.number()).describe('highest momentary loudness in the second (-200: silence)'),
  shortTermLufs: z.array(z.number()),
  peakDbfs: z.array(z.number()),
  silent: z.array(z.boolean()),
  clippedSamples: z.array(z.number().int()),
});
export type LoudnessView = z.infer<typeof LoudnessView>;

export const AudioEventView = z.object({
  eventId: z.string(),
  label: z.string().describe('AIMA sound class: scream, glass-breaking, siren, dog, music, ...'),
  startTs: z.number(),
  endTs: z.number(),
  peakTs: z.number(),
  peakScore: z.number(),
  classes: z.array(z.string()).describe('AudioSet classes behind it, strongest first'),
  modelId: z.string(),
});
export type AudioEventView = z.infer<typeof AudioEventView>;

export const SpeechRateView = z.object({
  segmentId: z.string(),
  startTs: z.number(),
  endTs: z.number(),
  words: z.number().int(),
  wordsPerMinute: z.number(),
  pauses: z.number().int(),
  meanPauseMs: z.number(),
  maxPauseMs: z.number(),
});
export type SpeechRateView = z.infer<typeof SpeechRateView>;

export const SpeakerLink = z.enum(['none', 'auto', 'confirmed', 'rejected']);

export const SpeakerView = z.object({
  sourceId: z.string(),
  speakerId: z.string().describe('S1, S2, ... within the source'),
  label: z.string().describe("the user's name for the voice; '' until named"),
  personId: z.string(),
  link: SpeakerLink.describe('auto: linked by a visible face; confirmed/rejected: the user decided'),
  speakingMs: z.number(),
  turns: z.number().int(),
});
export type SpeakerView = z.infer<typeof SpeakerView>;

/**
 * The user's decision on a speaker: `confirmed` links it to `personId` (or confirms its automatic
 * person; a different personId moves it), `rejected` unlinks it. Automatic links never override it.
 */
export const SpeakerPatchBody = z
  .object({
    label: z.string().max(200).optional(),
    personId: z.string().min(1).max(128).optional(),
    link: z.enum(['confirmed', 'rejected']),
  })
  .strict();
export type SpeakerPatchBody = z.infer<typeof SpeakerPatchBody>;

/** One speaking turn of a speaker. */
export const SpeakerTurnView = z.object({
  speakerId: z.string(),
  startTs: z.number(),
  endTs: z.number(),
});
export type SpeakerTurnView = z.infer<typeof SpeakerTurnView>;

/**
 * Split a speaker: the turns named by their start (epoch ms) become a new speaker of the source,
 * with the transcript lines spoken in them. At least one turn must stay with the speaker.
 */
export const SpeakerSplitBody = z.object({ turns: z.array(z.number().int()).min(1).max(10_000) }).strict();
export type SpeakerSplitBody = z.infer<typeof SpeakerSplitBody>;

/** A transcript segment whose words matched a search, with the moment to jump to. */
export const TranscriptHitView = z.object({
  sourceId: z.string(),
  segmentId: z.string(),
  startTs: z.number(),
  endTs: z.number(),
  text: z.string(),
  speakerId: z.string(),
  personId: z.string(),
  matches: z.array(TranscriptWordView),
  ts: z.number().describe('the moment to jump to: the first matching word (or the segment start)'),
  playbackUrl: z.string().describe('the dashboard route playing the source from ts'),
});
export type TranscriptHitView = z.infer<typeof TranscriptHitView>;

export const PersonSpeechView = z.object({
  personId: z.string(),
  speakingMs: z.number(),
  lines: z.array(TranscriptLineView.extend({ playbackUrl: z.string() })),
});
export type PersonSpeechView = z.infer<typeof PersonSpeechView>;
