import { randomBytes } from 'node:crypto';
import type { ModelRegistry, ServerMessage, WorkerCapabilities, WorkerStats } from '@aima/inference';
import type { Store } from '@aima/storage';
import type { WebSocket } from 'ws';
import type { PersonsService } from '../persons/service.ts';
import { createWorkerExecutor } from './placement.ts';
import { createRpcServer, type Assignment } from './rpc-server.ts';
import { newSecret, sha256Hex, signGrant, verifyGrant, type FileGrant } from './secrets.ts';
import { acceptWorkerSocket, sendTo } from './socket.ts';
import type { WorkerHub, WorkerView } from './types.ts';

/** What the hub asks of the source guard (ingest's createSourceGuard satisfies it). */
export interface SourceGuardLike {
  check(input: string, opts?: { target?: 'local' | 'rented'; signal?: AbortSignal }): Promise<unknown>;
}

export interface WorkerHubOptions {
  readonly store: Store;
  /** The control plane's model registry: workers without a model download it from here. */
  readonly models: ModelRegistry;
  /** Faces of remote jobs are clustered here, on the control plane (null: faces off). */
  readonly persons?: PersonsService | null;
  /** Checks URLs before one goes to a rented worker (target 'rented'). */
  readonly guard?: SourceGuardLike | null;
  /** Workers send a heartbeat this often (default 5 s; told to them in no message: theirs is fixed). */
  readonly heartbeatTimeoutMs?: number;
  /** A worker whose socket closed has this long to come back before its work is reassigned (default 5 s). */
  readonly reconnectGraceMs?: number;
  /** Signed file URLs live this long (default 10 min). */
  readonly fileUrlTtlMs?: number;
  /** Placement 'instance'/'workers': how long to wait for a fitting worker (default 120 s). */
  readonly waitForWorkerMs?: number;
  /** Assignments one worker runs at once (default 4). */
  readonly slotsPerWorker?: number;
  /** Attempts per source before it fails with WORKER_LOST (default 3). */
  readonly maxAttempts?: number;
  /** A server→worker socket with more than this buffered is too slow and is closed (default 8 MiB). */
  readonly maxBufferedBytes?: number;
  /** Every event a worker forwards: ms between its send and our receipt (benchmarks, metrics). */
  readonly onHopLatency?: (ms: number) => void;
}

/** One worker the hub knows (online or not). */
export interface Session {
  readonly id: string;
  name: string;
  readonly keyHash: string;
  readonly instanceId: string;
  readonly rented: boolean;
  readonly createdAt: number;
  capabilities: WorkerCapabilities;
  stats: WorkerStats | null;
  lastSeen: number;
  socket: WebSocket | null;
}

/** The hub's internals that the socket handler and the executor share. */
export interface HubCore {
  readonly opts: WorkerHubOptions;
  readonly sessions: Map<string, Session>;
  readonly assignments: Map<string, Assignment>;
  readonly rpc: ReturnType<typeof createRpcServer>;
  readonly consuming: Set<string>;
  readonly nextPartId: () => number;
  view(s: Session): WorkerView;
  changed(s: Session): void;
  /** Waits for the next change of any worker (or `ms`), for placement waits. */
  nextChange(ms: number, signal?: AbortSignal): Promise<void>;
  send(s: Session, msg: ServerMessage): void;
  /** A worker's assignment is gone for good: its executor reassigns. */
  lose(a: Assignment, why: string): void;
  signFile(g: Omit<FileGrant, 'expiresAt'>): string;
  persist(s: Session): void;
}

export interface WorkerHubInternal extends WorkerHub {
  /** The worker socket's handler (registerWorkerSocket). */
  accept(socket: WebSocket): void;
  /** The file a signed URL grants (only while its assignment runs), or null. */
  fileFor(sig: string): string | null;
  /** The source of the assignment a signed file URL belongs to (quarantine checks), or null. */
  sourceForFile(sig: string): string | null;
  /** The worker a key belongs to (model downloads), or null. */
  workerByKey(key: string): WorkerView | null;
  readonly models: ModelRegistry;
}

export function createWorkerHub(opts: WorkerHubOptions): WorkerHubInternal {
  const secret = randomBytes(32);
  const sessions = new Map<string, Session>();
  const assignments = new Map<string, Assignment>();
  const listeners = new Set<(w: WorkerView) => void>();
  const waiters = new Set<() => void>();
  const rpc = createRpcServer(opts.store, opts.persons ?? null);
  const timeoutMs = opts.heartbeatTimeoutMs ?? 15_000;
  let partId = 0;
  let closed = false;

  const view = (s: Session): WorkerView => ({
    id: s.id,
    name: s.name,
    instanceId: s.instanceId || null,
    rented: s.rented,
    state: s.socket ? 'online' : 'offline',
    capabilities: s.capabilities,
    stats: s.stats,
    lastSeen: s.lastSeen,
    assignments: [...assignments.values()].filter((a) => a.workerId === s.id && !a.settled).length,
  });

  const core: HubCore = {
    opts,
    sessions,
    assignments,
    rpc,
    consuming: new Set(),
    nextPartId: () => ++partId,
    view,
    changed(s) {
      const v = view(s);
      for (const l of listeners) {
        try {
          l(v);
        } catch {
          // One listener's bug must not break the others.
        }
      }
      for (const w of [...waiters]) w();
    },
    nextChange(ms, signal) {
      return new Promise((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          waiters.delete(done);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, ms);
        waiters.add(done);
        signal?.addEventListener('abort', done, { once: true });
      });
    },
    send: (s, msg) => sendTo(core, s, msg),
    lose(a, why) {
      if (a.settled) return;
      if (a.lostTimer) clearTimeout(a.lostTimer);
      a.lostTimer = null;
      a.settled = true;
      a.reject(Object.assign(new Error(why), { code: 'WORKER_LOST' }));
    },
    signFile: (g) => signGrant(secret, { ...g, expiresAt: Date.now() + (opts.fileUrlTtlMs ?? 600_000) }),
    persist(s) {
      void opts.store
        .upsertWorker({
          id: s.id,
          name: s.name,
          keyHash: s.keyHash,
          instanceId: s.instanceId,
          rented: s.rented,
          state: s.socket ? 'online' : 'offline',
          capabilities: JSON.stringify(s.capabilities),
          createdAt: s.createdAt,
          lastSeen: s.lastSeen,
        })
        .catch(() => undefined);
    },
  };

  // Missed heartbeats: the socket may look open for minutes after a box vanished.
  const watchdog = setInterval(
    () => {
      const now = Date.now();
      for (const s of sessions.values()) {
        if (s.socket && now - s.lastSeen > timeoutMs) s.socket.terminate();
      }
    },
    Math.max(100, Math.min(1000, timeoutMs / 3)),
  );
  watchdog.unref();

  return {
    models: opts.models,
    accept: (socket) => {
      if (closed) socket.close(1001, 'shutting down');
      else acceptWorkerSocket(core, socket);
    },
    async createJoinToken(o = {}) {
      const token = newSecret('aima_jt_');
      const now = Date.now();
      const expiresAt = now + (o.ttlMs ?? 15 * 60_000);
      await opts.store.insertJoinToken({
        tokenHash: sha256Hex(token),
        instanceId: o.instanceId ?? '',
        rented: o.rented ?? false,
        createdAt: now,
        expiresAt,
        usedAt: null,
        workerId: '',
      });
      return { token, expiresAt };
    },
    workers: () => [...sessions.values()].map(view),
    onChange(l) {
      listeners.add(l);
      return () => void listeners.delete(l);
    },
    executor: (local) => createWorkerExecutor(core, local),
    disconnect(workerId) {
      const s = sessions.get(workerId);
      s?.socket?.close(4403, 'disconnected by the control plane');
    },
    fileFor(sig) {
      const live = (id: string): string | null => {
        const a = assignments.get(id);
        return a && !a.settled ? a.filePath : null;
      };
      return verifyGrant(secret, sig, live)?.path ?? null;
    },
    sourceForFile(sig) {
      const g = verifyGrant(secret, sig, (id) => assignments.get(id)?.filePath ?? null);
      return g ? (assignments.get(g.assignmentId)?.sourceId ?? null) : null;
    },
    workerByKey(key) {
      const h = sha256Hex(key);
      for (const s of sessions.values()) if (s.keyHash === h) return view(s);
      return null;
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(watchdog);
      for (const a of assignments.values()) core.lose(a, 'the control plane is shutting down');
      for (const s of sessions.values()) s.socket?.close(1001, 'shutting down');
      for (const w of [...waiters]) w();
      await rpc.close();
    },
  };
}
