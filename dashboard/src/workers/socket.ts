import { randomBytes } from 'node:crypto';
import {
  createReassembler,
  decodeWorkerMessage,
  encodeMessage,
  splitFrames,
  WORKER_CLOSE,
  WORKER_PROTOCOL_VERSION,
  type HelloMessage,
  type ServerMessage,
  type WorkerMessage,
} from '@aima/inference';
import type { WebSocket } from 'ws';
import type { AnalysisSummary, JobProgress } from '../jobs/analysis-job.ts';
import type { LiveFace } from '../protocol.ts';
import type { ExecuteOptions } from '../sources/executor.ts';
import type { HubCore, Session } from './hub.ts';
import { newSecret, sha256Hex } from './secrets.ts';

/** Frames stay under the server's WebSocket maxPayload (64 KiB, in bytes); longer messages go in parts. */
export const MAX_FRAME_BYTES = 60_000;
/** A whole message (reassembled) may not exceed this: 16 Mi characters. */
const MAX_MESSAGE_CHARS = 16 * 1024 * 1024;
const HELLO_TIMEOUT_MS = 10_000;

/**
 * Sends to a worker. Overflow policy: control messages are small, so a socket with more than
 * maxBufferedBytes waiting is a worker that stopped reading; it is closed (4408) and its work goes
 * through the reconnect-or-reassign path rather than growing our memory.
 */
export function sendTo(core: HubCore, s: Session, msg: ServerMessage): void {
  const socket = s.socket;
  if (!socket || socket.readyState !== socket.OPEN) return;
  if (socket.bufferedAmount > (core.opts.maxBufferedBytes ?? 8 * 1024 * 1024)) {
    socket.close(WORKER_CLOSE.overflow, 'send buffer full');
    return;
  }
  for (const f of splitFrames(encodeMessage(msg), MAX_FRAME_BYTES, core.nextPartId())) socket.send(f);
}

/** Runs one worker connection: hello (join or reconnect), then its messages, then its loss. */
export function acceptWorkerSocket(core: HubCore, socket: WebSocket): void {
  const parts = createReassembler(MAX_MESSAGE_CHARS);
  let session: Session | null = null;
  let helloSeen = false;
  // Messages arriving while the hello is being checked wait for it (bounded).
  const queued: WorkerMessage[] = [];
  const refuse = (code: number, why: string): void => socket.close(code, why.slice(0, 120));
  const helloTimer = setTimeout(() => refuse(WORKER_CLOSE.protocol, 'no hello'), HELLO_TIMEOUT_MS);

  socket.on('message', (data, isBinary) => {
    if (isBinary) return refuse(WORKER_CLOSE.protocol, 'binary frames are not part of protocol v1');
    let text: string | null;
    try {
      text = parts.push(String(data));
    } catch {
      return refuse(WORKER_CLOSE.overflow, 'message too large');
    }
    if (text === null) return;
    const d = decodeWorkerMessage(text);
    if (!d.ok) return refuse(WORKER_CLOSE.protocol, d.reason);
    if (session) return handle(core, session, d.msg);
    if (helloSeen) {
      if (queued.length >= 1000) return refuse(WORKER_CLOSE.overflow, 'too many messages before welcome');
      queued.push(d.msg);
      return;
    }
    if (d.msg.type !== 'hello') return refuse(WORKER_CLOSE.protocol, 'hello expected first');
    helloSeen = true;
    clearTimeout(helloTimer);
    void onHello(core, socket, d.msg).then(
      (s) => {
        if (!s) return;
        session = s;
        for (const m of queued.splice(0)) handle(core, s, m);
      },
      () => refuse(1011, 'internal error'),
    );
  });

  socket.on('close', () => {
    clearTimeout(helloTimer);
    const s = session;
    if (!s || s.socket !== socket) return;
    s.socket = null;
    core.persist(s);
    // Its assignments wait for it to come back (a network blip) before they are reassigned.
    for (const a of core.assignments.values()) {
      if (a.workerId !== s.id || a.settled || a.lostTimer) continue;
      a.lostTimer = setTimeout(
        () => core.lose(a, `worker ${s.name} lost`),
        core.opts.reconnectGraceMs ?? 5_000,
      );
    }
    core.changed(s);
  });
  socket.on('error', () => undefined);
}

async function onHello(core: HubCore, socket: WebSocket, hello: HelloMessage): Promise<Session | null> {
  if (hello.protocol !== WORKER_PROTOCOL_VERSION) {
    socket.close(
      WORKER_CLOSE.version,
      `protocol ${hello.protocol} not supported (this server speaks ${WORKER_PROTOCOL_VERSION})`,
    );
    return null;
  }
  let s: Session | undefined;
  let key: string;
  if (hello.workerKey) {
    key = hello.workerKey;
    const h = sha256Hex(key);
    s = [...core.sessions.values()].find((x) => x.keyHash === h);
    if (!s) {
      // A restarted control plane knows its workers from the store.
      const rec = (await core.opts.store.listWorkers()).find((w) => w.keyHash === h);
      if (rec) {
        s = { ...rec, capabilities: hello.capabilities, stats: null, socket: null };
        core.sessions.set(s.id, s);
      }
    }
  } else if (hello.token) {
    const h = sha256Hex(hello.token);
    const id = `w-${randomBytes(5).toString('hex')}`;
    // One use only: two hellos racing with the same token are serialised here.
    if (core.consuming.has(h)) return refuseAuth(socket);
    core.consuming.add(h);
    const rec = await core.opts.store.consumeJoinToken(h, id).finally(() => core.consuming.delete(h));
    if (!rec) return refuseAuth(socket);
    key = newSecret('aima_wk_');
    const now = Date.now();
    s = {
      id,
      name: hello.name,
      keyHash: sha256Hex(key),
      instanceId: rec.instanceId,
      rented: rec.rented,
      createdAt: now,
      capabilities: hello.capabilities,
      stats: null,
      lastSeen: now,
      socket: null,
    };
    core.sessions.set(id, s);
  } else {
    key = '';
  }
  if (!s) return refuseAuth(socket);
  if (socket.readyState !== socket.OPEN) return null;
  const old = s.socket;
  s.socket = socket;
  if (old) old.close(WORKER_CLOSE.disconnected, 'replaced by a new connection');
  s.name = hello.name;
  s.capabilities = hello.capabilities;
  s.lastSeen = Date.now();
  core.send(s, { type: 'welcome', workerId: s.id, workerKey: key });
  reattach(core, s, hello.running);
  core.persist(s);
  core.changed(s);
  return s;
}

function refuseAuth(socket: WebSocket): null {
  socket.close(4401, 'join token unknown, used or expired');
  return null;
}

// What the worker still runs continues; ours that it no longer runs are lost now; theirs that we
// no longer track (reassigned meanwhile) are cancelled there.
function reattach(core: HubCore, s: Session, running: HelloMessage['running']): void {
  const theirs = new Map(running.map((r) => [r.assignmentId, r.attempt]));
  for (const a of core.assignments.values()) {
    if (a.workerId !== s.id || a.settled) continue;
    if (theirs.get(a.id) === a.attempt) {
      if (a.lostTimer) clearTimeout(a.lostTimer);
      a.lostTimer = null;
      // A watch change while it was away was not delivered: it gets the state now.
      if (s.capabilities.previews && a.opts.watch) {
        core.send(s, { type: 'watch', assignmentId: a.id, on: a.opts.watch.watched });
      }
    } else core.lose(a, `worker ${s.name} came back without assignment ${a.id}`);
  }
  for (const id of theirs.keys()) {
    const a = core.assignments.get(id);
    if (!a || a.settled || a.workerId !== s.id) core.send(s, { type: 'cancel', assignmentId: id });
  }
}

function handle(core: HubCore, s: Session, msg: WorkerMessage): void {
  s.lastSeen = Date.now();
  if (msg.type === 'hello') return void s.socket?.close(WORKER_CLOSE.protocol, 'hello twice');
  if (msg.type === 'heartbeat') {
    s.stats = msg.stats;
    core.changed(s);
    return;
  }
  const a = core.assignments.get(msg.assignmentId);
  if (msg.type === 'rpc') {
    void core.rpc.handle(s.id, a, msg).then((r) => core.send(s, { type: 'rpc-result', id: msg.id, ...r }));
    return;
  }
  // Anything of an attempt that is over (or of another worker) is late: ignored.
  if (!a || a.settled || a.workerId !== s.id) return;
  const o = a.opts;
  switch (msg.type) {
    case 'progress':
      if ((msg.progress as JobProgress).totalMs === null && a.opts.source.kind !== 'file') a.stream = true;
      o.onProgress?.(msg.progress as JobProgress);
      return;
    case 'event':
      core.opts.onHopLatency?.(performance.timeOrigin + performance.now() - msg.sentAt);
      dispatchEvent(o, msg);
      return;
    case 'frame': {
      const { type: _t, assignmentId: _a, faces, ...p } = msg;
      o.onPreview?.({ ...p, faces: faces as LiveFace[] });
      return;
    }
    case 'done':
      a.settled = true;
      a.resolve(msg.summary as AnalysisSummary);
      return;
    case 'failed':
      a.settled = true;
      a.reject(Object.assign(new Error(msg.message), { code: msg.code, exitCode: 1, remote: true }));
      return;
  }
}

function dispatchEvent(o: ExecuteOptions, msg: Extract<WorkerMessage, { type: 'event' }>): void {
  const data = msg.data as never;
  switch (msg.kind) {
    case 'analysis':
      return o.onEvent?.(data);
    case 'live-state':
      return o.onLiveState?.(data);
    case 'analyzer-live':
      return o.onAnalyzerLive?.(msg.analyzer ?? '', data);
    case 'analyzer-failure':
      return o.onAnalyzerFailure?.(data);
  }
}
