// The live WebSocket (/api/v1/live): a hello with every source, source changes to everyone, and
// frames/windows/tracks of the sources a client subscribed to.
//
// Overflow policy, per client (the socket's own send buffer is the only queue):
//  - `frame` messages (a JPEG each, tens of KiB) are skipped while the client's bufferedAmount is
//    above FRAME_SKIP_BYTES. Skips are counted per source; the next frame sent for that source
//    carries the count in `skipped`, and aima_ws_frames_skipped_total grows. A slow client sees a
//    lower frame rate; the server's memory does not grow.
//  - every other message is small and always queued, so a client's picture of sources, windows and
//    tracks stays complete. If bufferedAmount still climbs past CLOSE_BYTES the client is not
//    reading at all and is closed with 1013 (try again later).
import type { WebSocket, RawData } from 'ws';
import { closeSockets } from './ws-close.ts';
import { ClientMessage, type ServerMessage } from '../protocol.ts';
import type { SourceLiveMessage, SourceManager } from '../sources/types.ts';
import type { ServerMetrics } from './metrics.ts';
import type { RtcService, RtcSignalPeer } from '../rtc/types.ts';

export const FRAME_SKIP_BYTES = 256 * 1024;
export const CLOSE_BYTES = 4 * 1024 * 1024;
/** Subscriptions one client may hold; a dashboard shows a handful of sources at once. */
export const MAX_SUBSCRIPTIONS = 64;
/** A client that does not answer a ping within this long is dropped (half-open TCP connections). */
const HEARTBEAT_MS = 30_000;

export interface LiveHub {
  /** Serves one upgraded connection until it closes. */
  accept(socket: WebSocket): void;
  readonly clients: number;
  /** Closes every connection with 1001 (terminating those that do not finish in a second). */
  close(): Promise<void>;
}

/** `rtc`: the WebRTC signalling (rtc-* messages); null: they are answered with RTC_DISABLED. */
export function createLiveHub(
  manager: SourceManager,
  metrics: ServerMetrics,
  rtc: RtcService | null = null,
): LiveHub {
  const sockets = new Set<WebSocket>();
  const alive = new WeakSet<WebSocket>();
  // One serialisation of a frame for every client that gets it unchanged (the JPEG is the bulk).
  const json = new WeakMap<object, string>();
  const serialize = (m: ServerMessage): string => {
    let s = json.get(m);
    if (s === undefined) json.set(m, (s = JSON.stringify(m)));
    return s;
  };

  const heartbeat = setInterval(() => {
    for (const ws of sockets) {
      if (!alive.has(ws)) {
        ws.terminate();
        continue;
      }
      alive.delete(ws);
      ws.ping();
    }
  }, HEARTBEAT_MS);
  heartbeat.unref();

  function accept(ws: WebSocket): void {
    sockets.add(ws);
    alive.add(ws);
    metrics.wsClients.inc();
    const subs = new Map<string, () => void>();
    const skipped = new Map<string, number>();
    // Messages produced before the hello went out wait here (hello must come first).
    let backlog: string[] | null = [];

    const write = (data: string): void => {
      if (ws.readyState !== ws.OPEN) return;
      if (backlog) {
        backlog.push(data);
        if (backlog.length > 1000) ws.close(1013, 'too many pending messages');
        return;
      }
      if (ws.bufferedAmount > CLOSE_BYTES) {
        ws.close(1013, 'client is not reading');
        return;
      }
      ws.send(data);
    };
    const send = (m: ServerMessage): void => write(serialize(m));
    const sendError = (code: string, message: string): void => send({ type: 'error', code, message });
    // This connection as the WebRTC service sees it; its viewers go when the socket closes.
    const peer: RtcSignalPeer = { send: (m) => send(m as ServerMessage) };

    const onLive = (m: SourceLiveMessage): void => {
      if (m.type !== 'frame') return send(m);
      if (ws.readyState !== ws.OPEN) return;
      if (backlog || ws.bufferedAmount > FRAME_SKIP_BYTES) {
        skipped.set(m.sourceId, (skipped.get(m.sourceId) ?? 0) + 1);
        metrics.wsFramesSkipped.inc();
        return;
      }
      const n = skipped.get(m.sourceId) ?? 0;
      if (n === 0) return write(serialize(m));
      skipped.delete(m.sourceId);
      write(JSON.stringify({ ...m, skipped: m.skipped + n }));
    };

    const offChange = manager.onChange((sourceId, view) =>
      send(view ? { type: 'source', source: view } : { type: 'source-removed', sourceId }),
    );

    async function subscribe(sourceId: string): Promise<void> {
      if (subs.has(sourceId)) return;
      if (subs.size >= MAX_SUBSCRIPTIONS) {
        return sendError('API_BAD_REQUEST', `at most ${MAX_SUBSCRIPTIONS} subscriptions per connection`);
      }
      if ((await manager.get(sourceId)) === null) {
        return sendError('SOURCE_NOT_FOUND', `source ${JSON.stringify(sourceId)} not found`);
      }
      // The connection may have closed, or the same subscribe raced us, while we looked it up.
      if (ws.readyState !== ws.OPEN || subs.has(sourceId)) return;
      subs.set(sourceId, manager.subscribe(sourceId, onLive));
    }

    async function onMessage(data: RawData, isBinary: boolean): Promise<void> {
      let parsed: unknown;
      try {
        parsed = isBinary ? undefined : JSON.parse(rawText(data));
      } catch {
        return sendError('API_BAD_REQUEST', 'message is not valid JSON');
      }
      const r = ClientMessage.safeParse(parsed);
      if (!r.success) {
        const issue = r.error.issues[0];
        const where = ['message', ...(issue?.path ?? [])].join('.');
        return sendError('API_BAD_REQUEST', `${where}: ${issue?.message ?? 'invalid'}`);
      }
      const msg = r.data;
      switch (msg.type) {
        case 'subscribe':
          return subscribe(msg.sourceId);
        case 'unsubscribe':
          subs.get(msg.sourceId)?.();
          subs.delete(msg.sourceId);
          skipped.delete(msg.sourceId);
          return;
        case 'ping':
          return send({ type: 'pong', t: msg.t, serverTime: Date.now() });
        default:
          if (rtc) return rtc.handle(peer, msg);
          return send({
            type: 'rtc-error',
            req: msg.req,
            sourceId: msg.type === 'rtc-join' ? msg.sourceId : null,
            viewerId: msg.type === 'rtc-join' ? null : msg.viewerId,
            code: 'RTC_DISABLED',
            message: 'WebRTC is not enabled on this server',
          });
      }
    }

    ws.on('message', (data, isBinary) => {
      onMessage(data, isBinary).catch((err: unknown) => {
        const e = err as { code?: unknown; message?: unknown };
        const coded = typeof e.code === 'string' && typeof e.message === 'string';
        sendError(coded ? (e.code as string) : 'INTERNAL', coded ? (e.message as string) : 'internal error');
      });
    });
    ws.on('pong', () => alive.add(ws));
    ws.on('close', () => {
      sockets.delete(ws);
      metrics.wsClients.dec();
      offChange();
      for (const off of subs.values()) off();
      subs.clear();
      rtc?.disconnect(peer);
      backlog = null;
    });

    manager.list().then(
      (sources) => {
        if (ws.readyState !== ws.OPEN || !backlog) return;
        const pending = backlog;
        backlog = null;
        send({ type: 'hello', serverTime: Date.now(), sources });
        for (const data of pending) write(data);
      },
      () => ws.close(1011, 'could not list sources'),
    );
  }

  return {
    accept,
    get clients() {
      return sockets.size;
    },
    async close() {
      clearInterval(heartbeat);
      await closeSockets(sockets);
    },
  };
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  return Buffer.from(data).toString('utf8');
}
