// Live video sockets behind the gate: a quarantined source's socket is refused, and open ones are
// closed (4403) the moment it is quarantined.
import type { WebSocket } from 'ws';
import type { VideoSockets } from '../server/video-socket.ts';
import type { QuarantineRegistry } from './registry.ts';

/** WebSocket close code: this source is quarantined (do not retry). */
export const QUARANTINED_CLOSE = 4403;

export function gateVideoSockets(inner: VideoSockets, gate: QuarantineRegistry): VideoSockets {
  const open = new Map<string, Set<WebSocket>>();
  const off = gate.onQuarantine((sourceId) => {
    for (const ws of open.get(sourceId) ?? []) ws.close(QUARANTINED_CLOSE, 'SOURCE_QUARANTINED');
    open.delete(sourceId);
  });
  return {
    get clients() {
      return inner.clients;
    },
    accept(ws, sourceId) {
      if (gate.isQuarantined(sourceId)) {
        ws.close(QUARANTINED_CLOSE, 'SOURCE_QUARANTINED');
        return;
      }
      let set = open.get(sourceId);
      if (!set) open.set(sourceId, (set = new Set()));
      set.add(ws);
      ws.on('close', () => {
        set.delete(ws);
        if (set.size === 0 && open.get(sourceId) === set) open.delete(sourceId);
      });
      inner.accept(ws, sourceId);
    },
    async close() {
      off();
      open.clear();
      await inner.close();
    },
  };
}
