// The live video WebSocket (/api/v1/sources/:id/video): one JSON `video-init`, then binary fMP4
// (init segment, the current GOP, live fragments) from the source's shared feed.
//
// Overflow policy, per client: video cannot skip a fragment mid-GOP (every later frame until the
// next keyframe depends on it), and the server must not queue for a slow reader. So when a
// client's bufferedAmount exceeds CLOSE_BYTES (2 MiB, several seconds of video) it is closed with
// 1013 (try again later); the client reconnects and starts again from the next GOP. Server memory
// per client is bounded by that threshold plus one fragment.
import { Gauge, type Registry } from 'prom-client';
import type { WebSocket } from 'ws';
import { closeSockets } from './ws-close.ts';
import type { VideoInitMessage } from '../protocol.ts';
import type { FeedEnd } from '../video/feed.ts';
import type { VideoHub } from '../video/hub.ts';

export const VIDEO_CLOSE_BYTES = 2 * 1024 * 1024;
/** Close codes: 4404 = this source has no live video (the client should not retry). */
const END_CODES: Readonly<Record<FeedEnd, number>> = {
  unavailable: 4404,
  ended: 1000,
  failed: 1011,
  closed: 1001,
};

export interface VideoSockets {
  accept(ws: WebSocket, sourceId: string): void;
  readonly clients: number;
  /** Closes every video socket with 1001, then stops the feeds. */
  close(): Promise<void>;
}

export function createVideoSockets(hub: VideoHub, registry: Registry): VideoSockets {
  const sockets = new Set<WebSocket>();
  new Gauge({
    name: 'aima_video_clients',
    help: 'Open live video WebSocket connections',
    registers: [registry],
    collect() {
      this.set(sockets.size);
    },
  });
  new Gauge({
    name: 'aima_video_feeds',
    help: 'Live video feeds (ffmpeg processes) running',
    registers: [registry],
    collect() {
      this.set(hub.feeds);
    },
  });

  function accept(ws: WebSocket, sourceId: string): void {
    sockets.add(ws);
    const send = (data: string | Buffer): void => {
      if (ws.readyState !== ws.OPEN) return;
      if (ws.bufferedAmount > VIDEO_CLOSE_BYTES) {
        // The 'close' event that follows stops the watch.
        ws.close(1013, 'client is not keeping up; reconnect');
        return;
      }
      ws.send(data);
    };
    const stop = hub.watch(sourceId, {
      start(info, gop) {
        const msg: VideoInitMessage = {
          type: 'video-init',
          sourceId,
          mime: info.mime,
          epochMs: info.epochMs,
        };
        send(JSON.stringify(msg));
        send(info.init);
        for (const f of gop) send(f);
      },
      fragment: (data) => send(data),
      end(reason, message) {
        if (ws.readyState === ws.OPEN) ws.close(END_CODES[reason], message.slice(0, 120));
      },
    });
    // Clients send nothing; the maxPayload of the server bounds what they could.
    ws.on('close', () => {
      sockets.delete(ws);
      stop();
    });
  }

  return {
    accept,
    get clients() {
      return sockets.size;
    },
    async close() {
      await closeSockets(sockets);
      await hub.close();
    },
  };
}
