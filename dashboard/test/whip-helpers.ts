// Shared by the WHIP tests: Chromium with its fake camera, and an in-page WHIP client written with a
// plain RTCPeerConnection (the page code runs in the browser: self-contained, typed structurally).
import type { Page } from 'playwright-core';
import { launchRtcChromium, rtcTestConfig } from './rtc-ui-helpers.ts';

/** The worker vitest.config.ts points at, on a port range of the WHIP tests' own. */
export const WHIP_TEST_CONFIG = rtcTestConfig(42000);

/** Chromium with its fake camera and plain host candidates (see launchRtcChromium). */
export const launchPublisherChromium = (): ReturnType<typeof launchRtcChromium> =>
  launchRtcChromium({ camera: true });

/**
 * Creates a complete (non-trickle) offer of the fake camera (+ microphone) in `page`, kept as
 * window.__pc; `videoCodec` limits the video codecs offered (setCodecPreferences, with rtx).
 */
export async function createOffer(
  page: Page,
  opts: { audio?: boolean; videoCodec?: string } = {},
): Promise<string> {
  return page.evaluate(
    async ({ withAudio, videoCodec }) => {
      type Codec = { mimeType: string };
      type PC = {
        addTransceiver(t: unknown, o: unknown): { setCodecPreferences(c: Codec[]): void };
        createOffer(): Promise<unknown>;
        setLocalDescription(d: unknown): Promise<void>;
        iceGatheringState: string;
        onicegatheringstatechange: (() => void) | null;
        localDescription: { sdp: string };
      };
      const w = globalThis as unknown as {
        navigator: { mediaDevices: { getUserMedia(c: unknown): Promise<{ getTracks(): unknown[] }> } };
        RTCPeerConnection: new (c: unknown) => PC;
        RTCRtpSender: { getCapabilities(kind: string): { codecs: Codec[] } };
        __pc?: PC;
      };
      const stream = await w.navigator.mediaDevices.getUserMedia({
        video: { width: 640, height: 480 },
        audio: withAudio,
      });
      // No ICE servers: host candidates only.
      const pc = new w.RTCPeerConnection({ iceServers: [] });
      for (const t of stream.getTracks() as { kind: string }[]) {
        const tr = pc.addTransceiver(t, { direction: 'sendonly' });
        if (t.kind === 'video' && videoCodec) {
          const want = `video/${videoCodec}`.toLowerCase();
          const codecs = w.RTCRtpSender.getCapabilities('video').codecs;
          tr.setCodecPreferences(
            codecs.filter((c) => [want, 'video/rtx'].includes(c.mimeType.toLowerCase())),
          );
        }
      }
      await pc.setLocalDescription(await pc.createOffer());
      await new Promise<void>((resolve) => {
        if (pc.iceGatheringState === 'complete') resolve();
        pc.onicegatheringstatechange = () => {
          if (pc.iceGatheringState === 'complete') resolve();
        };
        setTimeout(resolve, 5000);
      });
      w.__pc = pc;
      return pc.localDescription.sdp;
    },
    { withAudio: opts.audio ?? true, videoCodec: opts.videoCodec ?? null },
  );
}

/** POSTs the page's offer (window.__pc) to the WHIP endpoint and applies the answer. */
export async function publish(
  page: Page,
  url: string,
  token: string,
  offer: string,
): Promise<{ status: number; location: string | null; contentType: string | null; answer: string }> {
  return page.evaluate(
    async ({ url, token, offer }) => {
      const w = globalThis as unknown as {
        fetch(
          u: string,
          i: unknown,
        ): Promise<{ status: number; headers: { get(n: string): string | null }; text(): Promise<string> }>;
        __pc: { setRemoteDescription(d: unknown): Promise<void> };
      };
      const res = await w.fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/sdp', authorization: `Bearer ${token}` },
        body: offer,
      });
      const answer = await res.text();
      if (res.status === 201) await w.__pc.setRemoteDescription({ type: 'answer', sdp: answer });
      return {
        status: res.status,
        location: res.headers.get('location'),
        contentType: res.headers.get('content-type'),
        answer,
      };
    },
    { url, token, offer },
  );
}

/** The page's peer connection state (connected once ICE and DTLS are up). */
export function connectionState(page: Page): Promise<string> {
  return page.evaluate(
    () => (globalThis as unknown as { __pc: { connectionState: string } }).__pc.connectionState,
  );
}
