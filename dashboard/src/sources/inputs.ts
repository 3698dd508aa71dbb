import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The real inputs of sources whose stored address is redacted (stream URLs with credentials or
 * tokens), so a live source can come back after a restart. Kept out of ClickHouse, the API and the
 * logs: one JSON file under `<dataDir>/secrets`, readable by the owner only (0600), replaced
 * atomically. Inputs that equal their redacted display are not kept (nothing secret to remember).
 */
export interface InputVault {
  get(sourceId: string): Promise<string | null>;
  set(sourceId: string, input: string, display: string): Promise<void>;
  delete(sourceId: string): Promise<void>;
}

/** One installation has few sources; a vault beyond this many entries refuses new ones. */
const MAX_ENTRIES = 10_000;

export function createInputVault(dataDir: string): InputVault {
  const dir = path.join(dataDir, 'secrets');
  const file = path.join(dir, 'source-inputs.json');
  let cache: Map<string, string> | null = null;
  // Writes are serialised so two updates never interleave their read-modify-write.
  let chain: Promise<unknown> = Promise.resolve();

  const load = async (): Promise<Map<string, string>> => {
    if (cache) return cache;
    try {
      const parsed = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
      cache = new Map(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'));
    } catch {
      cache = new Map();
    }
    return cache;
  };
  const save = async (m: Map<string, string>): Promise<void> => {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(Object.fromEntries(m)), { mode: 0o600 });
    await rename(tmp, file);
  };
  const update = (fn: (m: Map<string, string>) => boolean): Promise<void> => {
    const next = chain.then(async () => {
      const m = await load();
      if (fn(m)) await save(m);
    });
    chain = next.catch(() => undefined);
    return next;
  };

  return {
    async get(id) {
      await chain;
      return (await load()).get(id) ?? null;
    },
    set: (id, input, display) =>
      update((m) => {
        if (input === display) return m.delete(id);
        if (!m.has(id) && m.size >= MAX_ENTRIES) return false;
        m.set(id, input);
        return true;
      }),
    delete: (id) => update((m) => m.delete(id)),
  };
}
