// Shared bits of the provider client tests: a real "GPU box" process per instance, polling, and a
// check that a pid is really gone.
import { processBoot } from '../../test-support/gpu/index.ts';
import type { BootedChild, EmuBootHook } from '../../test-support/gpu/index.ts';
import type { GpuProvider, InstanceState, ProviderInstance } from '../index.ts';

/** A boot hook that spawns `node -e "setInterval(...)"` and records each child. */
export function trivialBoxes(): { hook: EmuBootHook; children: BootedChild[] } {
  const children: BootedChild[] = [];
  const hook = processBoot({
    command: () => [process.execPath, '-e', 'setInterval(() => {}, 1000)'],
    graceMs: 500,
    onSpawn: (c) => children.push(c),
  });
  return { hook, children };
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls get() until `done(inst)` (10 s limit: the machine may be loaded); returns the raw statuses seen. */
async function waitFor(
  p: GpuProvider,
  id: string,
  done: (i: ProviderInstance) => boolean,
  what: string,
): Promise<{ inst: ProviderInstance; seen: string[] }> {
  const seen: string[] = [];
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const inst = await p.get(id);
    if (inst !== null) {
      if (seen[seen.length - 1] !== inst.rawStatus) seen.push(inst.rawStatus);
      if (done(inst)) return { inst, seen };
    }
    await sleep(15);
  }
  throw new Error(`instance ${id} not ${what} after 10 s (seen ${seen.join(' → ')})`);
}

export const waitState = (p: GpuProvider, id: string, want: InstanceState) =>
  waitFor(p, id, (i) => i.state === want, want);

export const waitRaw = (p: GpuProvider, id: string, raw: string) =>
  waitFor(p, id, (i) => i.rawStatus === raw, raw);

/** Awaits a rejection and returns it (fails if it resolves). */
export async function rejection(p: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await p;
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}
