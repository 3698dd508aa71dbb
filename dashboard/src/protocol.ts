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
  kind: z.enum(['file', 'http', 'rtsp', 'rtmp', 'hls', 'srt']),
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
});
export type SourceView = z.infer<typeof SourceView>;

export const AddSourceBody = z
  .object({
    /** A file path on the server, or a stream URL (http(s), rtsp, rtmp, hls, srt). */
    input: z.string().min(1).max(4096),
    fps: z.number().positive().max(30).default(5),
    /** Read a file at its native rate, as if it were live. */
    realtime: z.boolean().default(false),
    /** Share of the model when sources compete for it (weight, default 1: 3 gets 3x the frames of 1). */
    priority: z.number().min(0.01).max(100).default(1),
    /** Optional id (letters, digits, . _ -); generated when omitted. */
    id: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/)
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

export const ClientMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('subscribe'), sourceId: z.string() }),
  z.object({ type: z.literal('unsubscribe'), sourceId: z.string() }),
  z.object({ type: z.literal('ping'), t: z.number() }),
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
  z.object({ type: z.literal('pong'), t: z.number(), serverTime: z.number() }),
  z.object({ type: z.literal('error'), code: z.string(), message: z.string() }),
]);
export type ServerMessage = z.infer<typeof ServerMessage>;
export type FrameMessage = Extract<ServerMessage, { type: 'frame' }>;

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
