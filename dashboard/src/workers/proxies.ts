import type { Store } from '@aima/storage';
import { DashboardError } from '../errors.ts';
import type { PersonsService } from '../persons/service.ts';
import { isWrite, type RpcTarget } from './policy.ts';
import type { RpcClient } from './rpc-client.ts';

/** The assignment a proxy speaks for: its calls carry it, its writes get seq 1, 2, 3... */
export interface ProxyContext {
  readonly assignmentId: string;
  readonly attempt: number;
  seq: number;
}

const refuse = (what: string): never => {
  throw new DashboardError('WORKER_RPC_REFUSED', `${what} is not available on a worker`);
};

const caller =
  (rpc: RpcClient, ctx: ProxyContext, target: RpcTarget, method: string) =>
  (...args: unknown[]): Promise<unknown> => {
    // AbortSignals cannot travel (the codec drops them); the control plane call runs to its end.
    const write = isWrite(target, method);
    return rpc.call({
      assignmentId: ctx.assignmentId,
      attempt: ctx.attempt,
      target,
      method,
      args,
      ...(write ? { seq: ++ctx.seq } : {}),
    });
  };

/**
 * A Store whose every method is a call to the control plane's store (which allows only what an
 * analysis job needs, for its own source). Lifecycle methods are local no-ops: the control plane
 * owns its store.
 */
export function remoteStore(rpc: RpcClient, ctx: ProxyContext | null): Store {
  return new Proxy({} as Store, {
    get(_t, prop) {
      if (prop === 'kind') return 'server';
      if (prop === 'closed') return false;
      if (prop === 'close' || prop === Symbol.asyncDispose) return async () => undefined;
      if (prop === 'then' || typeof prop !== 'string') return undefined;
      if (!ctx) return () => refuse(`store.${prop} outside an assignment`);
      return caller(rpc, ctx, 'store', prop);
    },
  });
}

/**
 * The persons service of the control plane, as faces need it: assign() is a call; the live-overlay
 * lookups (match, nameOf) are synchronous and answer "unknown" here, because the gallery stays on
 * the control plane (a worker never holds the installation's face embeddings).
 */
export function remotePersons(
  rpc: RpcClient,
  ctx: ProxyContext | null,
  thresholds: PersonsService['thresholds'],
): PersonsService {
  const no = (what: string) => async (): Promise<never> => refuse(`persons.${what}`);
  return {
    thresholds,
    assign: ctx
      ? (caller(rpc, ctx, 'persons', 'assign') as PersonsService['assign'])
      : no('assign outside an assignment'),
    match: () => null,
    nameOf: () => '',
    rename: no('rename'),
    merge: no('merge'),
    split: no('split'),
    move: no('move'),
    undoAuto: no('undoAuto'),
    confirm: no('confirm'),
    reject: no('reject'),
    reload: async () => undefined,
  };
}
