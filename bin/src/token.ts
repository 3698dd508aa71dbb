import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The API token: AIMA_TOKEN when set; else the one generated on the first start and kept in
 * <dataDir>/token (mode 0600). `generated` is true only the time it was created, so it is
 * printed once and never again.
 */
export async function loadOrCreateToken(
  dataDir: string,
  fromEnv: string | undefined,
): Promise<{ token: string; generated: boolean }> {
  if (fromEnv) return { token: fromEnv, generated: false };
  const file = path.join(dataDir, 'token');
  const existing = await readFile(file, 'utf8').catch(() => null);
  if (existing && existing.trim().length >= 16) return { token: existing.trim(), generated: false };
  const token = randomBytes(24).toString('base64url');
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, token + '\n', { mode: 0o600 });
  return { token, generated: true };
}
