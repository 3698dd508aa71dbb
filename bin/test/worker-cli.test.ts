import { mkdtemp } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
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

  it('a control plane that cannot be reached is WORKER_UNAVAILABLE, naming the URL without credentials', async () => {
    const port = await closedPort();
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'aima-worker-cli-'));
    const r = await aima(
      [
        'worker',
        '--server',
        `http://admin:hunter2secret@127.0.0.1:${port}`,
        '--token',
        'aima_jt_' + 'x'.repeat(20),
      ],
      { AIMA_DATA_DIR: dataDir, AIMA_OFFLINE: '1', AIMA_JOIN_TOKEN: '' },
      60_000,
    );
    expect(r.code).toBe(5);
    const last = r.stderr.trim().split('\n').at(-1)!;
    expect(last).toBe(
      `aima: WORKER_UNAVAILABLE: cannot reach the control plane at http://127.0.0.1:${port} (ECONNREFUSED)`,
    );
    expect(r.stderr).not.toContain('WORKER_TOKEN_INVALID');
    expect(r.stderr).not.toContain('hunter2secret');
    expect(r.stderr).not.toContain('x'.repeat(20));
  });

  it('an explicit 4401 refusal stays WORKER_TOKEN_INVALID', async () => {
    // A bare WebSocket endpoint on 127.0.0.1 that refuses every hello as the hub does.
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    wss.on('connection', (ws) =>
      ws.on('message', () => ws.close(4401, 'join token unknown, used or expired')),
    );
    await new Promise((r) => wss.once('listening', r));
    const { port } = wss.address() as net.AddressInfo;
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'aima-worker-cli-'));
    try {
      const r = await aima(
        ['worker', '--server', `http://127.0.0.1:${port}`, '--token', 'aima_jt_' + 'y'.repeat(20)],
        { AIMA_DATA_DIR: dataDir, AIMA_OFFLINE: '1', AIMA_JOIN_TOKEN: '' },
        60_000,
      );
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('WORKER_TOKEN_INVALID');
      expect(r.stderr).toContain('join token unknown');
      expect(r.stderr).not.toContain('WORKER_UNAVAILABLE');
    } finally {
      await new Promise((r) => wss.close(r));
    }
  });
});
