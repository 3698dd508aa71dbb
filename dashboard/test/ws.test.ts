// The live WebSocket over a real socket: auth at upgrade, hello, subscriptions to a real analysis,
// client errors, the slow-client policy (frames skipped, memory flat) and close on shutdown.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ServerMessage, SourceView } from '../src/protocol.ts';
import { FRAME_SKIP_BYTES } from '../src/server/index.ts';
import { TOKEN, VTEST, bearer, cutClip, openServerEnv, waitFor, type ServerEnv } from './server-helpers.ts';

type Msg = ServerMessage;

let env: ServerEnv;
let url: string;
let clip: string;
const clients: WebSocket[] = [];

/** A connected client that validates and records every message it gets. */
interface Client {
  readonly ws: WebSocket;
  readonly messages: Msg[];
  next(pred: (m: Msg) => boolean, ms?: number): Promise<Msg>;
  send(data: unknown): void;
}

async function connect(headers: Record<string, string> = bearer()): Promise<Client> {
  const ws = new WebSocket(url, { headers });
  clients.push(ws);
  const messages: Msg[] = [];
  ws.on('message', (data) => messages.push(ServerMessage.parse(JSON.parse(data.toString()))));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let seen = 0;
  return {
    ws,
    messages,
    send: (data) => ws.send(typeof data === 'string' ? data : JSON.stringify(data)),
    // Messages are consumed in order: each call looks only at ones after what it returned last.
    next: (pred, ms = 30_000) =>
      waitFor(() => {
        for (; seen < messages.length;) if (pred(messages[seen++]!)) return messages[seen - 1];
        return undefined;
      }, ms),
  };
}

/** The HTTP status a refused upgrade got. */
function refusedStatus(headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => reject(new Error('upgrade was accepted')));
    ws.on('error', () => undefined);
  });
}

async function addSource(body: object): Promise<SourceView> {
  const res = await env.app.inject({
    method: 'POST',
    url: '/api/v1/sources',
    headers: bearer(),
    payload: body,
  });
  expect(res.statusCode, res.body).toBe(201);
  return SourceView.parse(res.json());
}

async function skippedMetric(): Promise<number> {
  const res = await env.app.inject({ url: '/metrics', headers: bearer() });
  return Number(/^aima_ws_frames_skipped_total (\d+)$/m.exec(res.body)?.[1] ?? 0);
}

beforeAll(async () => {
  env = await openServerEnv();
  clip = await cutClip(VTEST, env.dir, 'vtest-20s.mp4', 20);
  await env.app.listen({ host: '127.0.0.1', port: 0 });
  const addr = env.app.server.address();
  url = `ws://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/api/v1/live`;
});
afterAll(async () => {
  for (const ws of clients) ws.terminate();
  await env?.close();
});

describe('live WebSocket', () => {
  it('refuses unauthenticated upgrades with 401', async () => {
    expect(await refusedStatus({})).toBe(401);
    expect(await refusedStatus(bearer('wrong'))).toBe(401);
    expect(await refusedStatus({ cookie: 'aima_session=00' })).toBe(401);
  });

  it('accepts the session cookie, but not from another origin', async () => {
    const login = await env.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { token: TOKEN },
    });
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    const c = await connect({ cookie });
    expect((await c.next((m) => m.type === 'hello')).type).toBe('hello');
    expect(await refusedStatus({ cookie, origin: 'https://evil.example' })).toBe(401);
  });

  it('answers invalid messages with an error and keeps the connection', async () => {
    const c = await connect();
    await c.next((m) => m.type === 'hello');
    c.send('{not json');
    expect(await c.next((m) => m.type === 'error')).toMatchObject({ code: 'API_BAD_REQUEST' });
    c.send({ type: 'dance' });
    expect(await c.next((m) => m.type === 'error')).toMatchObject({ code: 'API_BAD_REQUEST' });
    c.send({ type: 'subscribe', sourceId: 'ghost' });
    expect(await c.next((m) => m.type === 'error')).toMatchObject({ code: 'SOURCE_NOT_FOUND' });
    c.send({ type: 'ping', t: 42 });
    expect(await c.next((m) => m.type === 'pong')).toMatchObject({ type: 'pong', t: 42 });
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('streams frames, windows and tracks of a subscribed source in order', async () => {
    const c = await connect();
    const hello = await c.next((m) => m.type === 'hello');
    expect(hello.type === 'hello' && Array.isArray(hello.sources)).toBe(true);
    const view = await addSource({ input: clip, fps: 5, realtime: true, id: 'live-rt' });
    c.send({ type: 'subscribe', sourceId: view.id });
    await c.next((m) => m.type === 'source' && m.source.id === 'live-rt');
    // 8 s of media at its native rate: enough for frames, a few 1 s windows and track starts.
    await waitFor(
      () => (c.messages.filter((m) => m.type === 'window').length >= 4 ? true : undefined),
      40_000,
    );
    await env.app.inject({ method: 'POST', url: '/api/v1/sources/live-rt/stop', headers: bearer() });

    const frames = c.messages.filter((m) => m.type === 'frame');
    expect(frames.length).toBeGreaterThan(10);
    for (let i = 1; i < frames.length; i++) expect(frames[i]!.seq).toBeGreaterThan(frames[i - 1]!.seq);
    for (const f of frames) {
      expect(f.sourceId).toBe('live-rt');
      const jpeg = Buffer.from(f.jpeg, 'base64');
      expect([jpeg[0], jpeg[1]]).toEqual([0xff, 0xd8]);
      expect([f.sourceWidth, f.sourceHeight]).toEqual([480, 360]);
      for (const d of f.detections) {
        expect(d.box[0]).toBeGreaterThanOrEqual(0);
        expect(d.box[1]).toBeGreaterThanOrEqual(0);
        expect(d.box[2]).toBeLessThanOrEqual(f.sourceWidth);
        expect(d.box[3]).toBeLessThanOrEqual(f.sourceHeight);
      }
    }
    expect(frames.some((f) => f.detections.some((d) => d.label === 'person'))).toBe(true);
    const windows = c.messages.filter((m) => m.type === 'window');
    expect(windows.some((w) => (w.counts['person'] ?? 0) > 0)).toBe(true);
    expect(c.messages.some((m) => m.type === 'track' && m.phase === 'start')).toBe(true);

    // Unsubscribed: no more frames for that source.
    c.send({ type: 'unsubscribe', sourceId: 'live-rt' });
    c.send({ type: 'ping', t: 1 });
    await c.next((m) => m.type === 'pong');
    const after = c.messages.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(c.messages.slice(after).some((m) => m.type === 'frame')).toBe(false);
  });

  it('tells every client about removed sources', async () => {
    const c = await connect();
    await c.next((m) => m.type === 'hello');
    const del = await env.app.inject({ method: 'DELETE', url: '/api/v1/sources/live-rt', headers: bearer() });
    expect(del.statusCode).toBe(204);
    expect(await c.next((m) => m.type === 'source-removed')).toEqual({
      type: 'source-removed',
      sourceId: 'live-rt',
    });
  });

  it('skips frames for a client that stops reading, without growing memory', async () => {
    const fast = await connect();
    const slow = await connect();
    await Promise.all([fast.next((m) => m.type === 'hello'), slow.next((m) => m.type === 'hello')]);
    const rss0 = process.memoryUsage().rss;
    // As fast as the CPU allows (no realtime): previews outrun what a stalled socket buffers.
    const view = await addSource({ input: clip, fps: 30, id: 'flood' });
    fast.send({ type: 'subscribe', sourceId: view.id });
    slow.send({ type: 'subscribe', sourceId: view.id });
    await slow.next((m) => m.type === 'frame');

    const raw = (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    raw.pause();
    // The kernel's socket buffers fill first; then the server's send buffer passes FRAME_SKIP_BYTES.
    await waitFor(async () => ((await skippedMetric()) > 0 ? true : undefined), 60_000);
    raw.resume();
    const withSkips = await slow.next((m) => m.type === 'frame' && m.skipped > 0, 30_000);
    expect(withSkips.type === 'frame' && withSkips.skipped).toBeGreaterThan(0);
    expect(slow.ws.readyState).toBe(WebSocket.OPEN);
    expect(fast.messages.filter((m) => m.type === 'frame').length).toBeGreaterThan(0);

    await env.app.inject({ method: 'POST', url: '/api/v1/sources/flood/stop', headers: bearer() });
    // Loose bound: a buffer per frame would be tens of MB per second; a few skipped ones cost nothing.
    expect(process.memoryUsage().rss - rss0).toBeLessThan(400 * 1024 * 1024);
    expect(FRAME_SKIP_BYTES).toBe(256 * 1024);
  });

  it('closes connections with 1001 when the server closes', async () => {
    const c = await connect();
    await c.next((m) => m.type === 'hello');
    const closed = new Promise<number>((resolve) => c.ws.once('close', (code) => resolve(code)));
    await env.app.close();
    expect(await closed).toBe(1001);
  });
});
