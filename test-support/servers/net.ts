// Ports on 127.0.0.1 for the test servers.
import dgram from 'node:dgram';
import net from 'node:net';

export const HOST = '127.0.0.1';

/** A port that is free right now for TCP (and, with `udp`, for UDP too: srt runs over UDP). */
export async function freePort(opts: { udp?: boolean } = {}): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await freeTcpPort();
    if (!opts.udp || (await udpFree(port))) return port;
  }
  throw new Error('no free port found on 127.0.0.1');
}

function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, HOST, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Can we bind this UDP port? (false also tells that a server has bound it). */
export function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = dgram.createSocket('udp4');
    sock.once('error', () => {
      sock.close();
      resolve(false);
    });
    sock.bind(port, HOST, () => sock.close(() => resolve(true)));
  });
}

/** Resolves once something accepts TCP connections on the port; rejects after `timeoutMs`. */
export async function waitForTcp(port: number, timeoutMs: number, alive?: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await canConnect(port)) return;
    if (alive && !alive()) throw new Error(`nothing listens on ${HOST}:${port}: the server exited`);
    if (Date.now() > deadline) throw new Error(`nothing listens on ${HOST}:${port} after ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** Resolves once the UDP port is bound by someone; rejects after `timeoutMs`. */
export async function waitForUdp(port: number, timeoutMs: number, alive?: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!(await udpFree(port))) return;
    if (alive && !alive()) throw new Error(`nothing bound udp ${HOST}:${port}: the server exited`);
    if (Date.now() > deadline) throw new Error(`nothing bound udp ${HOST}:${port} after ${timeoutMs} ms`);
    await sleep(50);
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, HOST);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
