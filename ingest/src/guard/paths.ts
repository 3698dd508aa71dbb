// Server-side file paths: only inside the media roots, judged on the real path (symlinks and `..`
// resolved), never under the system's pseudo and configuration trees. The verdict is reached
// before anyone checks that the file exists, so a refusal says nothing about files outside.
import fs from 'node:fs/promises';
import path from 'node:path';
import { IngestError } from '../errors.ts';

/** Refused even when a root contains them (a root of `/`, say). */
export const FORBIDDEN_TREES: readonly string[] = Object.freeze(['/etc', '/proc', '/sys', '/dev']);

/**
 * The real path of `abs` as far as it exists: the deepest existing ancestor is realpath'd and the
 * missing rest appended (a missing component cannot be a symlink). An ancestor that exists but
 * cannot be resolved (a dangling or looping symlink, no permission) yields null: not provable.
 */
export async function realPathOf(abs: string): Promise<string | null> {
  const missing: string[] = [];
  let cur = path.resolve(abs);
  for (;;) {
    try {
      return path.join(await fs.realpath(cur), ...missing);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') return null;
      // ENOENT from a symlink whose target is missing: the link exists, its target is unknown.
      if (await exists(cur)) return null;
    }
    const parent = path.dirname(cur);
    if (parent === cur) return null;
    missing.unshift(path.basename(cur));
    cur = parent;
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.lstat(p);
    return true;
  } catch {
    return false;
  }
}

export function isInside(child: string, root: string): boolean {
  const rel = path.relative(root, child);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

function forbidden(p: string): boolean {
  return FORBIDDEN_TREES.some((t) => isInside(p, t));
}

/** Resolves the roots once per check (they may be created or re-linked while the server runs). */
async function realRoots(roots: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const r of roots) {
    const real = await realPathOf(r);
    if (real !== null) out.push(real);
  }
  return out;
}

/**
 * Throws INGEST_PATH_OUTSIDE_ROOTS unless `abs` (absolute, lexically normalised) really lies inside
 * one of `roots` and outside FORBIDDEN_TREES. Hidden entries (a component starting with `.` below
 * the root: ~/.ssh, ~/.aws, the data directory's token) are refused too.
 */
export async function checkPath(abs: string, roots: readonly string[]): Promise<void> {
  const refuse = (): never => {
    throw new IngestError('INGEST_PATH_OUTSIDE_ROOTS', `path ${abs} is outside the media roots`);
  };
  if (forbidden(abs)) refuse();
  const real = await realPathOf(abs);
  if (real === null || forbidden(real)) return refuse();
  const ok = (await realRoots(roots)).some(
    (root) =>
      isInside(real, root) &&
      !path
        .relative(root, real)
        .split(path.sep)
        .some((part) => part.startsWith('.')),
  );
  if (!ok) refuse();
}
