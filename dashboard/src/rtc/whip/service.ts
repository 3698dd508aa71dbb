// WHIP publishing (RFC 9725): a publisher's media becomes an ordinary live source (kind 'whip'),
// read by the ingest from the relay's local URL: analysed, recorded, shown live like any other.
import { randomUUID } from 'node:crypto';
import type { SourceRef } from '@aima/ingest';
import { DashboardError } from '../../errors.ts';
import type { SourceManager } from '../../sources/types.ts';
import type { RtcConfig } from '../types.ts';
import { createPublisher, type Publisher } from './publisher.ts';
import type { RouterSource } from './routers.ts';

export interface WhipSessionView {
  readonly sourceId: string;
  readonly sessionId: string;
  readonly tracks: ReadonlyArray<{ readonly kind: string; readonly codec: string }>;
  /** The relay ffmpeg's pid (tests and diagnostics). */
  readonly relayPid: number | undefined;
  readonly readers: number;
  readonly routerId: string;
}

export interface WhipPublishOptions {
  /** Frames analysed per second (default 5, as POST /api/v1/sources). */
  readonly fps?: number;
  readonly analyzers?: readonly string[];
}

export interface WhipService {
  /** Starts a publisher for `sourceId` from its SDP offer; the answer and the session's id. */
  publish(
    sourceId: string,
    offer: string,
    opts?: WhipPublishOptions,
  ): Promise<{ readonly sessionId: string; readonly answer: string }>;
  /** Ends a publisher (DELETE of its session): the source stops, its results stay. */
  end(sourceId: string, sessionId: string): Promise<void>;
  sessions(): WhipSessionView[];
  /** Ends every publisher and stops lending routers. Idempotent. */
  close(): Promise<void>;
}

export interface WhipServiceOptions {
  /** Settings; `enabled: false` refuses publishers with RTC_DISABLED (omitted: the routers decide). */
  readonly config?: RtcConfig;
  readonly routers: RouterSource;
  readonly manager: SourceManager;
}

interface Session {
  readonly sourceId: string;
  readonly sessionId: string;
  readonly publisher: Publisher;
  offChange: () => void;
  offStats: () => void;
  ending: Promise<void> | null;
}

const ACTIVE = new Set(['pending', 'running']);

export function createWhipService(opts: WhipServiceOptions): WhipService {
  const { manager } = opts;
  const sessions = new Map<string, Session>();
  // Source ids with a publish in progress: a second POST is WHIP_BUSY, not a race.
  const starting = new Set<string>();
  let closed = false;

  // `stopSource` false: the server is closing, and the manager's own close() marks the source as
  // interrupted (a restart fails it: only the publisher can start it again).
  const finish = (s: Session, stopSource = true): Promise<void> => {
    s.ending ??= (async () => {
      s.offChange();
      s.offStats();
      sessions.delete(s.sourceId);
      await s.publisher.close();
      // The relay is gone: the ingest would only retry it. Stopped, the recording and results stay.
      if (stopSource) await manager.stop(s.sourceId).catch(() => undefined);
    })();
    return s.ending;
  };

  return {
    async publish(sourceId, offer, publishOpts = {}) {
      if (closed) throw new DashboardError('RTC_UNAVAILABLE', 'the server is shutting down');
      if (opts.config?.enabled === false)
        throw new DashboardError('RTC_DISABLED', 'WebRTC is turned off (AIMA_WEBRTC=0)');
      if (sessions.has(sourceId) || starting.has(sourceId)) {
        throw new DashboardError('WHIP_BUSY', `source '${sourceId}' already has a publisher`);
      }
      // The same URL again (OBS going live again) continues that WHIP source; any other source's
      // id is taken.
      const existing = await manager.get(sourceId);
      if (existing && existing.kind !== 'whip') {
        throw new DashboardError('SOURCE_EXISTS', `a source with id '${sourceId}' exists already`);
      }
      if (existing && ACTIVE.has(existing.status)) {
        throw new DashboardError('WHIP_BUSY', `source '${sourceId}' is running`);
      }
      starting.add(sourceId);
      let publisher: Publisher | null = null;
      try {
        const router = await opts.routers.createRouter();
        let session: Session | null = null;
        let failedEarly = false;
        publisher = await createPublisher({
          router,
          offer,
          transportOptions: opts.routers.transportOptions(),
          onFailed: () => {
            if (session) void finish(session);
            else failedEarly = true;
          },
        });
        const source: SourceRef = Object.freeze({
          kind: 'whip',
          input: publisher.relay.url,
          display: `whip://${sourceId}`,
          live: true,
        });
        await manager.add({
          input: source.display,
          source,
          id: sourceId,
          fps: publishOpts.fps ?? 5,
          realtime: false,
          // The relay listens on this machine's loopback: no other worker can read it.
          placement: { kind: 'local' },
          continueIdle: true,
          ...(publishOpts.analyzers ? { analyzers: publishOpts.analyzers } : {}),
        });
        const s: Session = {
          sourceId,
          sessionId: randomUUID(),
          publisher,
          offChange: () => undefined,
          offStats: () => undefined,
          ending: null,
        };
        const p = publisher;
        s.offStats = opts.routers.addPublisher(sourceId, () => p.stats());
        session = s;
        sessions.set(sourceId, s);
        // Stopped or removed by anyone (the API, a failure): the publisher goes too.
        s.offChange = manager.onChange((id, view) => {
          if (id === sourceId && (view === null || !ACTIVE.has(view.status))) void finish(s);
        });
        if (failedEarly) void finish(s);
        return { sessionId: s.sessionId, answer: publisher.answer };
      } catch (err) {
        await publisher?.close();
        throw err;
      } finally {
        starting.delete(sourceId);
      }
    },
    async end(sourceId, sessionId) {
      const s = sessions.get(sourceId);
      if (!s || s.sessionId !== sessionId) {
        throw new DashboardError(
          'WHIP_SESSION_NOT_FOUND',
          `no WHIP session ${sessionId} for source '${sourceId}'`,
        );
      }
      await finish(s);
    },
    sessions() {
      return [...sessions.values()].map((s) => ({
        sourceId: s.sourceId,
        sessionId: s.sessionId,
        tracks: s.publisher.tracks,
        relayPid: s.publisher.relay.pid,
        readers: s.publisher.relay.readers,
        routerId: s.publisher.router.id,
      }));
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([...sessions.values()].map((s) => finish(s, false)));
      await opts.routers.close();
    },
  };
}
