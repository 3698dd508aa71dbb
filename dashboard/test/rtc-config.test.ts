// WebRTC settings from the environment, the worker lookup (and the service without a worker), the
// codec choice and the feed's ffmpeg arguments with and without RTP (pure).
import { describe, expect, it } from 'vitest';
import { parseSource } from '@aima/ingest';
import { browserCanDecode, profileLevelId } from '../src/rtc/codecs.ts';
import { DEFAULT_RTC_CONFIG, resolveWorkerBin, rtcConfigFromEnv } from '../src/rtc/config.ts';
import { createRtcService } from '../src/rtc/service.ts';
import type { RtcSignalPeer } from '../src/rtc/types.ts';
import { feedArgs, type FeedRtp } from '../src/video/args.ts';
import { refusals } from '../../test-support/loopback-only.ts';

describe('rtcConfigFromEnv', () => {
  it('has defaults', () => {
    expect(rtcConfigFromEnv({})).toEqual(DEFAULT_RTC_CONFIG);
    expect(Object.isFrozen(rtcConfigFromEnv({}))).toBe(true);
  });

  // These settings are parsed only: no worker is started with them and nothing binds or connects
  // (the addresses outside loopback are documentation values; the network guard would refuse them).
  it('reads every variable; an announced IP binds everywhere', () => {
    const c = rtcConfigFromEnv({
      AIMA_WEBRTC: '1',
      MEDIASOUP_WORKER_BIN: '/opt/w',
      AIMA_WEBRTC_ANNOUNCED_IP: '203.0.113.7',
      AIMA_RTC_MIN_PORT: '50000',
      AIMA_RTC_MAX_PORT: '50100',
      AIMA_RTC_MAX_VIEWERS: '4',
      AIMA_RTC_MAX_ROUTERS: '8',
      AIMA_RTC_TCP: '0',
    });
    expect(c).toEqual({
      enabled: true,
      workerBin: '/opt/w',
      listenIp: '0.0.0.0',
      announcedIp: '203.0.113.7',
      minPort: 50000,
      maxPort: 50100,
      maxViewersPerSource: 4,
      maxRouters: 8,
      tcp: false,
    });
    // AIMA_ wins over mediasoup's own variable; an explicit listen address wins over the default.
    expect(
      rtcConfigFromEnv({
        AIMA_MEDIASOUP_WORKER_BIN: '/a',
        MEDIASOUP_WORKER_BIN: '/b',
        AIMA_WEBRTC_ANNOUNCED_IP: 'rtc.example',
        AIMA_RTC_LISTEN_IP: '10.0.0.2',
      }),
    ).toMatchObject({ workerBin: '/a', listenIp: '10.0.0.2', announcedIp: 'rtc.example' });
    expect(rtcConfigFromEnv({ AIMA_WEBRTC: '0', AIMA_RTC_MIN_PORT: '' })).toMatchObject({
      enabled: false,
      minPort: 40000,
    });
    expect(refusals).toEqual([]);
  });

  it('names the bad key', () => {
    expect(() => rtcConfigFromEnv({ AIMA_RTC_MIN_PORT: 'x' })).toThrow(/AIMA_RTC_MIN_PORT/);
    expect(() => rtcConfigFromEnv({ AIMA_RTC_MAX_PORT: '80' })).toThrow(/AIMA_RTC_MAX_PORT/);
    expect(() => rtcConfigFromEnv({ AIMA_RTC_MIN_PORT: '41000', AIMA_RTC_MAX_PORT: '40000' })).toThrow(
      /AIMA_RTC_MIN_PORT/,
    );
    expect(() => rtcConfigFromEnv({ AIMA_WEBRTC: 'maybe' })).toThrow(/AIMA_WEBRTC/);
    expect(() => rtcConfigFromEnv({ AIMA_RTC_LISTEN_IP: 'localhost' })).toThrow(/AIMA_RTC_LISTEN_IP/);
    expect(() => rtcConfigFromEnv({ AIMA_RTC_LISTEN_IP: '0.0.0.0' })).toThrow(/AIMA_WEBRTC_ANNOUNCED_IP/);
  });
});

describe('the worker binary', () => {
  it('is found where configured (the shared one in tests)', () => {
    const bin = resolveWorkerBin({
      ...DEFAULT_RTC_CONFIG,
      workerBin: process.env.MEDIASOUP_WORKER_BIN ?? null,
    });
    expect(bin.ok).toBe(true);
  });

  it('missing or disabled: a code and a reason that says how to get it', () => {
    expect(resolveWorkerBin({ ...DEFAULT_RTC_CONFIG, workerBin: '/nonexistent/mediasoup-worker' })).toEqual({
      ok: false,
      code: 'RTC_WORKER_MISSING',
      reason: expect.stringMatching(/\/nonexistent\/mediasoup-worker.*npm run setup:webrtc/),
    });
    expect(resolveWorkerBin({ ...DEFAULT_RTC_CONFIG, enabled: false })).toMatchObject({
      ok: false,
      code: 'RTC_DISABLED',
    });
  });

  it('a service without a worker says why, feeds get no RTP, joins are refused', async () => {
    const rtc = createRtcService({
      config: { ...DEFAULT_RTC_CONFIG, workerBin: '/nonexistent/mediasoup-worker' },
    });
    rtc.attach({ watch: () => () => undefined });
    expect(rtc.status()).toMatchObject({
      available: false,
      code: 'RTC_WORKER_MISSING',
      reason: expect.stringContaining('setup:webrtc'),
      routers: 0,
    });
    expect(await rtc.openOutputs('s', { h264Profile: 'Main', copy: true, audio: false })).toBeNull();
    const got: unknown[] = [];
    const peer: RtcSignalPeer = { send: (m) => got.push(m) };
    await rtc.handle(peer, { type: 'rtc-join', req: 7, sourceId: 's' });
    expect(got).toEqual([
      {
        type: 'rtc-error',
        req: 7,
        sourceId: 's',
        viewerId: null,
        code: 'RTC_WORKER_MISSING',
        message: expect.any(String),
      },
    ]);
    await expect(rtc.createRouter()).rejects.toMatchObject({ code: 'RTC_WORKER_MISSING' });
    await rtc.close();
  });
});

describe('codecs', () => {
  it('copies H.264 browsers decode (Constrained Baseline, Main), not High', () => {
    expect(browserCanDecode('Constrained Baseline')).toBe(true);
    expect(browserCanDecode('Main')).toBe(true);
    expect(browserCanDecode('High')).toBe(false);
    expect(browserCanDecode(null)).toBe(false);
    expect(profileLevelId('Main', true)).toBe('4d001f');
    expect(profileLevelId('Main', false)).toBe('42e01f');
    expect(profileLevelId('Constrained Baseline', true)).toBe('42e01f');
  });
});

describe('feedArgs', () => {
  const live = { input: parseSource('rtmp://127.0.0.1:1935/live/x'), realtime: false, epochMs: 0 };
  const rtp = (transcodeVideo: boolean, audio: boolean): FeedRtp => ({
    video: { port: 40002, rtcpPort: 40003, payloadType: 102, ssrc: 1234 },
    audio: audio ? { port: 40004, rtcpPort: 40005, payloadType: 101, ssrc: 5678 } : null,
    transcodeVideo,
  });
  const head = [
    ...['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error'],
    ...['-fflags', '+genpts+discardcorrupt', '-i', 'rtmp://127.0.0.1:1935/live/x'],
  ];
  const mp4 = [
    '-f',
    'mp4',
    '-movflags',
    'frag_keyframe+empty_moov+default_base_moof',
    '-frag_duration',
    '200000',
    'pipe:1',
  ];

  it('without RTP: the fMP4 output alone, as before', () => {
    expect(feedArgs(live, { copy: true })).toEqual([
      ...head,
      ...['-map', '0:v:0', '-an', '-sn', '-dn', '-c:v', 'copy'],
      ...mp4,
    ]);
  });

  it('copy + copy: the fMP4 output and plain RTP outputs, copied (Annex B, SPS/PPS at keyframes), Opus', () => {
    const args = feedArgs(live, { copy: true, rtp: rtp(false, true) });
    expect(args.slice(0, head.length)).toEqual(head);
    // Not a tee: its RTP slave would cut Annex B packets by the input's avcC lengths.
    expect(args).not.toContain('tee');
    expect(args.slice(head.length).join(' ')).toBe(
      [
        ...['-map', '0:v:0', '-an', '-sn', '-dn', '-c:v', 'copy', '-tag:v', 'avc1', ...mp4],
        ...['-map', '0:v:0', '-an', '-sn', '-dn', '-c:v', 'copy'],
        ...['-bsf:v', 'h264_mp4toannexb,dump_extra=freq=keyframe'],
        ...['-f', 'rtp', '-payload_type', '102', '-ssrc', '1234'],
        'rtp://127.0.0.1:40002?rtcpport=40003&pkt_size=1200',
        ...[
          '-map',
          '0:a:0?',
          '-vn',
          '-sn',
          '-dn',
          '-c:a',
          'libopus',
          '-ar',
          '48000',
          '-ac',
          '2',
          '-b:a',
          '64k',
        ],
        ...['-f', 'rtp', '-payload_type', '101', '-ssrc', '5678'],
        'rtp://127.0.0.1:40004?rtcpport=40005&pkt_size=1200',
      ].join(' '),
    );
    expect(args).not.toContain('libx264');
  });

  it('encode: one baseline encode with 1 s keyframes and global headers, teed', () => {
    const args = feedArgs(live, { copy: false, rtp: rtp(false, false) }).join(' ');
    expect(args.match(/libx264/g)).toHaveLength(1);
    expect(args).toContain('-profile:v baseline -force_key_frames expr:gte(t,n_forced*1)');
    expect(args).toContain('-flags +global_header -f tee');
    expect(args).toContain('-an');
    expect(args).not.toContain('select=a');
    expect(args).not.toContain('h264_mp4toannexb');
  });

  it('copy for MSE but High profile: the fMP4 output copies, a second output encodes for RTP', () => {
    const args = feedArgs(live, { copy: true, rtp: rtp(true, true) });
    const text = args.join(' ');
    expect(text).toContain(['-map', '0:v:0', '-an', '-sn', '-dn', '-c:v', 'copy', ...mp4].join(' '));
    expect(text.match(/libx264/g)).toHaveLength(1);
    const tee = args[args.indexOf('tee') + 1]!.split('|');
    expect(tee).toHaveLength(2);
    expect(tee[0]).toMatch(/^\[select=v:f=rtp:onfail=ignore:.*bsfs\/v=dump_extra=freq=keyframe\]rtp:/);
  });
});
