// The page of the WebRTC bench: N <video> viewers of one source, over MSE or WebRTC through the
// live view's own clients (createLiveVideo, createLiveRtc with mediasoup-client, signalling over
// /api/v1/live), and on viewer 0 a requestVideoFrameCallback loop that draws each presented frame to a
// canvas, reads its stamp (bench/webrtc-stamp.ts) and records expectedDisplayTime − stamp.
// Bundled with esbuild (tsx's own dependency), served same-origin by a Playwright route so the
// session cookie reaches both sockets.
import path from 'node:path';
import { build } from 'esbuild';

// The stamp reader of webrtc-stamp.ts, in page JS: averaged 4x4 patches of the green channel.
const PAGE_JS = String.raw`
const W = 640, BITS = 32, BAR = 20, BAND = 96;
const viewers = [];
const errors = [];
const canvas = document.createElement('canvas');
canvas.width = W;
canvas.height = 2 * BAND;
const ctx = canvas.getContext('2d', { willReadFrequently: true });

function luma(d, x, y) {
  let s = 0;
  for (let dy = -2; dy < 2; dy++) for (let dx = -2; dx < 2; dx++) s += d[((y + dy) * W + x + dx) * 4 + 1];
  return s / 16;
}
function readStamp(video) {
  ctx.drawImage(video, 0, 0, W, 2 * BAND, 0, 0, W, 2 * BAND);
  const d = ctx.getImageData(0, 0, W, 2 * BAND).data;
  let v = 0;
  for (let i = 0; i < BITS; i++) {
    const x = i * BAR + BAR / 2;
    const bit = luma(d, x, BAND / 2) > 128;
    if (bit === luma(d, x, BAND + BAND / 2) > 128) return null;
    v = v * 2 + (bit ? 1 : 0);
  }
  return v;
}
function since(nowMs, stamp) {
  const d = (Math.round(nowMs) % 4294967296) - stamp;
  return d < -2147483648 ? d + 4294967296 : d;
}

function addViewer() {
  const video = document.createElement('video');
  video.muted = true;
  video.autoplay = true;
  video.playsInline = true;
  video.width = 480;
  video.height = 270;
  document.body.append(video);
  const v = { video, frames: 0, measure: false, last: -1, lat: [], inBrowser: [], unreadable: 0, handle: null };
  const onFrame = (_now, md) => {
    v.frames++;
    if (v.measure && video.videoWidth === W) {
      // Date.now() - performance.now(): the wall clock of performance time 0, read now (no drift).
      const glass = Date.now() - performance.now() + md.expectedDisplayTime;
      const stamp = readStamp(video);
      if (stamp === null) v.unreadable++;
      else if (stamp !== v.last) {
        v.last = stamp;
        v.lat.push(since(glass, stamp));
        // WebRTC frames say when their last packet arrived: the rest is jitter buffer, decode, render.
        if (md.receiveTime !== undefined) v.inBrowser.push(md.expectedDisplayTime - md.receiveTime);
      }
    }
    video.requestVideoFrameCallback(onFrame);
  };
  video.requestVideoFrameCallback(onFrame);
  viewers.push(v);
  return v;
}

// The live client's RtcChannel (live-client.svelte.ts) over a socket of our own: one per viewer,
// as N tabs would have.
function rtcChannel(ws) {
  const listeners = new Set();
  const emit = (e) => listeners.forEach((fn) => fn(e));
  ws.addEventListener('open', () => emit({ type: 'socket', open: true }));
  ws.addEventListener('close', () => emit({ type: 'socket', open: false }));
  ws.addEventListener('message', (ev) => {
    const m = JSON.parse(ev.data);
    if (typeof m.type === 'string' && m.type.startsWith('rtc-')) emit(m);
  });
  return {
    isOpen: () => ws.readyState === WebSocket.OPEN,
    send: (m) => ws.readyState === WebSocket.OPEN && (ws.send(JSON.stringify(m)), true),
    listen: (fn) => (listeners.add(fn), () => listeners.delete(fn)),
  };
}

function rtcViewer(video, sourceId) {
  const url = new URL('/api/v1/live', location.href);
  url.protocol = 'ws:';
  const ws = new WebSocket(url);
  const rtc = window.__benchLibs.createLiveRtc(video, sourceId, rtcChannel(ws), {
    onFail: (code, reason) => errors.push('webrtc: ' + code + ': ' + reason),
    onEnded: (reason) => errors.push('webrtc ended: ' + reason),
  });
  return {
    destroy() {
      rtc.destroy();
      // Let rtc-leave go out before the socket closes (the server drops the viewer either way).
      setTimeout(() => ws.close(1000), 200);
    },
  };
}

window.bench = {
  async start(mode, n, sourceId) {
    for (let i = 0; i < n; i++) {
      const v = addViewer();
      if (mode === 'mse') {
        v.handle = window.__benchLibs.createLiveVideo(v.video, sourceId, {
          onFail: (r) => errors.push('mse: ' + r),
        });
      } else {
        v.handle = rtcViewer(v.video, sourceId);
      }
    }
  },
  measure() {
    const v = viewers[0];
    v.lat = [];
    v.inBrowser = [];
    v.unreadable = 0;
    v.measure = true;
  },
  stopMeasuring() {
    viewers[0].measure = false;
  },
  read() {
    const v = viewers[0];
    return {
      latencies: v ? v.lat : [],
      inBrowser: v ? v.inBrowser : [],
      unreadable: v ? v.unreadable : 0,
      frames: viewers.map((x) => x.frames),
      errors: errors.slice(),
    };
  },
  async stop() {
    for (const v of viewers.splice(0)) {
      v.measure = false;
      await v.handle?.destroy();
      v.video.remove();
    }
  },
};
`;

/** The page's HTML: the bundled client libraries, then the bench script. */
export async function benchPageHtml(root: string): Promise<string> {
  const lib = path.join(root, 'dashboard/ui/src/lib');
  const out = await build({
    stdin: {
      contents: [
        `import { createLiveVideo } from './live-video.ts';`,
        `import { createLiveRtc } from './webrtc.ts';`,
        `window.__benchLibs = { createLiveVideo, createLiveRtc };`,
      ].join('\n'),
      resolveDir: lib,
      sourcefile: 'bench-entry.ts',
      loader: 'ts',
    },
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'chrome120',
    logLevel: 'silent',
  });
  const js = out.outputFiles[0]!.text + '\n' + PAGE_JS;
  // No "</script" can be in the bundle's strings and end the tag early.
  return `<!doctype html><meta charset="utf-8"><title>webrtc bench</title><body style="margin:0"><script>${js.replace(/<\/script/gi, '<\\/script')}</script></body>`;
}
