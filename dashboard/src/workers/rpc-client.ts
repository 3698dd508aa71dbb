import type { RpcMessage } from '@aima/inference';
import { DashboardError } from '../errors.ts';

interface Pending {
  readonly msg: RpcMessage;
  resolve(v: unknown): void;
  reject(e: Error): void;
}

export interface RpcClient {
  /** Sends a call and resolves with its result; waits while `maxInFlight` calls are unanswered. */
  call(msg: Omit<RpcMessage, 'type' | 'id'>): Promise<unknown>;
  /** An rpc-result arrived. */
  settle(id: number, r: { ok: boolean; value?: unknown; code?: string; message?: string }): void;
  /** After a reconnect: sends every unanswered call again, in order (writes keep their seq). */
  resend(): void;
  /** Fails the calls of one assignment (it was cancelled or is over). */
  failAssignment(assignmentId: string, err: Error): void;
  readonly inFlight: number;
}

/**
 * The worker's side of the store/persons RPC. Backpressure: at most `maxInFlight` calls wait for
 * their answers; further calls wait their turn, so the analysis job's batch writers back up (files
 * slow down, live sources drop frames as they already do when the store is slow). While the socket
 * is down, unanswered calls stay and are resent after the reconnect; the control plane applies a
 * resent write once (by assignment, attempt and seq).
 */
export function createRpcClient(send: (msg: RpcMessage) => void, maxInFlight = 32): RpcClient {
  const pending = new Map<number, Pending>();
  const waiting: Array<() => void> = [];
  let nextId = 0;

  const release = (): void => waiting.shift()?.();

  return {
    async call(body) {
      while (pending.size >= maxInFlight) await new Promise<void>((r) => waiting.push(r));
      const msg: RpcMessage = { type: 'rpc', id: ++nextId, ...body };
      return new Promise((resolve, reject) => {
        pending.set(msg.id, { msg, resolve, reject });
        send(msg);
      });
    },
    settle(id, r) {
      const p = pending.get(id);
      if (!p) return;
      pending.delete(id);
      release();
      if (r.ok) p.resolve(r.value);
      else {
        const code = r.code ?? 'WORKER_FAILED';
        // Our own codes keep their class (so errorFields keeps the code on the source row).
        const err = code.startsWith('WORKER_')
          ? new DashboardError(code as 'WORKER_FAILED', r.message ?? code)
          : Object.assign(new Error(r.message ?? code), { code, exitCode: 1 });
        p.reject(err);
      }
    },
    resend() {
      for (const p of [...pending.values()].sort((a, b) => a.msg.id - b.msg.id)) send(p.msg);
    },
    failAssignment(assignmentId, err) {
      for (const [id, p] of pending) {
        if (p.msg.assignmentId !== assignmentId) continue;
        pending.delete(id);
        release();
        p.reject(err);
      }
    },
    get inFlight() {
      return pending.size;
    },
  };
}
