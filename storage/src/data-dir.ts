import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { StoreError } from './errors.ts';

/**
 * Creates `dir` if missing and proves it writable by writing and removing a probe file. Runs
 * before chDB sees the path: the engine may abort the whole process on a directory it cannot
 * use, where we can still throw a clear STORE_DATA_DIR_UNWRITABLE. Returns the absolute path.
 */
export async function ensureWritableDir(dir: string): Promise<string> {
  const abs = path.resolve(dir);
  const fail = (why: string, cause: unknown): StoreError =>
    new StoreError('STORE_DATA_DIR_UNWRITABLE', `data directory ${abs} is not writable: ${why}`, { cause });
  try {
    await mkdirp(abs);
  } catch (e) {
    throw fail(reason(e, 'cannot create it'), e);
  }
  try {
    await access(abs, constants.W_OK | constants.X_OK);
  } catch (e) {
    throw fail(reason(e, 'no write permission'), e);
  }
  // access() says yes to root on a read-only mount and on /proc-like trees; a real write does not.
  const probe = path.join(abs, `.aima-write-probe-${process.pid}-${randomUUID()}`);
  try {
    await writeFile(probe, 'ok');
  } catch (e) {
    throw fail(reason(e, 'cannot write a file in it'), e);
  } finally {
    await rm(probe, { force: true }).catch(() => undefined);
  }
  return abs;
}

// Not `mkdir(…, { recursive: true })`: Node 20's recursive mkdir spins forever on paths like
// /proc/x, where mkdir keeps answering ENOENT although the parent exists. One level at a time,
// every failure surfaces.
async function mkdirp(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let p = dir; ; p = path.dirname(p)) {
    try {
      const st = await stat(p);
      if (!st.isDirectory())
        throw Object.assign(new Error(`${p} is not a directory`), { code: p === dir ? 'EEXIST' : 'ENOTDIR' });
      break;
    } catch (e) {
      if ((e as { code?: unknown }).code !== 'ENOENT' || path.dirname(p) === p) throw e;
      missing.push(p);
    }
  }
  for (const d of missing.reverse()) {
    try {
      await mkdir(d);
    } catch (e) {
      if ((e as { code?: unknown }).code !== 'EEXIST') throw e; // a concurrent opener made it
    }
  }
}

function reason(e: unknown, fallback: string): string {
  const code = (e as { code?: unknown }).code;
  switch (code) {
    case 'ENOTDIR':
      return 'a parent path is not a directory';
    case 'EEXIST':
      return 'it exists and is not a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'read-only file system';
    case 'ENOSPC':
      return 'no space left on device';
    default:
      return typeof code === 'string' ? `${fallback} (${code})` : fallback;
  }
}
