import {
  createReassembler,
  DEFAULT_PERSON_THRESHOLDS,
  decodeServerMessage,
  encodeMessage,
  splitFrames,
  WORKER_CLOSE,
  WORKER_PROTOCOL_VERSION,
  type AssignMessage,
  type ServerMessage,
  type WorkerCapabilities,
  type WorkerMessage,
} from '@aima/inference';
import type { Store } from '@aima/storage';
import WebSocket from 'ws';
import { DashboardError } from '../errors.ts';
import { errorFields } from '../jobs/analysis-job.ts';
import type { PersonsService } from '../persons/service.ts';
import type { Runtime } from '../runtime.ts';
import type { SourceGuardLike } from './hub.ts';
import { remotePersons, remoteStore } from './proxies.ts';
import { runAssignmentJob, type SendClass } from './assignment.ts';
import { createRpcClient } from './rpc-client.ts';
import { MAX_FRAME_BYTES } from './socket.ts';
import { readStats } from './system.ts';

export interface WorkerAgentOptions {
  /** The control plane, http(s)://host:port. */
  readonly server: string;
  /** A one-time join token (first start) ... */
  readonly token?: string;
  /** ... or the key an earlier welcome gave. */
  readonly workerKey?: string;
  readonly name: string;
  readonly capabilities: WorkerCapabilities;
  /**
   * Opens the analysis runtime once joined: its store and persons are the given proxies; models
   * missing locally come from `mirror` (the control plane) with `fetchImpl`, sha256-checked.
   */
  readonly openRuntime: (deps: {
    store: Store;
    persons: PersonsService;
    mirror: string;
    fetchImpl: typeof fetch;
  }) => Promise<Runtime>;
  /** On a rented GPU box (AIMA_WORKER_RENTED=1): URLs are re-checked with target 'rented'. */
  readonly rented?: boolean;
  readonly guard?: SourceGuardLike | null;
  /** Store/persons calls awaiting their answer at once (default 32). */
  readonly maxInFlight?: number;
  readonly heartbeatMs?: number;
  /** First reconnect delay (doubles to 5 s). */
  readonly reconnectMs?: number;
  readonly log?: (line: string) => void;
}

export interface WorkerAgent {
  /** Resolves at the first welcome; rejects when the control plane refused us. */
  readonly joined: Promise<{ workerId: string; workerKey: string }>;
  /** Resolves when the agent stopped (close(), or a refusal it cannot recover from). */
  readonly finished: Promise<void>;
  readonly running: number;
  /** Live events dropped because the socket was backed up (overflow policy: drop and count). */
  readonly droppedEvents: number;
  /** Previews not sent because the socket was backed up (dropped first, at a lower mark). */
  readonly droppedPreviews: number;
  close(): Promise<void>;
}

/** Live events wait in the socket buffer up to this; beyond it they are dropped (and counted). */
const EVENT_BUFFER_BYTES = 1024 * 1024;
/** Previews go out only while less than this waits: they are the first thing dropped. */
const PREVIEW_BUFFER_BYTES = 256 * 1024;

/**
 * The worker socket's overflow policy: with `buffered` bytes waiting, may a message of this class
 * still be queued? Previews stop first, live events and progress next; control messages (store
 * calls, done, failed) always go, and the control plane's heartbeat watchdog covers a dead peer.
 */
export function mayQueue(cls: SendClass, buffered: number): boolean {
  if (cls === 'preview') return buffered <= PREVIEW_BUFFER_BYTES;
  if (cls === 'event') return buffered <= EVENT_BUFFER_BYTES;
  return true;
}

const FATAL = new Set<number>([WORKER_CLOSE.version, WORKER_CLOSE.auth, WORKER_CLOSE.disconnected]);

/** `aima worker`: joins a control plane and runs the analysis jobs it assigns (see hub.ts). */
export function createWorkerAgent(opts: WorkerAgentOptions): WorkerAgent {
  const wsUrl = new URL('/api/v1/workers/connect', opts.server.replace(/^http/, 'ws')).href;
  const running = new Map<string, { attempt: number; ac: AbortController; watched: boolean }>();
  /** done/failed that could not be sent yet: they go out after the next welcome. */
  const finals = new Map<string, WorkerMessage>();
  let socket: WebSocket | null = null;
  let workerKey = opts.workerKey ?? '';
  let runtime: Promise<Runtime> | null = null;
  let closing = false;
  let welcomed = false;
  let partId = 0;
  let delay = opts.reconnectMs ?? 500;
  let dropped = 0;
  let droppedPreviews = 0;
  let heartbeat: NodeJS.Timeout | null = null;
  let retry: NodeJS.Timeout | null = null;
  let joinedOk: (v: { workerId: string; workerKey: string }) => void = () => undefined;
  let joinedFail: (e: Error) => void = () => undefined;
  let finish: () => void = () => undefined;
  const joined = new Promise<{ workerId: string; workerKey: string }>((res, rej) => {
    joinedOk = res;
    joinedFail = rej;
  });
  joined.catch(() => undefined);
  const finished = new Promise<void>((r) => (finish = r));
  const log = opts.log ?? (() => undefined);
  // What messages may say about the server: no credentials, no path.
  const where = new URL(opts.server).origin;
  const refusal = (code: number, why: string, usedKey: boolean, cause: string): DashboardError => {
    if (code === WORKER_CLOSE.version) {
      return new DashboardError('WORKER_PROTOCOL', `the control plane refused this worker: ${why}`);
    }
    if (code === WORKER_CLOSE.auth && usedKey) {
      return new DashboardError(
        'WORKER_TOKEN_INVALID',
        `the control plane at ${where} no longer knows this worker's key: mint a new join token ` +
          '(`aima worker token`) and start the worker with --token',
      );
    }
    if (code === WORKER_CLOSE.auth) {
      return new DashboardError('WORKER_TOKEN_INVALID', `the control plane refused this worker: ${why}`);
    }
    if (code === WORKER_CLOSE.disconnected) {
      return new DashboardError('WORKER_UNAVAILABLE', `the control plane disconnected this worker: ${why}`);
    }
    return new DashboardError(
      'WORKER_UNAVAILABLE',
      `cannot reach the control plane at ${where} (${cause || `code ${code}`})`,
    );
  };

  const send = (msg: WorkerMessage, cls: SendClass = 'control'): boolean => {
    const ws = socket;
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    if (!mayQueue(cls, ws.bufferedAmount)) {
      if (cls === 'preview') droppedPreviews++;
      else dropped++;
      return true;
    }
    for (const f of splitFrames(encodeMessage(msg), MAX_FRAME_BYTES, ++partId)) ws.send(f);
    return true;
  };
  const rpc = createRpcClient((m) => void send(m), opts.maxInFlight ?? 32);
  const final = (msg: WorkerMessage & { assignmentId: string }): void => {
    if (!send(msg)) finals.set(msg.assignmentId, msg);
  };

  const openRuntime = (): Promise<Runtime> =>
    (runtime ??= opts.openRuntime({
      store: remoteStore(rpc, null),
      // The control plane decides with its own thresholds; these only fill the interface.
      persons: remotePersons(rpc, null, { ...DEFAULT_PERSON_THRESHOLDS }),
      mirror: new URL('/api/v1/workers/models', opts.server).href,
      // Model downloads from the control plane prove who we are; other hosts never see the key.
      fetchImpl: (input, init) => {
        const url = String(input instanceof Request ? input.url : input);
        const ours = url.startsWith(new URL(opts.server).origin + '/');
        const headers = new Headers(init?.headers);
        if (ours) headers.set('x-aima-worker-key', workerKey);
        return fetch(input, { ...init, headers });
      },
    }));

  const onMessage = (msg: ServerMessage): void => {
    switch (msg.type) {
      case 'welcome': {
        workerKey = msg.workerKey;
        welcomed = true;
        delay = opts.reconnectMs ?? 500;
        joinedOk({ workerId: msg.workerId, workerKey });
        void openRuntime().catch((err: unknown) => log(`runtime failed: ${errorFields(err).message}`));
        rpc.resend();
        for (const [id, m] of finals) if (send(m)) finals.delete(id);
        void beat();
        return;
      }
      case 'assign':
        void runAssignment(msg);
        return;
      case 'cancel':
        running.get(msg.assignmentId)?.ac.abort();
        return;
      case 'watch': {
        const r = running.get(msg.assignmentId);
        if (r) r.watched = msg.on;
        return;
      }
      case 'rpc-result':
        rpc.settle(msg.id, msg);
        return;
    }
  };

  const beat = async (): Promise<void> => {
    const stats = await readStats(running.size);
    send({ type: 'heartbeat', stats }, 'event');
  };

  const connect = (): void => {
    retry = null;
    const parts = createReassembler(64 * 1024 * 1024);
    const ws = new WebSocket(wsUrl, { maxPayload: 1024 * 1024 });
    socket = ws;
    let helloKey = '';
    ws.on('open', () => {
      helloKey = workerKey;
      const hello: WorkerMessage = {
        type: 'hello',
        protocol: WORKER_PROTOCOL_VERSION,
        ...(workerKey ? { workerKey } : { token: opts.token ?? '' }),
        name: opts.name,
        // This agent understands `watch` (protocol.ts: additions within v1 are announced).
        capabilities: { ...opts.capabilities, previews: true },
        running: [...running].map(([assignmentId, r]) => ({ assignmentId, attempt: r.attempt })),
      };
      send(hello);
    });
    ws.on('message', (data) => {
      const text = parts.push(String(data));
      if (text === null) return;
      const d = decodeServerMessage(text);
      if (d.ok) onMessage(d.msg);
      else ws.close(WORKER_CLOSE.protocol, d.reason.slice(0, 120));
    });
    let opened = false;
    let cause = '';
    ws.on('open', () => (opened = true));
    ws.on('error', (err) => {
      // ECONNREFUSED, ENOTFOUND, a TLS code, or "Unexpected server response: 404"; never the URL.
      cause = (err as { code?: string }).code ?? err.message;
      log(`connection error: ${err.message}`);
    });
    ws.on('close', (code, reason) => {
      if (socket === ws) socket = null;
      const why = String(reason) || `code ${code}`;
      if (closing) return;
      const usedKey = helloKey !== '';
      // A stored key the control plane no longer knows: the join token (if given) is tried next.
      if (code === WORKER_CLOSE.auth && usedKey && opts.token && !welcomed) {
        log('the control plane does not know the stored worker key; joining with the token');
        workerKey = '';
        connect();
        return;
      }
      // Refusals are final; anything else (a blip after joining) is retried with backoff.
      if (FATAL.has(code) || (!opened && !welcomed)) {
        const err = refusal(code, why, usedKey, cause);
        joinedFail(err);
        log(err.message);
        void closeOnce();
        return;
      }
      log(`disconnected (${why}); reconnecting in ${delay} ms`);
      retry = setTimeout(connect, delay);
      delay = Math.min(delay * 2, 5000);
    });
  };

  const runAssignment = async (a: AssignMessage): Promise<void> => {
    const r = { attempt: a.attempt, ac: new AbortController(), watched: false };
    running.set(a.assignmentId, r);
    try {
      const env = { ...opts, rpc, send, runtime: openRuntime };
      final(await runAssignmentJob(env, a, r.ac.signal, () => r.watched));
    } finally {
      running.delete(a.assignmentId);
    }
  };

  let stopping: Promise<void> | null = null;
  const closeOnce = (): Promise<void> => (stopping ??= stop());
  const stop = async (): Promise<void> => {
    closing = true;
    if (retry) clearTimeout(retry);
    if (heartbeat) clearInterval(heartbeat);
    joinedFail(new DashboardError('WORKER_UNAVAILABLE', 'the worker was closed before it joined'));
    for (const r of running.values()) r.ac.abort();
    // Running jobs end (their final messages go out while the socket is still open); with no
    // socket their pending store calls can never be answered, so they fail now.
    const gone = new DashboardError('WORKER_LOST', 'the worker stopped');
    for (let waited = 0; running.size > 0; waited += 20) {
      if (!socket || waited > 10_000) for (const id of running.keys()) rpc.failAssignment(id, gone);
      await new Promise((r) => setTimeout(r, 20));
    }
    socket?.close(1000, 'worker stopping');
    const rt = await runtime?.catch(() => null);
    await rt?.close();
    finish();
  };

  heartbeat = setInterval(() => void beat(), opts.heartbeatMs ?? 5000);
  connect();
  return {
    joined,
    finished,
    get running() {
      return running.size;
    },
    get droppedEvents() {
      return dropped;
    },
    get droppedPreviews() {
      return droppedPreviews;
    },
    close: closeOnce,
  };
}
