// The source guard end to end: policies, targets, the allow-list, names resolving to several
// addresses, media roots with symlinks and `..`; and proof that a refusal comes before any
// connection: a counting TCP server on 127.0.0.1 sees nothing and no socket is ever opened.
// Made-up names go through an injected resolver only: no DNS query leaves this machine.
import child_process from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loopbackConnect, loopbackSpawn } from '../../test-support/loopback-only.ts';
import { createSourceGuard, type SourceGuardOptions } from '../index.ts';

const NAMES: Readonly<Record<string, string[]>> = {
  'metadata.test': ['169.254.169.254'],
  'split.test': ['93.184.216.34', '169.254.169.254'], // one public, one metadata address
  'local.test': ['127.0.0.1'],
  'lan.test': ['192.168.1.20', 'fd00::20'],
  'public.test': ['93.184.216.34', '2606:4700:4700::1111'],
  'mapped.test': ['::ffff:169.254.169.254'],
};
const lookups: string[] = [];
const resolve = async (host: string): Promise<string[]> => {
  lookups.push(host);
  const found = NAMES[host];
  if (!found) throw Object.assign(new Error(`ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  return found;
};
const guard = (o: Partial<SourceGuardOptions> = {}) =>
  createSourceGuard({ policy: 'self-hosted', mediaRoots: null, resolve, ...o });

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'accepted';
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}

let server: net.Server;
let port = 0;
let connections = 0;
const realSpawn = child_process.spawn;
const realConnect = net.Socket.prototype.connect;
// Spies that also refuse anything aimed outside loopback: a broken guard fails the test, it never
// sends a packet to the addresses named here.
const connectSpy = vi.spyOn(net.Socket.prototype, 'connect').mockImplementation(loopbackConnect(realConnect));
const spawnSpy = vi.spyOn(child_process, 'spawn').mockImplementation(loopbackSpawn(realSpawn));

beforeAll(async () => {
  syncBuiltinESMExports(); // the spawn spy reaches `import { spawn } from 'node:child_process'` too
  server = net.createServer((s) => {
    connections++;
    s.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  vi.restoreAllMocks();
  syncBuiltinESMExports();
});
afterEach(() => {
  lookups.length = 0;
});

describe('refusal before any connection', () => {
  it('refuses names resolving to metadata, mixed, or loopback-under-public-only addresses', async () => {
    connectSpy.mockClear();
    spawnSpy.mockClear();
    const strict = guard({ policy: 'public-only' });
    const cases: Array<[ReturnType<typeof guard>, string]> = [
      [guard(), `http://metadata.test:${port}/latest/meta-data/`],
      [guard(), `rtsp://user:secret@split.test:${port}/x`],
      [guard(), `http://mapped.test:${port}/`],
      [strict, `rtsp://local.test:${port}/x`],
      [strict, `rtsp://127.0.0.1:${port}/x`],
      [strict, `rtmp://[::ffff:127.0.0.1]:${port}/live`],
      [guard(), `srt://0.0.0.0:${port}`],
      [guard(), `http://[::]:${port}/`],
    ];
    for (const [g, url] of cases) {
      const err = await g.check(url).catch((e: unknown) => e as Error & { code: string });
      expect(err, url).toMatchObject({ code: 'INGEST_SOURCE_BLOCKED' });
      expect((err as Error).message).not.toContain('secret');
    }
    expect(connectSpy).not.toHaveBeenCalled();
    expect(spawnSpy).not.toHaveBeenCalled();
    expect(connections).toBe(0);

    // The counter works: the same server, reached on purpose, counts one connection.
    const ok = await guard().check(`rtsp://local.test:${port}/x`);
    expect(ok.addresses).toEqual(['127.0.0.1']);
    await new Promise<void>((r, j) => net.connect(port, '127.0.0.1', r).on('error', j));
    await vi.waitFor(() => expect(connections).toBe(1));
    expect(connectSpy).toHaveBeenCalled(); // and the spy sees real connects
  });

  it('names the category and never the credentials', async () => {
    const err = await guard()
      .check('rtsp://admin:hunter2@169.254.169.254/stream?token=abc')
      .catch((e: Error) => e);
    expect((err as Error).message).toMatch(/link-local \(cloud metadata\) address/);
    expect((err as Error).message).toContain('rtsp://***@169.254.169.254/stream?token=***');
    expect((err as Error).message).not.toMatch(/admin|hunter2|abc/);
  });

  it('checks literals without any lookup', async () => {
    const g = guard();
    for (const url of [
      'http://2852039166/',
      'http://0xa9.0xfe.0xa9.0xfe/',
      'http://[::ffff:169.254.169.254]/',
    ])
      expect(await codeOf(g.check(url)), url).toBe('INGEST_SOURCE_BLOCKED');
    expect(await g.check('rtsp://192.168.1.20:554/x')).toMatchObject({ addresses: ['192.168.1.20'] });
    expect(lookups).toEqual([]);
  });
});

describe('policies and targets', () => {
  it('self-hosted allows loopback and LAN, refuses always-refused ranges', async () => {
    const g = guard();
    expect(await codeOf(g.check('rtsp://lan.test/x'))).toBe('accepted');
    expect(await codeOf(g.check('http://localhost.test.invalid/x'))).toBe('INGEST_UNREACHABLE');
    for (const url of ['udp://224.0.0.1:5000', 'http://255.255.255.255/', 'rtsp://[fe80::1]/x'])
      expect(await codeOf(g.check(url)), url).toMatch(/INGEST_SOURCE_BLOCKED|INGEST_UNSUPPORTED_URL/);
    expect(await codeOf(g.check('rtsp://224.0.0.1:5000/x'))).toBe('INGEST_SOURCE_BLOCKED');
    expect(await codeOf(g.check('http://public.test/a.m3u8'))).toBe('accepted');
  });

  it('public-only refuses every non-public address; rented refuses them whatever the policy', async () => {
    const strict = guard({ policy: 'public-only' });
    for (const url of ['rtsp://lan.test/x', 'http://100.64.1.1/', 'http://[fd00::1]/', 'http://198.18.0.1/'])
      expect(await codeOf(strict.check(url)), url).toBe('INGEST_SOURCE_BLOCKED');
    expect(await codeOf(strict.check('https://public.test/v.mp4'))).toBe('accepted');

    const g = guard({ allow: ['192.168.1.0/24', 'fd00::/8', '169.254.169.254'] });
    expect(await codeOf(g.check('rtsp://lan.test/x'))).toBe('accepted');
    const rented = (url: string) => g.check(url, { target: 'rented' });
    expect(await codeOf(rented('rtsp://lan.test/x'))).toBe('INGEST_SOURCE_BLOCKED');
    expect(await codeOf(rented('rtsp://127.0.0.1/x'))).toBe('INGEST_SOURCE_BLOCKED');
    expect(await codeOf(rented('http://169.254.169.254/'))).toBe('INGEST_SOURCE_BLOCKED');
    expect(await codeOf(rented('https://public.test/v.mp4'))).toBe('accepted');
  });

  it('the allow-list lifts the always-refused ranges and public-only for its addresses', async () => {
    const g = guard({ policy: 'public-only', allow: ['169.254.10.0/24', '10.1.2.3'] });
    expect(await codeOf(g.check('http://169.254.10.7/x'))).toBe('accepted');
    expect(await codeOf(g.check('http://[::ffff:169.254.10.7]/x'))).toBe('accepted');
    expect(await codeOf(g.check('http://169.254.169.254/x'))).toBe('INGEST_SOURCE_BLOCKED');
    expect(await codeOf(g.check('rtsp://10.1.2.3/x'))).toBe('accepted');
    expect(await codeOf(g.check('rtsp://10.1.2.4/x'))).toBe('INGEST_SOURCE_BLOCKED');
    expect(() => guard({ allow: ['not-an-ip'] })).toThrow(/not an IP address or CIDR/);
  });

  it('keeps parseSource errors, resolves with the default resolver, and honours abort', async () => {
    expect(await codeOf(guard().check('gopher://h/x'))).toBe('INGEST_UNSUPPORTED_URL');
    // `localhost` comes from /etc/hosts: the default resolver, no packet leaves the machine.
    const real = createSourceGuard({ policy: 'self-hosted', mediaRoots: null });
    expect((await real.check(`rtsp://localhost:${port}/x`)).addresses).toContain('127.0.0.1');
    const ac = new AbortController();
    const hanging = createSourceGuard({
      policy: 'self-hosted',
      mediaRoots: null,
      resolve: () => new Promise(() => {}),
    });
    const p = hanging.check('rtsp://slow.test/x', { signal: ac.signal });
    ac.abort();
    expect(await codeOf(p)).toBe('INGEST_ABORTED');
    expect(await codeOf(hanging.check('rtsp://slow.test/x', { signal: ac.signal }))).toBe('INGEST_ABORTED');
  });
});

describe('media roots', () => {
  let dir: string;
  let root: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'aima-guard-'));
    root = path.join(dir, 'media');
    await mkdir(path.join(root, 'photos'), { recursive: true });
    await mkdir(path.join(root, '.hidden'), { recursive: true });
    await writeFile(path.join(root, 'clip.mp4'), 'x');
    await writeFile(path.join(root, '.hidden', 'a.mp4'), 'x');
    await writeFile(path.join(dir, 'outside.mp4'), 'x');
    await symlink('/etc/passwd', path.join(root, 'passwd.mp4'));
    await symlink('/etc', path.join(root, 'etc-dir'));
    await symlink(path.join(dir, 'outside.mp4'), path.join(root, 'escape.mp4'));
    await symlink(path.join(dir, 'nowhere.mp4'), path.join(root, 'dangling.mp4'));
    await symlink(path.join(root, 'clip.mp4'), path.join(dir, 'into-root.mp4'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('accepts files and image folders inside a root, by path or file URL', async () => {
    const g = guard({ mediaRoots: [root] });
    expect((await g.check(path.join(root, 'clip.mp4'))).source).toMatchObject({ kind: 'file' });
    expect((await g.check(`file://${root}/clip.mp4`)).source.input).toBe(path.join(root, 'clip.mp4'));
    expect((await g.check(path.join(root, 'photos'))).source).toMatchObject({ kind: 'images' });
    expect((await g.check(root)).source.kind).toBe('images');
    // A link from outside into the root opens a file inside it.
    expect(await codeOf(g.check(path.join(dir, 'into-root.mp4')))).toBe('accepted');
    expect(await codeOf(g.check(path.join(root, 'missing.mp4')))).toBe('INGEST_FILE_NOT_FOUND');
  });

  it('refuses escapes, symlinks out, hidden entries and the system trees', async () => {
    const g = guard({ mediaRoots: [root] });
    for (const p of [
      '/etc/shadow',
      path.join(root, '..', 'outside.mp4'),
      `${root}/photos/../../outside.mp4`,
      path.join(root, 'passwd.mp4'),
      path.join(root, 'etc-dir', 'passwd'),
      path.join(root, 'escape.mp4'),
      path.join(root, 'dangling.mp4'),
      path.join(root, '.hidden', 'a.mp4'),
      `file://${root}/../outside.mp4`,
    ])
      expect(await codeOf(g.check(p)), p).toBe('INGEST_PATH_OUTSIDE_ROOTS');
  });

  it('refuses every path with no roots at all (a rented worker takes URLs only)', async () => {
    const g = guard({ mediaRoots: [] });
    expect(await codeOf(g.check(path.join(root, 'clip.mp4'), { target: 'rented' }))).toBe(
      'INGEST_PATH_OUTSIDE_ROOTS',
    );
  });

  it('says nothing about whether a file outside the roots exists', async () => {
    const g = guard({ mediaRoots: [root] });
    expect(await codeOf(g.check(path.join(dir, 'outside.mp4')))).toBe('INGEST_PATH_OUTSIDE_ROOTS');
    expect(await codeOf(g.check(path.join(dir, 'no-such.mp4')))).toBe('INGEST_PATH_OUTSIDE_ROOTS');
    expect(await codeOf(g.check('/no/such/dir/x.mp4'))).toBe('INGEST_PATH_OUTSIDE_ROOTS');
  });

  it('refuses /etc, /proc, /sys and /dev even under a root of /', async () => {
    const g = guard({ mediaRoots: ['/'] });
    for (const p of ['/etc/passwd', '/proc/self/environ', '/sys/kernel', '/dev/zero', '/proc/../etc/hosts'])
      expect(await codeOf(g.check(p)), p).toBe('INGEST_PATH_OUTSIDE_ROOTS');
    expect(await codeOf(g.check(path.join(root, 'clip.mp4')))).toBe('accepted');
    expect(await codeOf(g.check(path.join(root, 'passwd.mp4')))).toBe('INGEST_PATH_OUTSIDE_ROOTS');
  });

  it('leaves paths unrestricted with mediaRoots null (the user’s own CLI)', async () => {
    const g = guard();
    expect(await codeOf(g.check(path.join(dir, 'outside.mp4')))).toBe('accepted');
    expect(await codeOf(g.check('/etc/passwd'))).toBe('accepted');
  });
});
