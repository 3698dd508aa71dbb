// WHIP signalling: a real Chromium offer read against a real router's capabilities, the answer
// accepted by Chromium, bad offers refused with their codes, and the HTTP surface of RFC 9725.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { types } from 'mediasoup';
import type { Browser, Page } from 'playwright-core';
import sdpTransform from 'sdp-transform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DashboardError } from '../src/errors.ts';
import { ownWorkerRouters, type RouterSource } from '../src/rtc/whip/routers.ts';
import { buildWhipAnswer, parseWhipOffer } from '../src/rtc/whip/sdp.ts';
import { createWhipService } from '../src/rtc/whip/service.ts';
import type { Runtime } from '../src/runtime.ts';
import { buildServer } from '../src/server/index.ts';
import { createSourceManager } from '../src/sources/manager.ts';
import type { SourceManager } from '../src/sources/types.ts';
import { CHROMIUM } from './browser-helpers.ts';
import { TOKEN, bearer, listenLocal, openTestRuntime, testServerDeps } from './server-helpers.ts';
import { WHIP_TEST_CONFIG, createOffer, launchPublisherChromium } from './whip-helpers.ts';

const workerBin = WHIP_TEST_CONFIG.workerBin;
const missing = !existsSync(CHROMIUM)
  ? `no Chromium at ${CHROMIUM}`
  : !workerBin || !existsSync(workerBin)
    ? 'no mediasoup worker (MEDIASOUP_WORKER_BIN)'
    : null;

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    return err instanceof DashboardError ? err.code : `not coded: ${String(err)}`;
  }
  return 'no error';
};

describe.skipIf(missing !== null)(`WHIP offer/answer and endpoint (${missing ?? 'real worker'})`, () => {
  let dir: string;
  let runtime: Runtime;
  let manager: SourceManager;
  let routers: RouterSource;
  let router: types.Router;
  let app: FastifyInstance;
  let base: string;
  let browser: Browser;
  let page: Page;
  let offer: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'aima-whip-sdp-'));
    const dataDir = path.join(dir, 'data');
    runtime = await openTestRuntime(dataDir);
    manager = createSourceManager({ runtime, dataDir });
    routers = ownWorkerRouters(WHIP_TEST_CONFIG);
    router = await routers.createRouter();
    const whip = createWhipService({ config: WHIP_TEST_CONFIG, routers, manager });
    app = await buildServer({ ...testServerDeps(runtime, manager, dataDir), whip });
    base = await listenLocal(app);
    browser = await launchPublisherChromium();
    page = await browser.newPage();
    await page.goto(`${base}/healthz`);
    offer = await createOffer(page);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await routers?.close();
    await manager?.close();
    await runtime?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("reads Chromium's offer: H.264 Constrained Baseline with its rtx, SSRCs, mid and extensions; Opus", () => {
    const parsed = parseWhipOffer(offer, router.rtpCapabilities);
    const session = sdpTransform.parse(offer);
    const [audio, video] = parsed.tracks;
    expect(audio?.kind).toBe('audio');
    expect(audio?.codec).toBe('opus');
    expect(audio?.rtpParameters.codecs[0]).toMatchObject({
      mimeType: 'audio/opus',
      clockRate: 48000,
      channels: 2,
    });
    expect(video?.codec).toBe('h264');
    const [h264, rtx] = video!.rtpParameters.codecs;
    expect(h264?.mimeType).toBe('video/H264');
    expect(h264?.parameters).toMatchObject({ 'packetization-mode': 1, 'profile-level-id': '42e01f' });
    expect(rtx).toMatchObject({ mimeType: 'video/rtx', parameters: { apt: h264?.payloadType } });
    // The payload types and SSRCs are the browser's own (they are in its packets).
    const videoMedia = session.media.find((m) => m.type === 'video')!;
    const fid = videoMedia
      .ssrcGroups!.find((g) => g.semantics === 'FID')!
      .ssrcs.split(' ')
      .map(Number);
    expect(video!.rtpParameters.encodings).toEqual([{ ssrc: fid[0], rtx: { ssrc: fid[1] } }]);
    expect(video!.rtpParameters.mid).toBe(String(videoMedia.mid));
    const midExt = videoMedia.ext!.find((e) => e.uri === 'urn:ietf:params:rtp-hdrext:sdes:mid')!;
    expect(video!.rtpParameters.headerExtensions).toContainEqual({ uri: midExt.uri, id: midExt.value });
    // Only extensions mediasoup knows (the offer's video-timing, color-space, ... are left out).
    expect(video!.rtpParameters.headerExtensions!.map((h) => h.uri)).not.toContain(
      'http://www.webrtc.org/experiments/rtp-hdrext/color-space',
    );
    expect(video!.rtpParameters.rtcp?.reducedSize).toBe(true);
    expect(parsed.remoteDtls.role).toBe('client');
    expect(parsed.remoteDtls.fingerprints[0]?.algorithm).toBe('sha-256');
  });

  it('builds an ICE-lite answer that Chromium accepts', async () => {
    const parsed = parseWhipOffer(offer, router.rtpCapabilities);
    const transport = await router.createWebRtcTransport({
      listenInfos: [{ protocol: 'udp', ip: '127.0.0.1' }],
    });
    try {
      const answer = buildWhipAnswer(parsed, transport);
      const a = sdpTransform.parse(answer);
      expect(a.icelite).toBe('ice-lite');
      expect(a.fingerprint?.hash).toBe(
        transport.dtlsParameters.fingerprints.find((f) => f.algorithm === 'sha-256')?.value,
      );
      expect(a.groups?.[0]?.mids).toBe(
        sdpTransform
          .parse(offer)
          .media.map((m) => m.mid)
          .join(' '),
      );
      for (const m of a.media) {
        expect(m.direction).toBe('recvonly');
        expect(m.setup).toBe('passive');
        expect(m.iceUfrag).toBe(transport.iceParameters.usernameFragment);
        expect(m.rtcpMux).toBe('rtcp-mux');
        expect(m.candidates?.[0]).toMatchObject({ ip: '127.0.0.1', port: transport.iceCandidates[0]?.port });
      }
      const video = a.media.find((m) => m.type === 'video')!;
      expect(video.rtp.map((r) => r.codec)).toEqual(['H264', 'rtx']);
      // Chromium takes it as the answer to its offer.
      const error = await page.evaluate(async (sdp) => {
        const pc = (globalThis as unknown as { __pc: { setRemoteDescription(d: unknown): Promise<void> } })
          .__pc;
        try {
          await pc.setRemoteDescription({ type: 'answer', sdp });
          return null;
        } catch (err) {
          return String(err);
        }
      }, answer);
      expect(error).toBeNull();
    } finally {
      transport.close();
    }
  });

  it('refuses offers it cannot use, with their codes', () => {
    const caps = router.rtpCapabilities;
    expect(codeOf(() => parseWhipOffer('hello', caps))).toBe('WHIP_BAD_OFFER');
    expect(codeOf(() => parseWhipOffer(offer.replace(/a=fingerprint:[^\r\n]*\r\n/g, ''), caps))).toBe(
      'WHIP_BAD_OFFER',
    );
    expect(codeOf(() => parseWhipOffer(offer.replace(/a=mid:[^\r\n]*\r\n/g, ''), caps))).toBe(
      'WHIP_BAD_OFFER',
    );
    // Only codecs AIMA does not take: VP9 video and G.722 audio.
    const s = sdpTransform.parse(offer);
    for (const m of s.media) {
      const keep = m.type === 'video' ? 'VP9' : 'G722';
      const pts = new Set(m.rtp.filter((r) => r.codec === keep).map((r) => r.payload));
      m.rtp = m.rtp.filter((r) => pts.has(r.payload));
      m.fmtp = m.fmtp.filter((f) => pts.has(f.payload));
      m.rtcpFb = (m.rtcpFb ?? []).filter((f) => pts.has(Number(f.payload)));
      m.payloads = [...pts].join(' ');
    }
    expect(codeOf(() => parseWhipOffer(sdpTransform.write(s), caps))).toBe('WHIP_NO_CODEC');
  });

  it('answers the RFC 9725 HTTP surface with stable codes', async () => {
    const post = (url: string, headers: Record<string, string>, payload: string) =>
      app.inject({ method: 'POST', url, headers, payload });
    const sdp = { ...bearer(), 'content-type': 'application/sdp' };

    const options = await app.inject({ method: 'OPTIONS', url: '/api/v1/whip/cam' });
    expect(options.statusCode).toBe(204);
    expect(options.headers['accept-post']).toBe('application/sdp');

    const anonymous = await post('/api/v1/whip/cam', { 'content-type': 'application/sdp' }, offer);
    expect(anonymous.statusCode).toBe(401);

    const json = await post('/api/v1/whip/cam', { ...bearer(), 'content-type': 'application/json' }, '{}');
    expect(json.statusCode).toBe(415);
    expect(json.json()).toMatchObject({ code: 'WHIP_UNSUPPORTED_MEDIA' });

    const huge = await post('/api/v1/whip/cam', sdp, offer + 'a=x-pad:' + 'x'.repeat(70 * 1024) + '\r\n');
    expect(huge.statusCode).toBe(413);

    const garbage = await post('/api/v1/whip/cam', sdp, 'v=0\r\nnot really\r\n');
    expect(garbage.statusCode).toBe(400);
    expect(garbage.json()).toMatchObject({ code: 'WHIP_BAD_OFFER' });
    const badId = await post('/api/v1/whip/..%2Fetc', sdp, offer);
    expect(badId.statusCode).toBe(400);

    // A source id that is taken by another source.
    await manager.add({
      input: path.join(process.env.AIMA_MEDIA_DIR ?? '../shared/media', 'video/vtest.mp4'),
      fps: 1,
      realtime: false,
      id: 'taken',
    });
    const taken = await post('/api/v1/whip/taken', sdp, offer);
    expect(taken.statusCode).toBe(409);
    expect(taken.json()).toMatchObject({ code: 'SOURCE_EXISTS' });

    const patch = await app.inject({
      method: 'PATCH',
      url: '/api/v1/whip/cam/sessions/4f5c8d7e-0000-4000-8000-000000000000',
      headers: { ...bearer(), 'content-type': 'application/trickle-ice-sdpfrag' },
      payload: 'a=end-of-candidates\r\n',
    });
    expect(patch.statusCode).toBe(405);
    const unknown = await app.inject({
      method: 'DELETE',
      url: '/api/v1/whip/cam/sessions/4f5c8d7e-0000-4000-8000-000000000000',
      headers: bearer(),
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ code: 'WHIP_SESSION_NOT_FOUND' });
    // Refused offers leave no router behind (the one this test file made is the only one).
    expect(routers.open).toBe(1);

    // The OpenAPI document lists the endpoint.
    const doc = await app.inject({ method: 'GET', url: '/api/openapi.json', headers: bearer() });
    expect(Object.keys((doc.json() as { paths: object }).paths)).toContain('/api/v1/whip/{sourceId}');
  });

  it("answers 503 RTC_DISABLED without WebRTC, and works on the server's own RTC service", async () => {
    const off = await buildServer({ ...testServerDeps(runtime, manager, path.join(dir, 'data')) });
    try {
      const res = await off.inject({
        method: 'POST',
        url: '/api/v1/whip/cam',
        headers: { ...bearer(TOKEN), 'content-type': 'application/sdp' },
        payload: offer,
      });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ code: 'RTC_DISABLED' });
    } finally {
      await off.close();
    }
    // Given WebRTC settings, the server makes its RTC service and WHIP on its worker.
    const on = await buildServer({
      ...testServerDeps(runtime, manager, path.join(dir, 'data')),
      rtc: WHIP_TEST_CONFIG,
    });
    try {
      const res = await on.inject({
        method: 'POST',
        url: '/api/v1/whip/cam',
        headers: { ...bearer(TOKEN), 'content-type': 'application/sdp' },
        payload: offer.replace(/a=fingerprint:[^\r\n]*\r\n/g, ''),
      });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ code: 'WHIP_BAD_OFFER' });
      const status = await on.inject({ method: 'GET', url: '/api/v1/rtc', headers: bearer(TOKEN) });
      expect(status.json()).toMatchObject({ available: true, routers: 0 });
    } finally {
      await on.close();
    }
  });
});
