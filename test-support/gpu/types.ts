// Public types of the GPU provider emulators (RunPod REST v2, Vast.ai). Self-contained on purpose:
// test-support is type-checked inside several packages, so nothing here imports a package.

/** What the boot hook gets: the instance as the worker inside it would see it. */
export interface EmuBootInstance {
  readonly id: string;
  readonly label: string;
  readonly env: Readonly<Record<string, string>>;
}

/** A running "box". The emulator calls kill() on terminate, on an injected death and on close(). */
export interface EmuBooted {
  kill(): Promise<void>;
  /** Optional: settles when the process ends by itself; the instance then dies (ERROR / exited). */
  readonly exited?: Promise<unknown>;
}

export type EmuBootHook = (instance: EmuBootInstance) => Promise<EmuBooted>;

/** One fault served instead of the normal answer. */
export type HttpFault =
  /** 429; RunPod sends `Retry-After: retryAfterS` when given, Vast never does. */
  | { readonly kind: 'rate-limit'; readonly retryAfterS?: number }
  /** A 5xx with the provider's error body shape. */
  | { readonly kind: 'server-error'; readonly status?: number }
  /** Destroy the socket before the request has any effect. */
  | { readonly kind: 'drop' }
  /** Apply the request, then destroy the socket before answering (the ambiguous case). */
  | { readonly kind: 'drop-after' }
  /** Answer normally but only after `ms` (a slow or hanging API: client timeouts). */
  | { readonly kind: 'delay'; readonly ms: number }
  /** Create only: RunPod 400 "no capacity", Vast 410 no_such_ask. */
  | { readonly kind: 'no-capacity' }
  /** RunPod 402 / Vast 402-like insufficient credit. */
  | { readonly kind: 'insufficient-funds' };

export interface FaultRule {
  readonly fault: HttpFault;
  /** HTTP method to match (default any). */
  readonly method?: string;
  /** Matched against the path without the query, e.g. /^\/v2\/pods$/ (default any). */
  readonly path?: RegExp;
  /** How many matching requests get the fault (default 1; Infinity for all). */
  readonly times?: number;
}

/** Seeded random HTTP faults for fault runs: each request gets one with probability `rate`. */
export interface RandomFaults {
  readonly rate: number;
  readonly seed: number;
  /** Default: rate-limit (1 s on RunPod), server-error, drop. */
  readonly faults?: readonly HttpFault[];
  /** Only these methods (default all). */
  readonly methods?: readonly string[];
}

/** Behaviour of the next created instance(s). */
export interface InstanceFaults {
  /** Stays PROVISIONING / loading forever (never calls onBoot). */
  readonly neverRunning?: boolean;
  /** Extra boot time in ms on top of the emulator's bootDelayMs ("slow boot"). */
  readonly extraBootDelayMs?: number;
  /** Dies this many ms after it became running (status ERROR / exited, boot process killed). */
  readonly dieAfterMs?: number;
  /** Lie: reports running and bills, but onBoot is never called (the worker never joins). */
  readonly runningWithoutBoot?: boolean;
  /** Lie: the first N terminate calls answer success but change nothing (still running, still billing). */
  readonly ignoreTerminates?: number;
}

export interface RequestLogEntry {
  /** Wall clock (Date.now()) when the request arrived: use to measure client waits. */
  readonly at: number;
  readonly method: string;
  /** Path with query. */
  readonly url: string;
  readonly status: number;
  /** Fault served, if any. */
  readonly fault?: HttpFault['kind'];
}

/** What the test accessors report about one instance (alive or gone). */
export interface EmuInstanceView {
  readonly id: string;
  readonly label: string;
  /** Provider status string now ('TERMINATED' / 'destroyed' once gone). */
  readonly status: string;
  /** false once terminated/destroyed. */
  readonly exists: boolean;
  /** True while its boot process runs. */
  readonly processAlive: boolean;
  readonly env: Readonly<Record<string, string>>;
  readonly pricePerHour: number;
  readonly createdAt: number;
  readonly startedAt: number | null;
  readonly endedAt: number | null;
  readonly billedUsd: number;
}

export interface EmulatorBaseOptions {
  /** The valid key (default 'emu-key-' + random). Any other bearer → 401. */
  readonly apiKey?: string;
  /** Keys that authenticate but are refused (403). */
  readonly forbiddenKeys?: readonly string[];
  /** Called when an instance becomes running; default: no process. */
  readonly onBoot?: EmuBootHook;
  /** The emulator's clock in epoch ms (billing, startedAt). Default Date.now. */
  readonly now?: () => number;
  /** Real ms from create to running (default 150). */
  readonly bootDelayMs?: number;
  /** Real ms after running before ports are mapped (default 50). */
  readonly portDelayMs?: number;
  /** Seed for ids and random faults (default 1). */
  readonly seed?: number;
}

export interface GpuEmulator {
  /** Base URL to hand to the client as `baseUrl`. */
  readonly url: string;
  readonly apiKey: string;
  /** Every request, oldest first (bounded to the last 10 000). */
  readonly requests: readonly RequestLogEntry[];
  /** Queue a fault rule (rules are consumed in order, first match wins). */
  injectFault(rule: FaultRule): void;
  /** Seeded random faults for every later request; null turns them off. */
  setRandomFaults(r: RandomFaults | null): void;
  /** Faults applied to every instance created from now on (replaces the previous setting). */
  setInstanceFaults(f: InstanceFaults): void;
  /** Boots a pending instance now, even one held by `neverRunning` (deterministic tests). */
  bootNow(id: string): void;
  /** The instance dies now: status ERROR (RunPod) / offline (Vast), boot process killed. */
  killInstance(id: string): Promise<void>;
  /** Every instance ever created, gone ones included. */
  instances(): EmuInstanceView[];
  /** Instances that still exist (not terminated): orphans if the test expected none. */
  liveInstances(): EmuInstanceView[];
  billedUsd(id: string): number;
  totalBilledUsd(): number;
  /** Stops the server and kills every boot process. Idempotent. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}
