import type { ModelSession } from '../ort/session.ts';
import type { Profile } from './profile.ts';

/**
 * The same shared session, with each run's core time charged to `stage` (the analyzer that
 * ran it): the worker thread's CPU during the run.
 */
export function chargedSession(s: ModelSession, profile: Profile, stage: string): ModelSession {
  return {
    get label() {
      return s.label;
    },
    get inputs() {
      return s.inputs;
    },
    get outputs() {
      return s.outputs;
    },
    get executionProviders() {
      return s.executionProviders;
    },
    get inFlight() {
      return s.inFlight;
    },
    get closed() {
      return s.closed;
    },
    async run(feeds, opts) {
      const r = await s.run(feeds, opts);
      profile.add(stage, modelCoreMs(r));
      return r;
    },
    close: () => s.close(),
    [Symbol.asyncDispose]: () => s.close(),
  };
}

/** A run's core time: the worker thread's CPU where the OS reports it, else its wall time. */
export function modelCoreMs(r: { readonly runMs: number; readonly cpuMs: number }): number {
  return r.cpuMs > 0 ? r.cpuMs : r.runMs;
}
