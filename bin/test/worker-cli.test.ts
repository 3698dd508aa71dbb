import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { aima } from './cli-helpers.ts';

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

describe('aima worker (CLI)', () => {
  it('needs --server and --token', async () => {
    const r = await aima(['worker'], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('usage: aima worker');
  });

  it('worker token: a server that is not there is a coded error', async () => {
    const port = await closedPort();
    const r = await aima(['worker', 'token', '--server', `http://127.0.0.1:${port}`, '--json'], {
      AIMA_TOKEN: 'test-token-0123456789abcdef',
    });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('CLI_SERVER_UNREACHABLE');
    expect(r.stderr).not.toContain('test-token');
  });

  it('refuses a bad server URL by flag name', async () => {
    const r = await aima(['worker', '--server', 'not a url', '--token', 'x'.repeat(20)], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--server');
  });
});
