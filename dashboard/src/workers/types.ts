import type { WorkerCapabilities, WorkerStats } from '@aima/inference';
import type { Executor } from '../sources/executor.ts';

/** A worker as the API and the GPU pool see it (no key, no token). */
export interface WorkerView {
  readonly id: string;
  readonly name: string;
  /** The GPU pool instance whose join token it used, or null. */
  readonly instanceId: string | null;
  /** On a rented instance: never gets loopback/private sources. */
  readonly rented: boolean;
  readonly state: 'online' | 'offline';
  readonly capabilities: WorkerCapabilities;
  readonly stats: WorkerStats | null;
  readonly lastSeen: number;
  /** Assignments it runs now. */
  readonly assignments: number;
}

/** The control plane's side of the inference workers (design.md contract). */
export interface WorkerHub {
  createJoinToken(opts?: {
    ttlMs?: number;
    instanceId?: string;
    rented?: boolean;
  }): Promise<{ token: string; expiresAt: number }>;
  workers(): readonly WorkerView[];
  onChange(l: (w: WorkerView) => void): () => void;
  /** A remote-capable executor: honours Placement, reassigns on worker loss. */
  executor(local: Executor | null): Executor;
  disconnect(workerId: string): void;
  close(): Promise<void>;
}
