// Instance lifecycle and per-second billing shared by both emulators. Status transitions run on
// real timers (boot delays are short in tests); billing and timestamps use the injectable clock, so
// a test can advance "time" and check the bill exactly. Provider modules map phases to their own
// status strings and wire shapes.
import type { EmuBootHook, EmuBooted, EmuInstanceView, InstanceFaults } from './types.ts';

export type Phase = 'provisioning' | 'starting' | 'running' | 'exited' | 'failed' | 'terminated';

export interface Instance<X> {
  readonly id: string;
  readonly label: string;
  readonly env: Readonly<Record<string, string>>;
  /** USD/h billed while running (RunPod cost; Vast dph_base). */
  readonly runRatePerHour: number;
  /** USD/h billed for every second the instance exists (Vast disk); 0 for RunPod. */
  readonly existRatePerHour: number;
  readonly extra: X;
  phase: Phase;
  portsReady: boolean;
  readonly createdAt: number;
  startedAt: number | null;
  /** When running stopped (died, exited, terminated). */
  runEndedAt: number | null;
  terminatedAt: number | null;
  proc: EmuBooted | null;
  ignoreTerminatesLeft: number;
  readonly faults: InstanceFaults;
  readonly timers: Set<NodeJS.Timeout>;
}

export interface LifecycleOptions {
  readonly onBoot?: EmuBootHook;
  readonly now: () => number;
  readonly bootDelayMs: number;
  readonly portDelayMs: number;
  /** Bill existRatePerHour only while running (default false: for as long as it exists). */
  readonly existRateOnlyWhileRunning?: boolean;
}

/** Whole seconds, rounded up: a started second is billed (Vast: "deleting after 10 min bills 10 min"). */
const billSeconds = (ms: number): number => Math.max(0, Math.ceil(ms / 1000 - 1e-9));

export function createLifecycle<X>(opts: LifecycleOptions) {
  const all = new Map<string, Instance<X>>();
  let faults: InstanceFaults = {};
  const pendingKills = new Set<Promise<void>>();
  let closed = false;

  const later = (inst: Instance<X>, ms: number, fn: () => void): void => {
    const t = setTimeout(() => {
      inst.timers.delete(t);
      fn();
    }, ms);
    inst.timers.add(t);
  };

  const stopProc = (inst: Instance<X>): Promise<void> => {
    const p = inst.proc;
    inst.proc = null;
    if (p === null) return Promise.resolve();
    const k = p.kill().catch(() => undefined);
    pendingKills.add(k);
    void k.finally(() => pendingKills.delete(k));
    return k;
  };

  const endRun = (inst: Instance<X>, phase: Phase): Promise<void> => {
    if (inst.phase === 'running') inst.runEndedAt = opts.now();
    inst.phase = phase;
    for (const t of inst.timers) clearTimeout(t);
    inst.timers.clear();
    return stopProc(inst);
  };

  const becomeRunning = (inst: Instance<X>): void => {
    inst.phase = 'running';
    inst.startedAt = opts.now();
    later(inst, opts.portDelayMs, () => (inst.portsReady = true));
    const die = inst.faults.dieAfterMs;
    if (die !== undefined) later(inst, die, () => void endRun(inst, 'failed'));
  };

  const boot = async (inst: Instance<X>): Promise<void> => {
    if (inst.phase !== 'starting') return;
    if (inst.faults.runningWithoutBoot === true || opts.onBoot === undefined) {
      becomeRunning(inst);
      return;
    }
    let proc: EmuBooted;
    try {
      proc = await opts.onBoot({ id: inst.id, label: inst.label, env: inst.env });
    } catch {
      if (inst.phase === 'starting') inst.phase = 'failed';
      return;
    }
    if (inst.phase !== 'starting' || closed) {
      // Terminated while booting: the box must not outlive its instance.
      const k = proc.kill().catch(() => undefined);
      pendingKills.add(k);
      void k.finally(() => pendingKills.delete(k));
      return;
    }
    inst.proc = proc;
    becomeRunning(inst);
    void proc.exited?.then(() => {
      if (inst.proc === proc && inst.phase === 'running') void endRun(inst, 'exited');
    });
  };

  return {
    setFaults(f: InstanceFaults): void {
      faults = { ...f };
    },
    create(spec: {
      id: string;
      label: string;
      env: Readonly<Record<string, string>>;
      runRatePerHour: number;
      existRatePerHour: number;
      extra: X;
    }): Instance<X> {
      const inst: Instance<X> = {
        ...spec,
        phase: 'provisioning',
        portsReady: false,
        createdAt: opts.now(),
        startedAt: null,
        runEndedAt: null,
        terminatedAt: null,
        proc: null,
        ignoreTerminatesLeft: faults.ignoreTerminates ?? 0,
        faults,
        timers: new Set(),
      };
      all.set(inst.id, inst);
      const delay = opts.bootDelayMs + (faults.extraBootDelayMs ?? 0);
      later(inst, Math.floor(delay / 2), () => (inst.phase = 'starting'));
      if (faults.neverRunning !== true) later(inst, delay, () => void boot(inst));
      return inst;
    },
    /** Boots a provisioning/starting instance now (also one held by neverRunning). */
    bootNow(inst: Instance<X>): void {
      if (inst.phase !== 'provisioning' && inst.phase !== 'starting') return;
      for (const t of inst.timers) clearTimeout(t);
      inst.timers.clear();
      inst.phase = 'starting';
      void boot(inst);
    },
    get: (id: string): Instance<X> | undefined => all.get(id),
    /** Instances that still exist, in creation order. */
    live: (): Instance<X>[] => [...all.values()].filter((i) => i.phase !== 'terminated'),
    all: (): Instance<X>[] => [...all.values()],
    /** 'ignored' when a lying-terminate fault swallowed the call. */
    async terminate(inst: Instance<X>): Promise<'done' | 'ignored' | 'gone'> {
      if (inst.phase === 'terminated') return 'gone';
      if (inst.ignoreTerminatesLeft > 0) {
        inst.ignoreTerminatesLeft -= 1;
        return 'ignored';
      }
      inst.terminatedAt = opts.now();
      await endRun(inst, 'terminated');
      return 'done';
    },
    kill: (inst: Instance<X>): Promise<void> =>
      inst.phase === 'terminated' ? Promise.resolve() : endRun(inst, 'failed'),
    billedUsd(inst: Instance<X>): number {
      const now = opts.now();
      let usd = 0;
      if (inst.startedAt !== null) {
        usd += (inst.runRatePerHour * billSeconds((inst.runEndedAt ?? now) - inst.startedAt)) / 3600;
      }
      if (inst.existRatePerHour > 0 && opts.existRateOnlyWhileRunning === true) {
        if (inst.startedAt !== null) {
          usd += (inst.existRatePerHour * billSeconds((inst.runEndedAt ?? now) - inst.startedAt)) / 3600;
        }
      } else if (inst.existRatePerHour > 0) {
        usd += (inst.existRatePerHour * billSeconds((inst.terminatedAt ?? now) - inst.createdAt)) / 3600;
      }
      return usd;
    },
    view(inst: Instance<X>, status: string, pricePerHour: number): EmuInstanceView {
      return {
        id: inst.id,
        label: inst.label,
        status,
        exists: inst.phase !== 'terminated',
        processAlive: inst.proc !== null,
        env: inst.env,
        pricePerHour,
        createdAt: inst.createdAt,
        startedAt: inst.startedAt,
        endedAt: inst.runEndedAt,
        billedUsd: this.billedUsd(inst),
      };
    },
    async close(): Promise<void> {
      closed = true;
      await Promise.all([...all.values()].map((i) => (i.phase === 'terminated' ? null : endRun(i, i.phase))));
      await Promise.all([...pendingKills]);
    },
  };
}

export type Lifecycle<X> = ReturnType<typeof createLifecycle<X>>;
