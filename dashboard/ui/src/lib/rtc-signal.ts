// The WebRTC signalling of the live view (issue 12) over the live WebSocket: numbered requests
// (rtc-join / rtc-connect / rtc-consume / rtc-resume / rtc-leave) matched with their replies by
// `req`, each bounded by a timeout, and the unnumbered events (rtc-clock, rtc-closed, rtc-error
// without req) handed to the viewer. Also the RTP-timestamp → source-clock mapping. No DOM here.
import type { RtcClock } from '../../../src/protocol.ts';
import type {
  RtcChannel,
  RtcChannelEvent,
  RtcClientMessage,
  RtcServerMessage,
} from './live-client.svelte.ts';

/** A WebRTC failure with a stable code: the server's rtc-error code, or one of the RTC_* below. */
export class RtcError extends Error {
  override readonly name = 'RtcError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
  override toString(): string {
    return `${this.code}: ${this.message}`;
  }
}

type Reply<T extends RtcServerMessage['type']> = Extract<RtcServerMessage, { type: T }>;
/** Which reply each request expects. */
interface Replies {
  'rtc-join': Reply<'rtc-joined'>;
  'rtc-connect': Reply<'rtc-ok'>;
  'rtc-consume': Reply<'rtc-consumers'>;
  'rtc-resume': Reply<'rtc-ok'>;
  'rtc-leave': Reply<'rtc-ok'>;
}
const EXPECTED: { readonly [K in keyof Replies]: Replies[K]['type'] } = {
  'rtc-join': 'rtc-joined',
  'rtc-connect': 'rtc-ok',
  'rtc-consume': 'rtc-consumers',
  'rtc-resume': 'rtc-ok',
  'rtc-leave': 'rtc-ok',
};
type Request<T extends keyof Replies> = Omit<Extract<RtcClientMessage, { type: T }>, 'req'>;
/** The events a viewer hears (replies are matched to their requests instead). */
export type RtcEvent =
  | Reply<'rtc-clock'>
  | Reply<'rtc-closed'>
  | Reply<'rtc-error'>
  | { readonly type: 'socket'; readonly open: boolean };

export const REQUEST_TIMEOUT_MS = 10_000;

export interface RtcSignal {
  /**
   * Sends one request (waiting for the socket to open, within the timeout) and resolves with its
   * reply; rejects with RtcError: the server's rtc-error, RTC_TIMEOUT, RTC_SIGNAL_LOST (the socket
   * closed after sending: the server dropped this connection's viewers) or RTC_CLOSED.
   */
  request<T extends keyof Replies>(msg: Request<T> & { type: T }, timeoutMs?: number): Promise<Replies[T]>;
  /** Sends without waiting for the reply (rtc-leave on the way out); false when the socket is down. */
  notify<T extends keyof Replies>(msg: Request<T> & { type: T }): boolean;
  /** Rejects what is pending (RTC_CLOSED) and stops listening. Idempotent. */
  close(): void;
}

interface Pending {
  readonly message: RtcClientMessage;
  readonly expected: string;
  sent: boolean;
  readonly resolve: (reply: RtcServerMessage) => void;
  readonly reject: (err: RtcError) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

/** Request numbers are unique per page: several viewers share the one socket. */
let nextReq = 1;

export function createRtcSignal(channel: RtcChannel, onEvent: (event: RtcEvent) => void): RtcSignal {
  const pending = new Map<number, Pending>();
  let closed = false;

  const settle = (req: number): Pending | undefined => {
    const p = pending.get(req);
    if (!p) return undefined;
    pending.delete(req);
    clearTimeout(p.timer);
    return p;
  };

  const onChannel = (event: RtcChannelEvent): void => {
    if (event.type === 'socket') {
      for (const [req, p] of pending) {
        if (event.open && !p.sent) p.sent = channel.send(p.message);
        else if (!event.open && p.sent) {
          settle(req)?.reject(new RtcError('RTC_SIGNAL_LOST', 'the live connection to the server closed'));
        }
      }
      onEvent(event);
      return;
    }
    const req = 'req' in event ? event.req : null;
    const p = req === null ? undefined : settle(req);
    if (!p) {
      if (event.type === 'rtc-clock' || event.type === 'rtc-closed' || event.type === 'rtc-error')
        onEvent(event);
      return;
    }
    if (event.type === 'rtc-error') p.reject(new RtcError(event.code, event.message));
    else if (event.type !== p.expected) {
      p.reject(new RtcError('RTC_BAD_REPLY', `expected ${p.expected}, the server sent ${event.type}`));
    } else p.resolve(event);
  };
  const unlisten = channel.listen(onChannel);

  const request: RtcSignal['request'] = (msg, timeoutMs = REQUEST_TIMEOUT_MS) => {
    if (closed) return Promise.reject(new RtcError('RTC_CLOSED', 'the viewer is closed'));
    const req = nextReq++;
    const message = { ...msg, req } as unknown as RtcClientMessage;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        settle(req)?.reject(
          new RtcError('RTC_TIMEOUT', `no answer to ${msg.type} within ${timeoutMs / 1000} s`),
        );
      }, timeoutMs);
      pending.set(req, {
        message,
        expected: EXPECTED[msg.type],
        sent: false,
        resolve: resolve as (reply: RtcServerMessage) => void,
        reject,
        timer,
      });
      pending.get(req)!.sent = channel.send(message);
    });
  };

  return {
    request,
    notify(msg) {
      return !closed && channel.send({ ...msg, req: nextReq++ } as unknown as RtcClientMessage);
    },
    close() {
      if (closed) return;
      closed = true;
      unlisten();
      for (const req of [...pending.keys()])
        settle(req)?.reject(new RtcError('RTC_CLOSED', 'the viewer is closed'));
    },
  };
}

/**
 * Source-clock ms of a video frame with RTP timestamp `rtpTimestamp` (90 kHz, 32 bits, wrapping):
 * the anchor's wall time plus the signed 32-bit distance from the anchor's timestamp (RtcClock).
 */
export function rtpToSourceMs(clock: RtcClock, rtpTimestamp: number): number {
  // `| 0` takes the difference modulo 2^32 as a signed 32-bit number: frames just before a wrap
  // and just after it stay 1/90 ms apart.
  return clock.wallMs + ((rtpTimestamp - clock.rtpTimestamp) | 0) / 90;
}
