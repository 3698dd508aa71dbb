// window.__aimaLive: numbers the browser tests and benchmarks read from the live view.
import type { DrawnDetection, DrawnFace } from './overlay.ts';

export interface AimaLiveHooks {
  sourceId: string;
  framesDrawn: number;
  /** ms from ffmpeg handing the frame over (msg.receivedAt) to its overlay drawn here; last 1000. */
  latencies: number[];
  lastSeq: number;
  /** The detections of the last drawn frame, with their boxes in canvas pixels. */
  lastDetections: DrawnDetection[];
  /** The faces of the last drawn frame (either mode), with their labels and canvas boxes. */
  lastFaces: DrawnFace[];
  /** Frames dropped here because the previous one was still decoding. */
  framesDroppedDecoding: number;
  /** `window` messages received for this source. */
  windowsReceived: number;
  /** Points currently in the live timeline chart (after its last setData). */
  timelinePoints: number;
  /** Messages that failed ServerMessage validation since the page loaded. */
  invalidMessages: number;
  /** 'webrtc', 'video' (MSE) or 'frames' (JPEG canvas); see live-mode.ts. */
  mode: 'webrtc' | 'video' | 'frames';
  /** The text under the live view: which mode and why ("WebRTC · 42 ms — automatic: …"). */
  modeLabel: string;
  /** Frames presented over WebRTC (requestVideoFrameCallback with an RTP timestamp). */
  rtcFrames: number;
  /** The WebRTC viewer id on the server (null when not connected over WebRTC). */
  rtcViewerId: string | null;
  /** Source-clock ms of the video frame on screen (either video mode), null when unknown. */
  frameTs: number | null;
  /** ts − receivedAt of the newest analysed frame: how far the source clock runs from arrival. */
  sourceMinusArrivalMs: number | null;
  /** The live <video> is playing (not paused, has data). */
  videoPlaying: boolean;
  videoCurrentTime: number;
  /** Overlay draws of a newly shown set of detections over the live video. */
  overlayDrawsInVideoMode: number;
}

/** What the playback page shows (for the browser tests). */
export interface AimaPlaybackHooks {
  sourceId: string;
  segmentIndex: number;
  segments: number;
  videoPlaying: boolean;
  videoCurrentTime: number;
  /** Wall-clock ms of the picture shown. */
  ts: number | null;
  detectionsLoaded: number;
  overlayDraws: number;
  lastDetections: DrawnDetection[];
  /** Stored faces loaded for the current segment. */
  facesLoaded: number;
  lastFaces: DrawnFace[];
  /** Transcript lines loaded around the moment. */
  transcriptLines: number;
  /** Seeks asked for by the transcript or the audio lanes. */
  seeks: number;
}

/** What the history page's keyframe view drew last (for the browser tests). */
export interface AimaHistoryHooks {
  keyframesDrawn: number;
  ts: number;
  boxes: DrawnDetection[];
}

declare global {
  interface Window {
    __aimaLive?: AimaLiveHooks;
    __aimaHistory?: AimaHistoryHooks;
    __aimaPlayback?: AimaPlaybackHooks;
  }
}

const MAX_LATENCIES = 1000;

export function resetLiveHooks(sourceId: string): AimaLiveHooks {
  const hooks: AimaLiveHooks = {
    sourceId,
    framesDrawn: 0,
    latencies: [],
    lastSeq: -1,
    lastDetections: [],
    lastFaces: [],
    framesDroppedDecoding: 0,
    windowsReceived: 0,
    timelinePoints: 0,
    invalidMessages: 0,
    mode: 'frames',
    modeLabel: '',
    rtcFrames: 0,
    rtcViewerId: null,
    frameTs: null,
    sourceMinusArrivalMs: null,
    videoPlaying: false,
    videoCurrentTime: 0,
    overlayDrawsInVideoMode: 0,
  };
  window.__aimaLive = hooks;
  return hooks;
}

export function recordLatency(hooks: AimaLiveHooks, ms: number): void {
  if (hooks.latencies.length >= MAX_LATENCIES) hooks.latencies.shift();
  hooks.latencies.push(ms);
}
