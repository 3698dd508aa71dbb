import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The real inputs of job items that carry credentials (stream URLs with userinfo or tokens in the
 * query): kept out of ClickHouse, the API and the logs, in `<dataDir>/secrets/job-inputs.json`
 * (0600, folder 0700), keyed by job id and item index, replaced atomically. An item's stored
 * `input` is '' exactly when its input is here.
 */
export interface JobInputVault {
  get(jobId: string, index: number): Promise<string | null>;
  setAll(jobId: string, inputs: ReadonlyMap<number, string>): Promise<void>;
  /** Forgets a job's inputs (it finished or was cancelled: nothing will read them again). */
  deleteJob(jobId: string): Promise<void>;
}

type Data = Record<string, Record<string, string>>;

export function createJobInputVault(dataDir: string): JobInputVault {
  const dir = path.join(dataDir, 'secrets');
  const file = path.join(dir, 'job-inputs.json');
  let cache: Data | null = null;
  // Serialised: two updates never interleave their read-modify-write.
  let chain: Promise<unknown> = Promise.resolve();

  const load = async (): Promise<Data> => {
    if (cache) return cache;
    try {
      const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
      cache = parsed !== null && typeof parsed === 'object' ? (parsed as Data) : {};
    } catch {
      cache = {};
    }
    return cache;
  };
  const update = (fn: (d: Data) => boolean): Promise<void> => {
    const next = chain.then(async () => {
      const d = await load();
      if (!fn(d)) return;
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify(d), { mode: 0o600 });
      await rename(tmp, file);
    });
    chain = next.catch(() => undefined);
    return next;
  };

  return {
    async get(jobId, index) {
      await chain;
      return (await load())[jobId]?.[String(index)] ?? null;
    },
    setAll: (jobId, inputs) =>
      update((d) => {
        if (inputs.size === 0) return false;
        d[jobId] = Object.fromEntries([...inputs].map(([i, v]) => [String(i), v]));
        return true;
      }),
    deleteJob: (jobId) =>
      update((d) => {
        if (!(jobId in d)) return false;
        delete d[jobId];
        return true;
      }),
  };
}
