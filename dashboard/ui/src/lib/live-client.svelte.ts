// The one WebSocket to /api/v1/live: keeps the reactive list of sources (hello / source /
// source-removed), fans frame/window/track/analyzer messages out to per-source listeners, and reconnects
// with capped, jittered exponential backoff. Every message is validated; invalid ones are counted
// and ignored.
import { SvelteMap } from 'svelte/reactivity';
import { ServerMessage, type ClientMessage, type SourceView } from '../../../src/protocol.ts';
import { API, auth } from './api.ts';
import { backoffDelay } from './backoff.ts';

export type LiveMessage = Extract<
  ServerMessage,
  { type: 'frame' | 'window' | 'track' | 'analyzer' | 'analyzer-error' }
>;
export type LiveListener = (msg: LiveMessage) => void;

/** WebRTC signalling (issue 12) rides on this socket: see webrtc.ts. */
export type RtcServerMessage = Extract<ServerMessage, { type: `rtc-${string}` }>;
export type RtcClientMessage = Extract<ClientMessage, { type: `rtc-${string}` }>;
/** An rtc-* message, or the socket opening / closing (a close drops our viewers on the server). */
export type RtcChannelEvent = RtcServerMessage | { readonly type: 'socket'; readonly open: boolean };

export interface RtcChannel {
  isOpen(): boolean;
  /** Sends on the open socket; false when it is not open. */
  send(msg: RtcClientMessage): boolean;
  /** Every rtc-* message and socket open/close; returns the unsubscribe function. */
  listen(fn: (event: RtcChannelEvent) => void): () => void;
}
export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting';

const PING_MS = 20_000;
class LiveClient {
  state = $state<ConnectionState>('idle');
  readonly sources = new SvelteMap<string, SourceView>();
  /** Messages that failed validation (not reactive: read on demand). */
  invalidMessages = 0;
  /** The last `error` message from the server, as `CODE: message`. */
  lastError = $state('');
  /** Called when the server no longer accepts our session (the socket cannot reconnect). */
  onAuthLost: () => void = () => {};

  #ws: WebSocket | null = null;
  #wanted = false;
  #attempt = 0;
  /** Bumped by stop(): a retry that was waiting on the auth check must not reconnect after it. */
  #generation = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #pingTimer: ReturnType<typeof setInterval> | undefined;
  readonly #listeners = new Map<string, Set<LiveListener>>();
  readonly #rtcListeners = new Set<(event: RtcChannelEvent) => void>();

  /** The signalling channel of the WebRTC live view (webrtc.ts). */
  readonly rtc: RtcChannel = {
    isOpen: () => this.#ws?.readyState === WebSocket.OPEN,
    send: (msg) => {
      if (this.#ws?.readyState !== WebSocket.OPEN) return false;
      this.#ws.send(JSON.stringify(msg));
      return true;
    },
    listen: (fn) => {
      this.#rtcListeners.add(fn);
      return () => this.#rtcListeners.delete(fn);
    },
  };

  /** Opens the socket (idempotent); call after login. */
  start(): void {
    this.#wanted = true;
    if (!this.#ws && this.#retryTimer === undefined) this.#connect();
  }

  /** Closes the socket and forgets the sources (logout). Listeners stay registered. */
  stop(): void {
    this.#wanted = false;
    this.#generation++;
    this.#attempt = 0;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    clearInterval(this.#pingTimer);
    const ws = this.#ws;
    this.#ws = null;
    ws?.close(1000, 'logout');
    if (ws) this.#emitRtc({ type: 'socket', open: false });
    this.sources.clear();
    this.state = 'idle';
  }

  /** Live messages of one source while subscribed; returns the unsubscribe function. */
  subscribe(sourceId: string, listener: LiveListener): () => void {
    let set = this.#listeners.get(sourceId);
    if (!set) {
      set = new Set();
      this.#listeners.set(sourceId, set);
      this.#send({ type: 'subscribe', sourceId });
    }
    set.add(listener);
    return () => {
      const s = this.#listeners.get(sourceId);
      if (!s?.delete(listener) || s.size > 0) return;
      this.#listeners.delete(sourceId);
      this.#send({ type: 'unsubscribe', sourceId });
    };
  }

  #send(msg: ClientMessage): void {
    if (this.#ws?.readyState === WebSocket.OPEN) this.#ws.send(JSON.stringify(msg));
  }

  #connect(): void {
    this.#retryTimer = undefined;
    this.state = this.#attempt === 0 ? 'connecting' : 'reconnecting';
    const url = new URL(`${API}/live`, location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(url);
    this.#ws = ws;
    ws.onopen = () => {
      this.#attempt = 0;
      this.state = 'open';
      for (const sourceId of this.#listeners.keys()) this.#send({ type: 'subscribe', sourceId });
      clearInterval(this.#pingTimer);
      this.#pingTimer = setInterval(() => this.#send({ type: 'ping', t: Date.now() }), PING_MS);
      this.#emitRtc({ type: 'socket', open: true });
    };
    ws.onmessage = (ev) => {
      if (this.#ws === ws) this.#receive(ev.data);
    };
    ws.onclose = () => {
      if (this.#ws !== ws) return;
      this.#ws = null;
      clearInterval(this.#pingTimer);
      this.#emitRtc({ type: 'socket', open: false });
      if (this.#wanted) void this.#retry();
    };
  }

  async #retry(): Promise<void> {
    const generation = this.#generation;
    this.state = 'reconnecting';
    // A refused upgrade looks like any other close: ask the REST API whether the session is gone.
    if (this.#attempt > 0) {
      const ok = await auth.check().catch(() => true);
      if (generation !== this.#generation) return;
      if (!ok) {
        this.stop();
        this.onAuthLost();
        return;
      }
    }
    if (!this.#wanted || generation !== this.#generation) return;
    const delay = backoffDelay(this.#attempt++);
    this.#retryTimer = setTimeout(() => this.#connect(), delay);
  }

  #receive(data: unknown): void {
    let raw: unknown;
    try {
      raw = typeof data === 'string' ? JSON.parse(data) : null;
    } catch {
      raw = null;
    }
    const parsed = ServerMessage.safeParse(raw);
    if (!parsed.success) {
      this.invalidMessages++;
      return;
    }
    const msg = parsed.data;
    switch (msg.type) {
      case 'hello':
        this.sources.clear();
        for (const s of msg.sources) this.sources.set(s.id, s);
        break;
      case 'source':
        this.sources.set(msg.source.id, msg.source);
        break;
      case 'source-removed':
        this.sources.delete(msg.sourceId);
        break;
      case 'error':
        this.lastError = `${msg.code}: ${msg.message}`;
        break;
      case 'pong':
        break;
      case 'rtc-joined':
      case 'rtc-consumers':
      case 'rtc-ok':
      case 'rtc-clock':
      case 'rtc-error':
      case 'rtc-closed':
        this.#emitRtc(msg);
        break;
      default: {
        const set = this.#listeners.get(msg.sourceId);
        if (!set) return;
        for (const fn of set) {
          // One failing view must not starve the others of messages.
          try {
            fn(msg);
          } catch (err) {
            reportError(err);
          }
        }
      }
    }
  }

  #emitRtc(event: RtcChannelEvent): void {
    for (const fn of this.#rtcListeners) {
      // One failing viewer must not keep the others from hearing the socket close.
      try {
        fn(event);
      } catch (err) {
        reportError(err);
      }
    }
  }
}

export const live = new LiveClient();
