// The source guard: decides, before anything connects or opens, whether a source may be used.
// A worker on a rented GPU box that fetches http://169.254.169.254/ hands out the box's cloud
// credentials; a shared install that opens /etc/shadow or a LAN address serves its host's secrets.
// The control plane checks on add, the worker again before decoding (the name may resolve
// differently there).
import dns from 'node:dns/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { IngestError } from '../errors.ts';
import { parseSource, redactUrl } from '../source.ts';
import type { SourceRef } from '../types.ts';
import { ALWAYS_REFUSED, classifyAddress, parseAllowList, type AddressCategory } from './address.ts';
import { sourceHost } from './host.ts';
import { checkPath } from './paths.ts';

export type SourcePolicy = 'self-hosted' | 'public-only';

export interface SourceGuardOptions {
  /** AIMA_SOURCE_POLICY (default self-hosted): public-only also refuses loopback/private/CGNAT/ULA. */
  readonly policy: SourcePolicy;
  /** AIMA_SOURCE_ALLOW: CIDRs/IPs an admin allow-listed (not honoured for target 'rented'). */
  readonly allow?: readonly string[];
  /** Where server-side files may be; null = unrestricted (the user's own CLI). */
  readonly mediaRoots: readonly string[] | null;
  /** Every address of `host`; default dns.lookup({ all: true }). Injected in tests. */
  readonly resolve?: (host: string, signal?: AbortSignal) => Promise<string[]>;
}

export interface CheckedSource {
  readonly source: SourceRef;
  /** The addresses checked (empty for files and image folders). */
  readonly addresses: readonly string[];
}

export interface CheckOptions {
  /** 'rented': a worker on a rented GPU box; only public addresses pass there. Default 'local'. */
  readonly target?: 'local' | 'rented';
  readonly signal?: AbortSignal;
}

export interface SourceGuard {
  /**
   * Resolves and checks before any connection. Throws IngestError INGEST_SOURCE_BLOCKED /
   * INGEST_PATH_OUTSIDE_ROOTS (and parseSource's INGEST_UNSUPPORTED_URL / INGEST_FILE_NOT_FOUND,
   * INGEST_UNREACHABLE when the name does not resolve, INGEST_ABORTED).
   */
  check(input: string, opts?: CheckOptions): Promise<CheckedSource>;
}

/** Same test as parseSource: a scheme followed by `://` makes a URL, anything else is a path. */
const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;
/** A name that does not resolve in this long is unreachable (dns.lookup itself has no deadline). */
const RESOLVE_TIMEOUT_MS = 10_000;

const WHY: Readonly<Record<AddressCategory, string>> = {
  public: 'a public',
  loopback: 'a loopback',
  private: 'a private-network',
  cgnat: 'a carrier-grade NAT',
  ula: 'a unique-local IPv6',
  reserved: 'a reserved',
  'link-local': 'a link-local (cloud metadata)',
  multicast: 'a multicast',
  unspecified: 'an unspecified',
  broadcast: 'a broadcast',
};

export function createSourceGuard(opts: SourceGuardOptions): SourceGuard {
  // Malformed entries are a configuration error: fail at start, not on the first source.
  const allow = parseAllowList(opts.allow ?? []);
  const resolve = opts.resolve ?? lookupAll;
  const roots = opts.mediaRoots === null ? null : opts.mediaRoots.map((r) => path.resolve(r));

  /** Why `address` may not be used, or null when it may. */
  const refusal = (address: string, target: 'local' | 'rented'): string | null => {
    const category = classifyAddress(address) ?? 'unspecified';
    // A rented box's private networks are the provider's, not the user's: the allow-list, written
    // for the control plane's network, does not apply there.
    if (target === 'rented') return category === 'public' ? null : `${WHY[category]} address (rented worker)`;
    if (allow.has(address)) return null;
    if (ALWAYS_REFUSED.has(category)) return `${WHY[category]} address`;
    if (category !== 'public' && opts.policy === 'public-only') {
      return `${WHY[category]} address (policy public-only)`;
    }
    return null;
  };

  return {
    async check(input, checkOpts = {}) {
      const target = checkOpts.target ?? 'local';
      const signal = checkOpts.signal;
      throwIfAborted(signal, input);
      const trimmed = input.trim();
      const scheme = SCHEME.exec(trimmed)?.[1]?.toLowerCase();

      if (scheme === undefined || scheme === 'file') {
        const abs = scheme === 'file' ? filePath(trimmed) : path.resolve(trimmed);
        // Roots first: whether a file outside exists is none of the caller's business.
        if (roots !== null) await checkPath(abs, roots);
        return Object.freeze({ source: parseSource(abs), addresses: Object.freeze([]) });
      }

      const source = parseSource(trimmed);
      const host = sourceHost(source);
      const literal = classifyAddress(host) !== null;
      const addresses = literal ? [host] : await resolveWithin(resolve, host, source, signal);
      for (const address of addresses) {
        const why = refusal(address, target);
        if (why !== null) {
          throw new IngestError(
            'INGEST_SOURCE_BLOCKED',
            `source ${source.display} refused: ${literal ? 'it is' : 'its host resolves to'} ${why}`,
          );
        }
      }
      return Object.freeze({ source, addresses: Object.freeze([...addresses]) });
    },
  };
}

function filePath(url: string): string {
  try {
    return fileURLToPath(url);
  } catch (err) {
    throw new IngestError('INGEST_UNSUPPORTED_URL', `malformed file URL ${redactUrl(url)}`, { cause: err });
  }
}

function throwIfAborted(signal: AbortSignal | undefined, input: string): void {
  if (signal?.aborted) throw new IngestError('INGEST_ABORTED', `check of ${redactUrl(input.trim())} aborted`);
}

/** Resolves with a deadline and the caller's signal; no address at all is unreachable too. */
async function resolveWithin(
  resolve: NonNullable<SourceGuardOptions['resolve']>,
  host: string,
  source: SourceRef,
  signal: AbortSignal | undefined,
): Promise<string[]> {
  const deadline = AbortSignal.timeout(RESOLVE_TIMEOUT_MS);
  const both = signal ? AbortSignal.any([signal, deadline]) : deadline;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(both.reason);
    both.addEventListener('abort', onAbort, { once: true });
  });
  let addresses: string[];
  try {
    addresses = await Promise.race([resolve(host, both), aborted]);
  } catch (err) {
    if (signal?.aborted) throw new IngestError('INGEST_ABORTED', `check of ${source.display} aborted`);
    throw new IngestError('INGEST_UNREACHABLE', `cannot resolve the host of ${source.display}`, {
      cause: err,
    });
  } finally {
    if (onAbort) both.removeEventListener('abort', onAbort);
  }
  if (addresses.length === 0) {
    throw new IngestError('INGEST_UNREACHABLE', `the host of ${source.display} has no address`);
  }
  return addresses;
}

async function lookupAll(host: string): Promise<string[]> {
  const found = await dns.lookup(host, { all: true, verbatim: true });
  return found.map((a) => a.address);
}
