// This installation's id: the tag `aima-<id>-<job>` on every rented instance, so the orphan sweep
// only ever touches instances this installation created (two installations may share an account).
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

const VALID = /^[a-z0-9]{1,32}$/;

/** AIMA_INSTALLATION_ID when given; else the id stored in `<dataDir>/installation-id`, created once. */
export async function loadOrCreateInstallationId(dataDir: string, fromEnv: string | null): Promise<string> {
  if (fromEnv !== null && VALID.test(fromEnv)) return fromEnv;
  const file = path.join(dataDir, 'installation-id');
  const saved = (await readFile(file, 'utf8').catch(() => '')).trim();
  if (VALID.test(saved)) return saved;
  const id = randomBytes(6).toString('hex');
  await mkdir(dataDir, { recursive: true });
  // 'wx': two processes starting at once must not each write their own id; the loser reads.
  try {
    await writeFile(file, `${id}\n`, { flag: 'wx' });
    return id;
  } catch {
    const other = (await readFile(file, 'utf8')).trim();
    return VALID.test(other) ? other : id;
  }
}
