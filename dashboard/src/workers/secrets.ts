import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

// Join tokens, worker keys and signed file URLs. Tokens and keys are 32 random bytes; only their
// sha256 is stored. A signed URL names what it grants (assignment, file) and when it expires, and
// carries an HMAC of that under a per-process secret: nothing to look up, nothing to leak.

/** 32 random bytes; the prefix names what it is (and keeps it from starting with '-' on a command line). */
export const newSecret = (prefix = ''): string => prefix + randomBytes(32).toString('base64url');
export const sha256Hex = (s: string): string => createHash('sha256').update(s).digest('hex');

export interface FileGrant {
  readonly assignmentId: string;
  readonly path: string;
  readonly expiresAt: number;
}

const mac = (secret: Buffer, g: FileGrant): Buffer =>
  // 128 bits are plenty for a 10-minute grant, and keep the URL under Fastify's 100-char param limit.
  createHmac('sha256', secret)
    .update(`${g.assignmentId}\n${g.path}\n${g.expiresAt}`)
    .digest()
    .subarray(0, 16);

/**
 * The URL-safe signature part of `/api/v1/workers/files/:sig`: assignment, expiry and an HMAC over
 * them and the file path (the path itself is not in the URL: the assignment names it).
 */
export function signGrant(secret: Buffer, g: FileGrant): string {
  return `${g.assignmentId}.${g.expiresAt.toString(36)}.${mac(secret, g).toString('base64url')}`;
}

/** The grant a signature carries for `pathOf(assignmentId)`, or null: forged, malformed or expired. */
export function verifyGrant(
  secret: Buffer,
  sig: string,
  pathOf: (assignmentId: string) => string | null,
  now = Date.now(),
): FileGrant | null {
  const [assignmentId, exp, given, extra] = sig.split('.');
  if (!assignmentId || !exp || !given || extra !== undefined) return null;
  const expiresAt = parseInt(exp, 36);
  const file = pathOf(assignmentId);
  if (!file || !(expiresAt > now)) return null;
  const g = { assignmentId, path: file, expiresAt };
  const expected = mac(secret, g);
  const got = Buffer.from(given, 'base64url');
  return got.length === expected.length && timingSafeEqual(got, expected) ? g : null;
}
