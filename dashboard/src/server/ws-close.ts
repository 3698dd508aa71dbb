import type { WebSocket } from 'ws';

/** How long a client gets to acknowledge our close frame before the socket is torn down. */
export const CLOSE_GRACE_MS = 1000;

/** Closes every socket with 1001 ("going away"), terminating those that do not answer in time. */
export async function closeSockets(sockets: Iterable<WebSocket>): Promise<void> {
  await Promise.all(
    [...sockets].map(
      (ws) =>
        new Promise<void>((resolve) => {
          if (ws.readyState === ws.CLOSED) return resolve();
          const timer = setTimeout(() => {
            ws.terminate();
            resolve();
          }, CLOSE_GRACE_MS);
          ws.once('close', () => {
            clearTimeout(timer);
            resolve();
          });
          ws.close(1001, 'server shutting down');
        }),
    ),
  );
}
