import { z } from 'zod';

// The worker protocol (v1) between the control plane and `aima worker`, over one WebSocket.
// Every message is one JSON text frame (see codec.ts for typed arrays); both sides validate what
// they receive with these schemas and close with a coded reason on anything else. Payloads that our
// own analysis code produces (events, summaries, store rows) are carried as `unknown` and typed by
// the side that consumes them: the envelope is what both sides must agree on.
//
// Additions within v1 are optional and announced: a peer sends a message type the other may not
// know only after the other said it understands it. Live previews: a worker whose capabilities say
// `previews: true` accepts `watch`; it sends `frame` only for an assignment it was told to watch.
// An older hub strips the unknown capability (and so never sends `watch`); an older worker never
// announces it. Neither side ever sees a type it cannot parse, so the version stays 1.

/** Bump on any incompatible change; a mismatch is refused with WORKER_CLOSE.version. */
export const WORKER_PROTOCOL_VERSION = 1;

/** WebSocket close codes of the worker socket (4000-4999 is the application range). */
export const WORKER_CLOSE = Object.freeze({
  /** The hello named another protocol version. */
  version: 4400,
  /** Join token unknown, used, or expired; or an unknown worker key. */
  auth: 4401,
  /** A message did not parse or broke the protocol order. */
  protocol: 4402,
  /** The control plane disconnected the worker (admin, heartbeat timeout, shutdown). */
  disconnected: 4403,
  /** The worker's send buffer passed its cap: the peer is too slow. */
  overflow: 4408,
});

const Gpu = z.object({ name: z.string(), memoryMb: z.number().nonnegative() });

export const WorkerCapabilities = z.object({
  executionProviders: z.array(z.string()),
  gpu: Gpu.nullable(),
  analyzers: z.array(z.object({ id: z.string(), modelsPresent: z.boolean() })),
  cpus: z.number().int().nonnegative(),
  version: z.string(),
  /** Detector model the worker runs (results are comparable only with the same model). */
  model: z.string().optional(),
  /** Understands `watch` and sends `frame` previews while watched (added within v1). */
  previews: z.boolean().optional(),
});
export type WorkerCapabilities = z.infer<typeof WorkerCapabilities>;

export const WorkerStats = z.object({
  gpu: z
    .object({
      utilization: z.number(),
      memoryUsedMb: z.number(),
      memoryTotalMb: z.number(),
      temperatureC: z.number(),
    })
    .nullable(),
  /** 1-minute load average divided by CPU count (0..1 is "not overloaded"). */
  cpuLoad: z.number(),
  assignments: z.number().int().nonnegative(),
});
export type WorkerStats = z.infer<typeof WorkerStats>;

export const AssignmentInput = z.discriminatedUnion('kind', [
  /** A live or remote URL the worker pulls itself (may hold credentials: never logged). */
  z.object({ kind: z.literal('url'), url: z.string() }),
  /** A file of the control plane, fetched once through a short-lived signed URL. */
  z.object({ kind: z.literal('file'), url: z.string(), name: z.string() }),
]);
export type AssignmentInput = z.infer<typeof AssignmentInput>;

/** A detection on a preview frame, boxes in source pixels (what the dashboard's overlay draws). */
export const PreviewDetection = z.object({
  label: z.string(),
  score: z.number(),
  box: z.tuple([z.number(), z.number(), z.number(), z.number()]),
  trackId: z.number().int(),
});
export type PreviewDetection = z.infer<typeof PreviewDetection>;

/** A preview JPEG (base64) may not exceed this many characters (a 416-px JPEG is ~30-60 KB). */
export const MAX_PREVIEW_CHARS = 2 * 1024 * 1024;

/** Worker → control plane. */
export const WorkerMessage = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('hello'),
    protocol: z.number().int(),
    /** A one-time join token (first connection) or the key the welcome gave (reconnects). */
    token: z.string().optional(),
    workerKey: z.string().optional(),
    name: z.string().max(200),
    capabilities: WorkerCapabilities,
    /** Reconnects: assignments still running here, to be re-attached. */
    running: z.array(z.object({ assignmentId: z.string(), attempt: z.number().int() })).default([]),
  }),
  z.object({ type: z.literal('heartbeat'), stats: WorkerStats }),
  z.object({ type: z.literal('progress'), assignmentId: z.string(), progress: z.unknown() }),
  z.object({
    type: z.literal('event'),
    assignmentId: z.string(),
    /** Which JobHooks callback this feeds on the control plane. */
    kind: z.enum(['analysis', 'live-state', 'analyzer-live', 'analyzer-failure']),
    analyzer: z.string().optional(),
    data: z.unknown(),
    /** Wall-clock ms when the worker sent it (hop latency). */
    sentAt: z.number(),
  }),
  z.object({
    type: z.literal('rpc'),
    id: z.number().int(),
    assignmentId: z.string(),
    attempt: z.number().int(),
    /** Writes only: per assignment attempt, from 1; a resend keeps its seq (applied once). */
    seq: z.number().int().positive().optional(),
    target: z.enum(['store', 'persons']),
    method: z.string(),
    args: z.array(z.unknown()),
  }),
  /**
   * A live preview of a watched assignment: one analysed frame as a JPEG with its detections.
   * Sent only after `watch {on: true}`; the first thing dropped when the socket is backed up.
   */
  z.object({
    type: z.literal('frame'),
    assignmentId: z.string(),
    seq: z.number().int(),
    ts: z.number(),
    ptsMs: z.number(),
    /** Wall-clock ms when the worker's ffmpeg handed the frame over. */
    receivedAt: z.number(),
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    sourceWidth: z.number().int().positive(),
    sourceHeight: z.number().int().positive(),
    jpeg: z.string().max(MAX_PREVIEW_CHARS),
    detections: z.array(PreviewDetection),
    /** Faces on the frame (the dashboard's LiveFace; typed there). */
    faces: z.array(z.unknown()).default([]),
  }),
  z.object({ type: z.literal('done'), assignmentId: z.string(), summary: z.unknown() }),
  z.object({ type: z.literal('failed'), assignmentId: z.string(), code: z.string(), message: z.string() }),
]);
export type WorkerMessage = z.infer<typeof WorkerMessage>;

/** Control plane → worker. */
export const ServerMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('welcome'), workerId: z.string(), workerKey: z.string() }),
  z.object({
    type: z.literal('assign'),
    assignmentId: z.string(),
    attempt: z.number().int().positive(),
    sourceId: z.string(),
    /** Shown in the source row (never holds credentials). */
    display: z.string(),
    input: AssignmentInput,
    fps: z.number().positive(),
    realtime: z.boolean(),
    analyzers: z.array(z.string()).nullable(),
    jobId: z.string(),
    priority: z.number().optional(),
    durationMs: z.number().optional(),
    maxAttempts: z.number().optional(),
    meta: z.record(z.unknown()).optional(),
    epochMs: z.number().optional(),
  }),
  z.object({ type: z.literal('cancel'), assignmentId: z.string() }),
  /** Someone (no longer) watches this assignment's live view: previews on/off. Only to workers with `previews`. */
  z.object({ type: z.literal('watch'), assignmentId: z.string(), on: z.boolean() }),
  z.object({
    type: z.literal('rpc-result'),
    id: z.number().int(),
    ok: z.boolean(),
    value: z.unknown().optional(),
    code: z.string().optional(),
    message: z.string().optional(),
  }),
]);
export type ServerMessage = z.infer<typeof ServerMessage>;

export type AssignMessage = Extract<ServerMessage, { type: 'assign' }>;
export type RpcMessage = Extract<WorkerMessage, { type: 'rpc' }>;
export type HelloMessage = Extract<WorkerMessage, { type: 'hello' }>;
export type PreviewMessage = Extract<WorkerMessage, { type: 'frame' }>;
