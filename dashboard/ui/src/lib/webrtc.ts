// Live video over WebRTC (issue 12): a mediasoup-client Device and one receive transport per
// viewed source, signalled over the live WebSocket (rtc-signal.ts), the consumers' tracks (video,
// and audio when the source has it) in one MediaStream on the page's <video>. The overlay asks
// frameTime(): the RTP timestamp of the frame on screen (requestVideoFrameCallback metadata)
// through the source's RtcClock, the same source clock the MSE path gets from epochMs.
// Reconnects after a lost transport or socket once it has played; gives up (onFail, so the page
// falls back to MSE) when the server refuses or nothing plays.
import { Device, type types } from 'mediasoup-client';
import type { RtcClock } from '../../../src/protocol.ts';
import { backoffDelay } from './backoff.ts';
import type { RtcChannel } from './live-client.svelte.ts';
import { createRtcSignal, RtcError, rtpToSourceMs, type RtcEvent } from './rtc-signal.ts';

/** rtc-consume waits up to 15 s on the server for the source's producer (its feed starting). */
const CONSUME_TIMEOUT_MS = 20_000;
/**
 * After the consumers resumed, the first frame must show within this. Encoded RTP has a keyframe
 * every second, but copied H.264 keeps the camera's own interval (ffmpeg cannot answer a PLI), and
 * the first keyframe of a feed that was not running comes after its probe (several seconds).
 */
const FIRST_FRAME_MS = 20_000;
/** A disconnected transport that does not come back within this is treated as failed. */
const DISCONNECTED_MS = 5_000;
/** Reconnections in a row without a frame in between before giving up. */
const MAX_FAILED_TRIES = 3;

export interface LiveRtcEvents {
  /** The first frame of a (re)connection is on screen. */
  onPlaying?(): void;
  /** WebRTC is not to be had for this source (code + one line): the page falls back. */
  onFail?(code: string, reason: string): void;
  /** The source's feed ended: the last picture stays. */
  onEnded?(reason: string): void;
}

export interface LiveRtc {
  readonly viewerId: string | null;
  readonly clock: RtcClock | null;
  /** Frames presented since the start (requestVideoFrameCallback). */
  readonly framesPresented: number;
  /** Source-clock ms of the frame on screen, null until a frame and a clock are known. */
  frameTime(): number | null;
  /** Leaves (rtc-leave), closes the transport and its consumers. Idempotent. */
  destroy(): void;
}

export function createLiveRtc(
  video: HTMLVideoElement,
  sourceId: string,
  channel: RtcChannel,
  events: LiveRtcEvents = {},
): LiveRtc {
  let destroyed = false;
  let viewerId: string | null = null;
  let clock: RtcClock | null = null;
  let transport: types.Transport | null = null;
  let lastRtp: number | null = null;
  let framesPresented = 0;
  let everPlayed = false;
  let playedThisTry = false;
  /** Reconnections since the last frame shown. */
  let failedTries = 0;
  let attempt = 0;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let watchTimer: ReturnType<typeof setTimeout> | undefined;
  let frameCallback = 0;
  /** Bumped per (re)connection: late callbacks of an old one are ignored. */
  let generation = 0;

  const onEvent = (event: RtcEvent): void => {
    switch (event.type) {
      case 'rtc-clock':
        if (event.sourceId === sourceId) clock = event.clock;
        break;
      case 'rtc-closed':
        if (event.viewerId !== viewerId) break;
        viewerId = null;
        if (event.reason === 'ended') end(`the source ended: ${event.message}`);
        else lost(new RtcError(`RTC_${event.reason.toUpperCase()}`, event.message));
        break;
      case 'rtc-error':
        if (event.viewerId !== null && event.viewerId === viewerId)
          lost(new RtcError(event.code, event.message));
        break;
      case 'socket':
        // The server dropped this socket's viewers with it: start again once it is back.
        if (!event.open && viewerId !== null) {
          viewerId = null;
          lost(new RtcError('RTC_SIGNAL_LOST', 'the live connection to the server closed'));
        }
        break;
    }
  };
  const signal = createRtcSignal(channel, onEvent);

  function closeTransport(): void {
    generation++;
    clearTimeout(watchTimer);
    if (viewerId !== null) signal.notify({ type: 'rtc-leave', viewerId });
    viewerId = null;
    transport?.close();
    transport = null;
  }

  function fail(err: unknown): void {
    if (destroyed) return;
    const e =
      err instanceof RtcError
        ? err
        : new RtcError('RTC_CLIENT', err instanceof Error ? err.message : String(err));
    stop();
    events.onFail?.(e.code, e.message);
  }

  function end(reason: string): void {
    if (destroyed) return;
    closeTransport();
    events.onEnded?.(reason);
  }

  /** The connection broke: connect again if WebRTC ever played here, else give up on it. */
  function lost(err: unknown): void {
    if (destroyed) return;
    closeTransport();
    if (!everPlayed || ++failedTries > MAX_FAILED_TRIES) return fail(err);
    playedThisTry = false;
    retryTimer = setTimeout(() => void connect(), backoffDelay(attempt++));
  }

  function watchFrames(): void {
    const v = video as HTMLVideoElement & {
      requestVideoFrameCallback?: HTMLVideoElement['requestVideoFrameCallback'];
    };
    if (!v.requestVideoFrameCallback) return;
    const onFrame: VideoFrameRequestCallback = (_now, meta) => {
      if (destroyed) return;
      frameCallback = v.requestVideoFrameCallback(onFrame);
      if (meta.rtpTimestamp === undefined) return;
      lastRtp = meta.rtpTimestamp;
      framesPresented++;
      if (!playedThisTry) {
        playedThisTry = true;
        everPlayed = true;
        failedTries = 0;
        attempt = 0;
        clearTimeout(watchTimer);
        events.onPlaying?.();
      }
    };
    frameCallback = v.requestVideoFrameCallback(onFrame);
  }

  async function connect(): Promise<void> {
    const mine = ++generation;
    const current = (): boolean => !destroyed && mine === generation;
    try {
      const joined = await signal.request({ type: 'rtc-join', sourceId });
      if (!current()) {
        signal.notify({ type: 'rtc-leave', viewerId: joined.viewerId });
        return;
      }
      viewerId = joined.viewerId;
      const id = joined.viewerId;
      const device = await Device.factory();
      // mediasoup's own objects travel as records (protocol.ts): mediasoup-client checks them.
      await device.load({
        routerRtpCapabilities: joined.routerRtpCapabilities as unknown as types.RtpCapabilities,
      });
      if (!current()) return;
      const t = device.createRecvTransport({
        id: joined.transport.id,
        iceParameters: joined.transport.iceParameters as unknown as types.IceParameters,
        iceCandidates: joined.transport.iceCandidates as unknown as types.IceCandidate[],
        dtlsParameters: joined.transport.dtlsParameters as unknown as types.DtlsParameters,
        // The server's candidates are all there is: no STUN/TURN (TURN is not done, see the README).
        iceServers: [],
      });
      transport = t;
      t.on('connect', ({ dtlsParameters }, ok, bad) => {
        signal
          .request({
            type: 'rtc-connect',
            viewerId: id,
            dtlsParameters: dtlsParameters as unknown as Record<string, unknown>,
          })
          .then(() => ok(), bad);
      });
      t.on('connectionstatechange', (state) => {
        if (!current()) return;
        clearTimeout(watchTimer);
        if (state === 'failed') lost(new RtcError('RTC_TRANSPORT_FAILED', 'the WebRTC connection failed'));
        else if (state === 'disconnected') {
          watchTimer = setTimeout(() => {
            if (current()) lost(new RtcError('RTC_TRANSPORT_FAILED', 'the WebRTC connection was lost'));
          }, DISCONNECTED_MS);
        }
      });
      const answer = await signal.request(
        {
          type: 'rtc-consume',
          viewerId: id,
          rtpCapabilities: device.recvRtpCapabilities as unknown as Record<string, unknown>,
        },
        CONSUME_TIMEOUT_MS,
      );
      if (!current()) return;
      if (answer.clock) clock = answer.clock;
      if (!answer.consumers.some((c) => c.kind === 'video')) {
        throw new RtcError('RTC_NO_VIDEO', 'the server offered no video for this source');
      }
      const tracks: MediaStreamTrack[] = [];
      for (const c of answer.consumers) {
        const consumer = await t.consume({
          id: c.id,
          producerId: c.producerId,
          kind: c.kind,
          rtpParameters: c.rtpParameters as unknown as types.RtpParameters,
        });
        tracks.push(consumer.track);
      }
      if (!current()) return;
      video.srcObject = new MediaStream(tracks);
      void video.play().catch(() => undefined);
      await signal.request({ type: 'rtc-resume', viewerId: id });
      if (!current()) return;
      watchTimer = setTimeout(() => {
        if (current() && !playedThisTry) {
          lost(
            new RtcError('RTC_NO_FRAMES', `no video arrived over WebRTC within ${FIRST_FRAME_MS / 1000} s`),
          );
        }
      }, FIRST_FRAME_MS);
    } catch (err) {
      if (current()) lost(err);
    }
  }

  function stop(): void {
    destroyed = true;
    clearTimeout(retryTimer);
    closeTransport();
    signal.close();
    const v = video as HTMLVideoElement & {
      cancelVideoFrameCallback?: HTMLVideoElement['cancelVideoFrameCallback'];
    };
    if (frameCallback) v.cancelVideoFrameCallback?.(frameCallback);
  }

  watchFrames();
  void connect();

  return {
    get viewerId() {
      return viewerId;
    },
    get clock() {
      return clock;
    },
    get framesPresented() {
      return framesPresented;
    },
    frameTime() {
      return clock === null || lastRtp === null ? null : rtpToSourceMs(clock, lastRtp);
    },
    destroy() {
      if (destroyed) return;
      stop();
      // The <video> keeps no stream of a closed transport.
      const stream = video.srcObject;
      if (stream instanceof MediaStream) for (const track of stream.getTracks()) track.stop();
      video.srcObject = null;
    },
  };
}
