// The test network guard itself (test-support/network-guard.ts, a setup file of every test
// project): sockets and name lookups that would leave 127.0.0.0/8 throw before anything is sent,
// and loopback keeps working. No packet leaves the machine here: every refusal happens in-process.
import dns from 'node:dns';
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusals } from '../../test-support/loopback-only.ts';

let server: net.Server;
let port = 0;
let accepted = 0;
beforeAll(async () => {
  server = net.createServer((s) => {
    accepted++;
    s.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(() => new Promise((r) => server.close(r)));

/** The refusals a step caused, taken out so the guard's own afterEach does not fail the test. */
function refusedBy(step: () => unknown): string[] {
  refusals.splice(0);
  try {
    step();
  } catch {
    // the guard throws; what it recorded is the answer
  }
  return refusals.splice(0);
}

describe('test network guard', () => {
  it('refuses sockets to private, link-local and public addresses before connecting', () => {
    for (const host of [
      '10.0.0.1',
      '169.254.169.254',
      '192.168.1.20',
      '8.8.8.8',
      '::ffff:10.0.0.1',
      'fd00::1',
    ]) {
      const sockets: net.Socket[] = [];
      expect(
        refusedBy(() => sockets.push(net.connect({ host, port: 80 }))),
        host,
      ).toEqual([`a connection to ${host}`]);
      expect(sockets).toEqual([]);
    }
    expect(refusedBy(() => net.connect(80, 'camera.example'))).toEqual(['a connection to camera.example']);
  });

  it('refuses name lookups (the resolver is not on loopback) and every resolve*()', async () => {
    expect(refusedBy(() => dns.lookup('camera.example', () => undefined))).toEqual([
      'a lookup of camera.example',
    ]);
    refusals.splice(0);
    await expect(lookup('metadata.test')).rejects.toThrow(/refused/);
    await expect(dns.promises.resolve4('localhost')).rejects.toThrow(/no DNS in tests/);
    expect(refusals.splice(0)).toEqual(['a lookup of metadata.test', 'dns.resolve4(localhost)']);
  });

  it('lets loopback through: sockets to 127.0.0.1 and lookups of localhost and IP literals', async () => {
    await new Promise<void>((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve();
      });
      s.on('error', reject);
    });
    expect((await lookup('localhost')).address).toMatch(/^(127\.|::1$)/);
    expect((await lookup('10.0.0.1')).address).toBe('10.0.0.1'); // a literal: no query is sent
    await expect.poll(() => accepted).toBe(1);
    expect(refusals).toEqual([]);
  });
});
