// A WHIP client (RFC 9725) for "Publish my camera" (issue 12): the camera's tracks on sendonly
// transceivers (H.264 first, which the server copies; VP8 it re-encodes), one complete offer once
// ICE gathering is done (the server takes no trickle), POSTed with the session cookie as
// application/sdp; the answer's Location is DELETEd on stop.
import { API, ApiError, toApiError } from './api.ts';

/** Host candidates only (no STUN/TURN): gathering takes milliseconds; this bounds a stuck one. */
const GATHER_MS = 3000;
const enc = encodeURIComponent;

export interface WhipSession {
  readonly sourceId: string;
  /** The session URL (absolute) to DELETE. */
  readonly location: string;
  readonly stream: MediaStream;
  readonly connectionState: RTCPeerConnectionState;
  /** DELETEs the session, closes the connection and stops the camera. Idempotent. */
  stop(): Promise<void>;
}

export interface WhipOptions {
  /** Analysis frame rate of the new source (the server's default when omitted). */
  readonly fps?: number;
  readonly signal?: AbortSignal;
  /** The peer connection's state changed ('connected', 'failed', ...). */
  readonly onState?: (state: RTCPeerConnectionState) => void;
}

interface CodecLike {
  readonly mimeType: string;
  readonly sdpFmtpLine?: string;
}

/**
 * The browser's send codecs ordered for AIMA: H.264 with packetization-mode 1 first (constrained
 * baseline 42e01f before the other profiles), then VP8, then the rest (rtx, red, ulpfec, VP9, AV1).
 */
export function preferH264<C extends CodecLike>(codecs: readonly C[]): C[] {
  const rank = (c: C): number => {
    const mime = c.mimeType.toLowerCase();
    const fmtp = c.sdpFmtpLine ?? '';
    if (mime === 'video/h264') {
      const mode1 = /packetization-mode=1/.test(fmtp);
      const baseline = /profile-level-id=42e0/i.test(fmtp);
      return mode1 ? (baseline ? 0 : 1) : 2;
    }
    if (mime === 'video/vp8') return 3;
    return 4;
  };
  return codecs
    .map((c, i) => ({ c, i }))
    .sort((a, b) => rank(a.c) - rank(b.c) || a.i - b.i)
    .map(({ c }) => c);
}

/** The camera (and microphone when there is one); needs a secure context (HTTPS or localhost). */
export async function openCamera(): Promise<MediaStream> {
  if (!navigator.mediaDevices?.getUserMedia) {
    throw new ApiError(
      0,
      'CAMERA_UNAVAILABLE',
      'this page cannot use a camera (it needs HTTPS or localhost)',
    );
  }
  const video = { width: { ideal: 1280 }, height: { ideal: 720 } };
  try {
    return await navigator.mediaDevices.getUserMedia({ video, audio: true });
  } catch (err) {
    // No microphone (or it was refused): the camera alone.
    if (err instanceof DOMException && (err.name === 'NotFoundError' || err.name === 'NotAllowedError')) {
      try {
        return await navigator.mediaDevices.getUserMedia({ video });
      } catch (again) {
        throw cameraError(again);
      }
    }
    throw cameraError(err);
  }
}

function cameraError(err: unknown): ApiError {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return new ApiError(0, 'CAMERA_UNAVAILABLE', `no camera: ${text}`);
}

function waitForGathering(pc: RTCPeerConnection, signal?: AbortSignal): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', check);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const check = (): void => {
      if (pc.iceGatheringState === 'complete') done();
    };
    // Past the bound the offer goes with the candidates it has.
    const timer = setTimeout(done, GATHER_MS);
    pc.addEventListener('icegatheringstatechange', check);
    signal?.addEventListener('abort', done);
  });
}

/** Publishes `stream` as the new live source `sourceId`; stops the stream's tracks if it fails. */
export async function publishWhip(
  sourceId: string,
  stream: MediaStream,
  opts: WhipOptions = {},
): Promise<WhipSession> {
  const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
  let stopped = false;
  const release = (): void => {
    pc.close();
    for (const track of stream.getTracks()) track.stop();
  };
  try {
    for (const track of stream.getTracks()) {
      const t = pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
      if (track.kind === 'video') {
        const caps = RTCRtpSender.getCapabilities('video');
        if (caps && typeof t.setCodecPreferences === 'function')
          t.setCodecPreferences(preferH264(caps.codecs));
      }
    }
    pc.addEventListener('connectionstatechange', () => opts.onState?.(pc.connectionState));
    await pc.setLocalDescription(await pc.createOffer());
    await waitForGathering(pc, opts.signal);
    opts.signal?.throwIfAborted();
    const q = opts.fps === undefined ? '' : `?fps=${opts.fps}`;
    const url = new URL(`${API}/whip/${enc(sourceId)}${q}`, location.href);
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/sdp' },
      body: pc.localDescription?.sdp ?? '',
      credentials: 'same-origin',
      signal: opts.signal,
    });
    if (res.status !== 201) throw await toApiError(res);
    const loc = res.headers.get('location');
    if (!loc) throw new ApiError(res.status, 'WHIP_NO_LOCATION', 'the server gave no session URL');
    const session = new URL(loc, url).href;
    const answer = await res.text();
    try {
      await pc.setRemoteDescription({ type: 'answer', sdp: answer });
    } catch (err) {
      // The server holds a session for an answer we cannot use: end it.
      await fetch(session, { method: 'DELETE', credentials: 'same-origin' }).catch(() => undefined);
      throw new ApiError(0, 'WHIP_BAD_ANSWER', `the browser refused the answer: ${String(err)}`);
    }
    return {
      sourceId,
      location: session,
      stream,
      get connectionState() {
        return pc.connectionState;
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        try {
          const del = await fetch(session, { method: 'DELETE', credentials: 'same-origin' });
          // 404: the server ended the session already (the source was stopped there).
          if (!del.ok && del.status !== 404) throw await toApiError(del);
        } finally {
          release();
        }
      },
    };
  } catch (err) {
    release();
    throw err;
  }
}
