import { execFile } from 'node:child_process';
import os from 'node:os';
import type { WorkerStats } from '@aima/inference';

interface GpuSample {
  readonly name: string;
  readonly memoryMb: number;
  readonly utilization: number;
  readonly memoryUsedMb: number;
  readonly temperatureC: number;
}

/**
 * One nvidia-smi reading of the first GPU, or null where there is none (no binary, no driver, an
 * error): a CPU box is a normal worker. nvidia-smi's CSV is converted to our type here.
 */
export function readGpu(bin = 'nvidia-smi', timeoutMs = 3000): Promise<GpuSample | null> {
  return new Promise((resolve) => {
    execFile(
      bin,
      [
        '--query-gpu=name,memory.total,utilization.gpu,memory.used,temperature.gpu',
        '--format=csv,noheader,nounits',
      ],
      { timeout: timeoutMs },
      (err, stdout) => {
        if (err) return resolve(null);
        resolve(parseNvidiaSmi(String(stdout)));
      },
    );
  });
}

/** The first line of nvidia-smi's `--format=csv,noheader,nounits` output for our query. */
export function parseNvidiaSmi(text: string): GpuSample | null {
  const line = text.split('\n').find((l) => l.trim() !== '');
  if (!line) return null;
  const [name, total, util, used, temp] = line.split(',').map((s) => s.trim());
  const num = (s: string | undefined): number => {
    const n = Number(s);
    return Number.isFinite(n) ? n : 0;
  };
  if (!name) return null;
  return {
    name,
    memoryMb: num(total),
    utilization: num(util),
    memoryUsedMb: num(used),
    temperatureC: num(temp),
  };
}

export async function readStats(assignments: number, bin?: string): Promise<WorkerStats> {
  const gpu = await readGpu(bin);
  const cpus = Math.max(1, os.cpus().length);
  return {
    gpu: gpu
      ? {
          utilization: gpu.utilization,
          memoryUsedMb: gpu.memoryUsedMb,
          memoryTotalMb: gpu.memoryMb,
          temperatureC: gpu.temperatureC,
        }
      : null,
    cpuLoad: (os.loadavg()[0] ?? 0) / cpus,
    assignments,
  };
}
