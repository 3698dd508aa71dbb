// Live video into a <video> through Media Source Extensions: the source's fMP4 WebSocket
// (/api/v1/sources/:id/video) appended to a SourceBuffer. Keeps under ~30 s buffered, jumps to the
// live edge when more than ~1.5 s behind, and reconnects (from the next GOP: a fresh MediaSource)
// when the server drops us for reading too slowly. Gives up, calling onFail, when the source has no
// live video (4404), MSE cannot play it, or it keeps failing before it ever played.
import { VideoInitMessage } from '../../../src/protocol.ts';
import { API } from './api.ts';
import { backoffDelay } from './backoff.ts';

const MAX_BUFFER_S = 30;
const KEEP_S = 10;
const BEHIND_S = 1.5;
const EDGE_S = 0.3;
/** Fragments waiting for the SourceBuffer; more means the tab cannot keep up: start over. */
const MAX_QUEUE = 150;
const MAX_FAILED_TRIES = 4;

export interface LiveVideoEvents {
  /** A (re)connection delivered its init: media time 0 is wall-clock `epochMs`. */
  onInit?(init: VideoInitMessage): void;
  /** Live video is not to be had: fall back to frames. */
  onFail?(reason: string): void;
}

export interface LiveVideo {
  /** epochMs of the current connection's feed (null before the first init). */
  readonly epochMs: number | null;
  destroy(): void;
}

export function mseSupported(): boolean {
  return typeof MediaSource !== 'undefined' && MediaSource.isTypeSupported('video/mp4; codecs="avc1.42e01e"');
}

export function createLiveVideo(
  video: HTMLVideoElement,
  sourceId: string,
  events: LiveVideoEvents = {},
): LiveVideo {
  let destroyed = false;
  let epochMs: number | null = null;
  let ws: WebSocket | null = null;
  let objectUrl = '';
  let attempt = 0;
  let failedTries = 0;
  let played = false;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;

  function fail(reason: string): void {
    if (destroyed) return;
    teardown();
    destroyed = true;
    events.onFail?.(reason);
  }

  function teardown(): void {
    clearTimeout(retryTimer);
    if (ws) {
      ws.onclose = null;
      ws.close(1000);
      ws = null;
    }
    if (objectUrl) {
      video.removeAttribute('src');
      video.load();
      URL.revokeObjectURL(objectUrl);
      objectUrl = '';
    }
  }

  function retry(): void {
    teardown();
    if (destroyed) return;
    if (!played && ++failedTries >= MAX_FAILED_TRIES) return fail('the live video keeps failing');
    retryTimer = setTimeout(connect, backoffDelay(attempt++));
  }

  function connect(): void {
    const url = new URL(`${API}/sources/${encodeURIComponent(sourceId)}/video`, location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(url);
    socket.binaryType = 'arraybuffer';
    ws = socket;
    const queue: ArrayBuffer[] = [];
    let sb: SourceBuffer | null = null;

    const pump = (): void => {
      if (!sb || sb.updating || destroyed) return;
      const b = video.buffered;
      if (b.length > 0 && b.end(b.length - 1) - b.start(0) > MAX_BUFFER_S) {
        sb.remove(0, b.end(b.length - 1) - KEEP_S);
        return;
      }
      const next = queue.shift();
      if (!next) return;
      try {
        sb.appendBuffer(next);
      } catch {
        retry();
      }
    };

    const followEdge = (): void => {
      const b = video.buffered;
      if (b.length === 0) return;
      const end = b.end(b.length - 1);
      if (video.currentTime < b.start(b.length - 1) || end - video.currentTime > BEHIND_S) {
        video.currentTime = Math.max(b.start(b.length - 1), end - EDGE_S);
      }
      if (video.paused) void video.play().catch(() => undefined);
    };

    socket.onmessage = (ev: MessageEvent<string | ArrayBuffer>) => {
      if (ws !== socket) return;
      if (typeof ev.data !== 'string') {
        queue.push(ev.data);
        if (queue.length > MAX_QUEUE) return retry();
        return pump();
      }
      const parsed = VideoInitMessage.safeParse(JSON.parse(ev.data));
      if (!parsed.success) return;
      const init = parsed.data;
      if (!MediaSource.isTypeSupported(init.mime)) return fail(`this browser cannot play ${init.mime}`);
      const ms = new MediaSource();
      objectUrl = URL.createObjectURL(ms);
      video.src = objectUrl;
      ms.addEventListener(
        'sourceopen',
        () => {
          if (ws !== socket) return;
          sb = ms.addSourceBuffer(init.mime);
          sb.mode = 'segments';
          sb.addEventListener('updateend', () => {
            followEdge();
            pump();
          });
          sb.addEventListener('error', () => retry());
          pump();
        },
        { once: true },
      );
      epochMs = init.epochMs;
      events.onInit?.(init);
    };
    socket.onclose = (ev) => {
      if (ws !== socket) return;
      if (ev.code === 4404) return fail('this source has no live video');
      // The source ended: keep the last picture (and the MediaSource it came from).
      if (ev.code === 1000) {
        ws = null;
        return;
      }
      retry();
    };
  }

  const onPlaying = (): void => {
    played = true;
    attempt = 0;
    failedTries = 0;
  };
  const onError = (): void => {
    if (objectUrl) retry();
  };
  video.addEventListener('playing', onPlaying);
  video.addEventListener('error', onError);
  connect();

  return {
    get epochMs() {
      return epochMs;
    },
    destroy() {
      destroyed = true;
      video.removeEventListener('playing', onPlaying);
      video.removeEventListener('error', onError);
      teardown();
    },
  };
}
