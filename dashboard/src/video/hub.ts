// The live video feeds of all sources: a feed runs only while someone watches its source, and is
// stopped GRACE_MS after its last watcher left (a page reload or a reconnect reuses it).
import type { VideoInput } from './args.ts';
import type { RtpSink } from '../rtc/types.ts';
import { createFeed, type Feed, type FeedWatcher } from './feed.ts';

export const GRACE_MS = 2000;

export interface VideoHub {
  /** Starts watching `sourceId` (starting its feed if needed); returns the function that stops. */
  watch(sourceId: string, watcher: FeedWatcher): () => void;
  /** Feeds (ffmpeg processes) running or starting now. */
  readonly feeds: number;
  /** The ffmpeg process ids of running feeds, for diagnostics and tests. */
  pids(): number[];
  /** Stops every feed and waits for its ffmpeg to exit. Idempotent. */
  close(): Promise<void>;
  readonly closed: boolean;
}

export interface VideoHubOptions {
  readonly resolveInput: (sourceId: string) => Promise<VideoInput | null>;
  readonly graceMs?: number;
  /** Where feeds send RTP for the WebRTC live view (see FeedOptions.rtp); omitted: none. */
  readonly rtp?: RtpSink;
}

export function createVideoHub(opts: VideoHubOptions): VideoHub {
  const feeds = new Map<string, Feed>();
  const graceTimers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Feeds being stopped, so close() can wait for their processes too. */
  const stopping = new Set<Promise<void>>();
  let closed = false;

  const stop = (feed: Feed): void => {
    const p = feed.close().finally(() => stopping.delete(p));
    stopping.add(p);
  };

  const onEnd = (feed: Feed): void => {
    if (feeds.get(feed.sourceId) === feed) feeds.delete(feed.sourceId);
    clearTimeout(graceTimers.get(feed.sourceId));
    graceTimers.delete(feed.sourceId);
  };

  return {
    watch(sourceId, watcher) {
      if (closed) {
        watcher.end('closed', 'server shutting down');
        return () => undefined;
      }
      let feed = feeds.get(sourceId);
      if (!feed) {
        feed = createFeed({
          sourceId,
          resolveInput: opts.resolveInput,
          onEnd,
          ...(opts.rtp ? { rtp: opts.rtp } : {}),
        });
        feeds.set(sourceId, feed);
      }
      clearTimeout(graceTimers.get(sourceId));
      graceTimers.delete(sourceId);
      const f = feed;
      f.add(watcher);
      let done = false;
      return () => {
        if (done) return;
        done = true;
        f.remove(watcher);
        if (f.watchers > 0 || f.closed || feeds.get(sourceId) !== f) return;
        const timer = setTimeout(() => {
          graceTimers.delete(sourceId);
          if (f.watchers > 0) return;
          feeds.delete(sourceId);
          stop(f);
        }, opts.graceMs ?? GRACE_MS);
        timer.unref();
        graceTimers.set(sourceId, timer);
      };
    },
    get feeds() {
      return feeds.size;
    },
    pids() {
      return [...feeds.values()].flatMap((f) => (f.pid === null ? [] : [f.pid]));
    },
    get closed() {
      return closed;
    },
    async close() {
      closed = true;
      for (const t of graceTimers.values()) clearTimeout(t);
      graceTimers.clear();
      for (const f of [...feeds.values()]) stop(f);
      feeds.clear();
      await Promise.all([...stopping]);
    },
  };
}
