// Vitest setup for every test file: nothing in a test process may reach outside 127.0.0.0/8.
// Sockets aimed elsewhere throw before they connect, and so do name lookups of anything but
// localhost: this machine's resolver is not on loopback, so even a DNS query for a made-up name
// would send a packet out. A refusal fails the test even when the code under test swallowed it.
// Child processes (ffmpeg, aima serve/worker) are not covered here; tests that name outside
// addresses also spy on spawn (loopback-only.ts).
import dns from 'node:dns';
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';
import { afterEach } from 'vitest';
import { isLoopbackHost, loopbackConnect, refusals } from './loopback-only.ts';

/** IP literals need no query (a socket to one is judged by the connect wrapper); names only localhost. */
const lookupAllowed = (host: unknown): boolean =>
  typeof host === 'string' && (net.isIP(host.replace(/^\[|\]$/g, '')) !== 0 || isLoopbackHost(host));

type Fn = (...args: unknown[]) => unknown;

function guardLookup(target: Record<string, unknown>, promise: boolean): void {
  const real = target.lookup as Fn;
  target.lookup = function (this: unknown, host: unknown, ...rest: unknown[]) {
    if (!lookupAllowed(host)) {
      refusals.push(`a lookup of ${String(host)}`);
      const err = new Error(`test network guard: a lookup of ${String(host)} was refused (loopback only)`);
      if (promise) return Promise.reject(err);
      throw err;
    }
    return real.call(this, host, ...rest);
  };
}

// resolve*() always asks the configured nameserver: refused whatever the name.
const RESOLVERS = ['resolve', 'resolve4', 'resolve6', 'resolveAny', 'resolveCname', 'resolveMx',
  'resolveNaptr', 'resolveNs', 'resolvePtr', 'resolveSoa', 'resolveSrv', 'resolveTxt', 'resolveCaa', 'reverse']; // prettier-ignore

function guardResolvers(target: Record<string, unknown>, promise: boolean): void {
  for (const name of RESOLVERS) {
    if (typeof target[name] !== 'function') continue;
    target[name] = (host: unknown) => {
      refusals.push(`dns.${name}(${String(host)})`);
      const err = new Error(`test network guard: dns.${name}(${String(host)}) was refused (no DNS in tests)`);
      if (promise) return Promise.reject(err);
      throw err;
    };
  }
}

net.Socket.prototype.connect = loopbackConnect(net.Socket.prototype.connect);
guardLookup(dns as unknown as Record<string, unknown>, false);
guardLookup(dns.promises as unknown as Record<string, unknown>, true);
guardResolvers(dns as unknown as Record<string, unknown>, false);
guardResolvers(dns.promises as unknown as Record<string, unknown>, true);
guardResolvers(dns.Resolver.prototype as unknown as Record<string, unknown>, false);
guardResolvers(dns.promises.Resolver.prototype as unknown as Record<string, unknown>, true);
syncBuiltinESMExports(); // `import { lookup } from 'node:dns'` sees the guarded functions too

afterEach(() => {
  const seen = refusals.splice(0);
  if (seen.length > 0) throw new Error(`the test tried to leave loopback: ${seen.join('; ')}`);
});
