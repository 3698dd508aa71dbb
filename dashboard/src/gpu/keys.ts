// Provider API keys: from the environment (RUNPOD_API_KEY, VAST_API_KEY) or set on the settings
// page, which writes `<dataDir>/secrets/gpu-keys.json` with mode 0600. A key set there wins over
// the environment (it is the later, explicit choice); null removes it again. Keys are never logged,
// returned or put in an error message: callers only learn whether one is set.
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { ProviderName } from '@aima/inference';

export type KeyedProvider = Exclude<ProviderName, 'local'>;
export const KEYED_PROVIDERS: readonly KeyedProvider[] = ['runpod', 'vastai'];

const FileSchema = z.object({ runpod: z.string().min(1).optional(), vastai: z.string().min(1).optional() });

export interface GpuKeyStore {
  get(provider: KeyedProvider): string | null;
  /** Which providers have a key (the only thing the API ever says about keys). */
  status(): Record<KeyedProvider, boolean>;
  /** A string sets, null removes the settings-page key (the environment's then applies again). */
  set(keys: Partial<Record<KeyedProvider, string | null>>): Promise<void>;
}

export function gpuKeysFile(dataDir: string): string {
  return path.join(dataDir, 'secrets', 'gpu-keys.json');
}

/** Opens the key store; an unreadable or malformed file counts as empty (the env still applies). */
export async function openGpuKeyStore(opts: {
  readonly dataDir: string;
  readonly env?: Partial<Record<KeyedProvider, string | undefined>>;
}): Promise<GpuKeyStore> {
  const file = gpuKeysFile(opts.dataDir);
  let saved: Partial<Record<KeyedProvider, string>> = {};
  try {
    const parsed = FileSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
    if (parsed.success) saved = parsed.data;
  } catch {
    // No file yet (or unreadable): only the environment's keys.
  }
  const env = opts.env ?? {};
  const get = (p: KeyedProvider): string | null => saved[p] ?? (env[p] || null);
  return {
    get,
    status: () => ({ runpod: get('runpod') !== null, vastai: get('vastai') !== null }),
    async set(keys) {
      const next = { ...saved };
      for (const p of KEYED_PROVIDERS) {
        const v = keys[p];
        if (v === null) delete next[p];
        else if (v !== undefined) next[p] = v;
      }
      const dir = path.dirname(file);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      // Written to a temp file created 0600, then renamed: the key is never world-readable.
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify(next), { mode: 0o600 });
      await chmod(tmp, 0o600);
      await rename(tmp, file);
      saved = next;
    },
  };
}
