// Tests that name addresses outside 127.0.0.0/8 (a cloud metadata address, a LAN camera) to prove
// they are refused must never reach them, even if the code under test were broken. These wrap
// net.Socket.prototype.connect and child_process.spawn so that a connection or a process aimed at
// anything but loopback throws before a packet is sent; loopback passes through unchanged.
import type { spawn as Spawn } from 'node:child_process';
import net from 'node:net';

/**
 * Every destination a wrapper below refused, in this process. A refusal may be swallowed by the
 * code under test (a retry loop, a catch-all); the network guard fails the test anyway.
 */
export const refusals: string[] = [];

function refuse(what: string): Error {
  refusals.push(what);
  return new Error(`test network guard: ${what} was refused (loopback only)`);
}

/** 127.0.0.0/8, ::1, IPv4-mapped loopback and the name localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return net.isIPv4(v4) && v4.startsWith('127.');
}

/** The host a Socket#connect call aims at (null for a Unix socket path). */
function connectHost(args: unknown[]): string | null {
  // net.connect() hands the socket its normalised arguments as one array: [options, callback].
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  if (typeof first === 'string') return null;
  if (typeof first === 'number') return typeof args[1] === 'string' ? args[1] : 'localhost';
  const o = (first ?? {}) as { host?: string; path?: string };
  if (o.path !== undefined) return null;
  return o.host ?? 'localhost';
}

type Connect = typeof net.Socket.prototype.connect;

/** A Socket#connect that refuses every destination outside loopback. */
export function loopbackConnect(real: Connect): Connect {
  return function (this: net.Socket, ...args: unknown[]) {
    const host = connectHost(args);
    if (host !== null && !isLoopbackHost(host)) throw refuse(`a connection to ${host}`);
    return (real as (...a: unknown[]) => net.Socket).apply(this, args);
  } as Connect;
}

/** A spawn that refuses a process given a URL whose host is outside loopback. */
export function loopbackSpawn(real: typeof Spawn): typeof Spawn {
  return ((command: string, args?: readonly string[], ...rest: unknown[]) => {
    for (const arg of Array.isArray(args) ? args : []) {
      for (const m of String(arg).matchAll(/[a-z][a-z0-9+.-]*:\/\/[^\s'"]+/gi)) {
        let host: string;
        try {
          host = new URL(m[0]).hostname;
        } catch {
          throw new Error(`test network guard: ${command} was given an unparsable URL`);
        }
        if (m[0].startsWith('file:')) continue;
        if (!isLoopbackHost(host)) throw refuse(`${command} aimed at ${host}`);
      }
    }
    return (real as (...a: unknown[]) => ReturnType<typeof Spawn>)(command, args, ...rest);
  }) as typeof Spawn;
}
