// The live view's mode choice and labels, the RTP → source clock mapping, the WHIP codec order,
// and the signalling's request/reply matching (issue 12). Pure parts: no DOM, no browser.
import { describe, expect, it } from 'vitest';
import type { RtcStatusView } from '../../src/protocol.ts';
import type { RtcChannel, RtcChannelEvent, RtcClientMessage } from '../src/lib/live-client.svelte.ts';
import { chooseMode, fallback, modeLabel } from '../src/lib/live-mode.ts';
import { createRtcSignal, RtcError, rtpToSourceMs, type RtcEvent } from '../src/lib/rtc-signal.ts';
import { preferH264 } from '../src/lib/whip.ts';

const status = (over: Partial<RtcStatusView> = {}): RtcStatusView => ({
  available: true,
  code: null,
  reason: null,
  routers: 0,
  viewers: 0,
  producers: 0,
  maxViewersPerSource: 16,
  maxRouters: 64,
  ...over,
});
const both = { webrtc: true, mse: true };

describe('live mode choice', () => {
  it('auto takes WebRTC when the server and the browser have it, else says why not', () => {
    expect(chooseMode('auto', { ...both, rtc: status() })).toEqual({
      mode: 'webrtc',
      why: 'automatic: lowest latency',
    });
    const off = status({
      available: false,
      code: 'RTC_DISABLED',
      reason: 'WebRTC is not enabled on this server',
    });
    expect(chooseMode('auto', { ...both, rtc: off })).toEqual({
      mode: 'mse',
      why: 'WebRTC unavailable: WebRTC is not enabled on this server',
    });
    expect(chooseMode('auto', { ...both, rtc: null, rtcError: 'HTTP_404: Not Found' }).why).toBe(
      'WebRTC unavailable: HTTP_404: Not Found',
    );
    expect(chooseMode('auto', { webrtc: false, mse: true, rtc: null })).toEqual({
      mode: 'mse',
      why: 'WebRTC unavailable: this browser has no WebRTC',
    });
    expect(chooseMode('auto', { webrtc: false, mse: false, rtc: null }).mode).toBe('frames');
  });

  it('a forced mode is taken as chosen; failures step down WebRTC → MSE → frames', () => {
    expect(chooseMode('webrtc', { ...both, rtc: null })).toEqual({ mode: 'webrtc', why: 'chosen' });
    expect(chooseMode('mse', { ...both, rtc: null })).toEqual({ mode: 'mse', why: 'chosen' });
    expect(chooseMode('mse', { webrtc: true, mse: false, rtc: null })).toEqual({
      mode: 'frames',
      why: 'MSE unavailable: this browser has no MSE',
    });
    expect(chooseMode('frames', { ...both, rtc: status() })).toEqual({ mode: 'frames', why: 'chosen' });
    expect(fallback('webrtc', 'failed', 'RTC_VIEWER_LIMIT: at most 16 viewers', { mse: true })).toEqual({
      mode: 'mse',
      why: 'WebRTC failed: RTC_VIEWER_LIMIT: at most 16 viewers',
    });
    expect(fallback('webrtc', 'failed', 'x', { mse: false }).mode).toBe('frames');
    expect(fallback('mse', 'failed', 'the live video keeps failing', { mse: true })).toEqual({
      mode: 'frames',
      why: 'MSE failed: the live video keeps failing',
    });
  });

  it('labels say the mode, how far behind the picture is, and why', () => {
    expect(modeLabel({ mode: 'webrtc', why: 'automatic: lowest latency' }, 42.4)).toBe(
      'WebRTC · 42 ms — automatic: lowest latency',
    );
    expect(modeLabel({ mode: 'mse', why: 'WebRTC unavailable: off' }, 1430)).toBe(
      'MSE · 1.4 s — WebRTC unavailable: off',
    );
    expect(modeLabel({ mode: 'frames', why: 'chosen' }, null)).toBe('Frames — chosen');
    expect(modeLabel({ mode: 'webrtc', why: 'chosen' }, -3)).toBe('WebRTC · 0 ms — chosen');
  });
});

describe('RTP timestamps to the source clock', () => {
  it('maps 90 kHz ticks from the anchor, across the 32-bit wrap', () => {
    const clock = { rtpTimestamp: 900_000, wallMs: 1_700_000_000_000 };
    expect(rtpToSourceMs(clock, 900_000)).toBe(clock.wallMs);
    expect(rtpToSourceMs(clock, 900_000 + 9000)).toBe(clock.wallMs + 100);
    expect(rtpToSourceMs(clock, 900_000 - 4500)).toBe(clock.wallMs - 50);
    const nearWrap = { rtpTimestamp: 2 ** 32 - 900, wallMs: 5000 };
    // 900 ticks to the wrap + 8100 after it = 9000 ticks = 100 ms later.
    expect(rtpToSourceMs(nearWrap, 8100)).toBe(5100);
    const afterWrap = { rtpTimestamp: 450, wallMs: 5000 };
    expect(rtpToSourceMs(afterWrap, 2 ** 32 - 450)).toBe(4990);
  });
});

describe('WHIP codec order', () => {
  it('puts H.264 packetization-mode 1 (baseline first) before VP8 and the rest, keeping their order', () => {
    const codecs = [
      { mimeType: 'video/VP8' },
      { mimeType: 'video/rtx', sdpFmtpLine: 'apt=96' },
      {
        mimeType: 'video/H264',
        sdpFmtpLine: 'level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f',
      },
      {
        mimeType: 'video/H264',
        sdpFmtpLine: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d001f',
      },
      {
        mimeType: 'video/H264',
        sdpFmtpLine: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
      },
      { mimeType: 'video/VP9', sdpFmtpLine: 'profile-id=0' },
    ];
    expect(preferH264(codecs).map((c) => `${c.mimeType} ${c.sdpFmtpLine ?? ''}`.trim())).toEqual([
      'video/H264 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
      'video/H264 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d001f',
      'video/H264 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f',
      'video/VP8',
      'video/rtx apt=96',
      'video/VP9 profile-id=0',
    ]);
  });
});

/** The live socket's rtc channel as the server side of it sees it: what was sent, and a way to answer. */
function loopChannel(): RtcChannel & {
  sent: RtcClientMessage[];
  emit(e: RtcChannelEvent): void;
  up: boolean;
} {
  const listeners = new Set<(e: RtcChannelEvent) => void>();
  const ch = {
    sent: [] as RtcClientMessage[],
    up: false,
    isOpen: () => ch.up,
    send(msg: RtcClientMessage) {
      if (!ch.up) return false;
      ch.sent.push(msg);
      return true;
    },
    listen(fn: (e: RtcChannelEvent) => void) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    emit(e: RtcChannelEvent) {
      if (e.type === 'socket') ch.up = e.open;
      for (const fn of listeners) fn(e);
    },
  };
  return ch;
}

describe('rtc signalling', () => {
  it('waits for the socket, matches replies by req and hands events on', async () => {
    const ch = loopChannel();
    const events: RtcEvent[] = [];
    const signal = createRtcSignal(ch, (e) => events.push(e));
    const joined = signal.request({ type: 'rtc-join', sourceId: 'cam' });
    expect(ch.sent).toEqual([]);
    ch.emit({ type: 'socket', open: true });
    expect(ch.sent).toHaveLength(1);
    const req = ch.sent[0]!.req;
    // An event and an unrelated reply in between change nothing for the request.
    ch.emit({ type: 'rtc-clock', sourceId: 'cam', clock: { rtpTimestamp: 1, wallMs: 2 } });
    ch.emit({ type: 'rtc-ok', req: req + 1000, viewerId: 'v' });
    ch.emit({
      type: 'rtc-joined',
      req,
      sourceId: 'cam',
      viewerId: 'v1',
      routerRtpCapabilities: {},
      transport: { id: 't', iceParameters: {}, iceCandidates: [], dtlsParameters: {} },
    });
    expect((await joined).viewerId).toBe('v1');
    expect(events.map((e) => e.type)).toEqual(['socket', 'rtc-clock']);

    const consume = signal.request({ type: 'rtc-consume', viewerId: 'v1', rtpCapabilities: {} });
    const r2 = ch.sent[1]!.req;
    ch.emit({
      type: 'rtc-error',
      req: r2,
      sourceId: 'cam',
      viewerId: 'v1',
      code: 'RTC_NO_VIDEO',
      message: 'no video',
    });
    await expect(consume).rejects.toMatchObject({ code: 'RTC_NO_VIDEO', message: 'no video' });

    // A request sent before the socket closed is lost with it.
    const resume = signal.request({ type: 'rtc-resume', viewerId: 'v1' });
    ch.emit({ type: 'socket', open: false });
    await expect(resume).rejects.toMatchObject({ code: 'RTC_SIGNAL_LOST' });

    const late = signal.request({ type: 'rtc-leave', viewerId: 'v1' }, 30);
    await expect(late).rejects.toMatchObject({ code: 'RTC_TIMEOUT' });
    const pendingAtClose = signal.request({ type: 'rtc-leave', viewerId: 'v1' });
    signal.close();
    await expect(pendingAtClose).rejects.toBeInstanceOf(RtcError);
    await expect(signal.request({ type: 'rtc-leave', viewerId: 'v1' })).rejects.toMatchObject({
      code: 'RTC_CLOSED',
    });
  });
});
