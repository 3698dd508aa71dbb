// The HTTP shell both emulators share: a real node:http server on 127.0.0.1 (port 0), bearer auth,
// a bounded request log, and fault injection (queued rules first, then seeded random faults).
// Each provider supplies a dialect: its routes and its own error body shapes.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FaultRule, HttpFault, RandomFaults, RequestLogEntry } from './types.ts';

export interface EmuRequest {
  readonly method: string;
  /** Path without query, trailing slash kept as sent. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: http.IncomingHttpHeaders;
  /** Parsed JSON body; undefined when empty; the raw text when it is not JSON. */
  readonly body: unknown;
  readonly bodyIsJson: boolean;
}

export interface EmuResponse {
  readonly status: number;
  readonly json?: unknown;
  readonly text?: string;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface Dialect {
  /** Answer for a missing/invalid key (401) or a refused key (403). */
  authError(status: 401 | 403): EmuResponse;
  /** The provider's answer for a fault; null when the fault does not apply to this request. */
  faultResponse(fault: HttpFault, req: EmuRequest): EmuResponse | null;
  handle(req: EmuRequest): Promise<EmuResponse> | EmuResponse;
}

export interface EmuServer {
  readonly origin: string;
  readonly requests: RequestLogEntry[];
  injectFault(rule: FaultRule): void;
  setRandomFaults(r: RandomFaults | null): void;
  close(): Promise<void>;
}

const LOG_LIMIT = 10_000;
const BODY_LIMIT = 1 << 20;

/** mulberry32: tiny seeded PRNG, enough for reproducible fault runs and ids. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Faults the shell serves itself, whatever the provider. */
const transport = (f: HttpFault): boolean =>
  f.kind === 'drop' || f.kind === 'drop-after' || f.kind === 'delay';

const DEFAULT_RANDOM: readonly HttpFault[] = [
  { kind: 'rate-limit', retryAfterS: 1 },
  { kind: 'server-error' },
  { kind: 'drop' },
];

export async function startEmuServer(
  dialect: Dialect,
  opts: { apiKey: string; forbiddenKeys: readonly string[] },
): Promise<EmuServer> {
  const requests: RequestLogEntry[] = [];
  const rules: { rule: FaultRule; left: number }[] = [];
  let random: { cfg: RandomFaults; rnd: () => number } | null = null;

  const pickFault = (req: EmuRequest): HttpFault | null => {
    for (let i = 0; i < rules.length; i++) {
      const r = rules[i]!;
      if (r.rule.method !== undefined && r.rule.method.toUpperCase() !== req.method) continue;
      if (r.rule.path !== undefined && !r.rule.path.test(req.path)) continue;
      if (dialect.faultResponse(r.rule.fault, req) === null && !transport(r.rule.fault)) continue;
      r.left -= 1;
      if (r.left <= 0) rules.splice(i, 1);
      return r.rule.fault;
    }
    if (random === null) return null;
    const { cfg, rnd } = random;
    if (cfg.methods !== undefined && !cfg.methods.includes(req.method)) return null;
    if (rnd() >= cfg.rate) return null;
    const list = cfg.faults ?? DEFAULT_RANDOM;
    const f = list[Math.floor(rnd() * list.length)];
    if (f === undefined) return null;
    return transport(f) || dialect.faultResponse(f, req) !== null ? f : null;
  };

  const log = (e: RequestLogEntry): void => {
    requests.push(e);
    if (requests.length > LOG_LIMIT) requests.splice(0, requests.length - LOG_LIMIT);
  };

  const server = http.createServer((req, res) => {
    const at = Date.now();
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= BODY_LIMIT) chunks.push(c);
    });
    req.on('end', () => {
      void serve(req, res, Buffer.concat(chunks).toString('utf8'), at, size > BODY_LIMIT);
    });
    req.on('error', () => res.destroy());
  });

  const serve = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    raw: string,
    at: number,
    tooLarge: boolean,
  ): Promise<void> => {
    const u = new URL(req.url ?? '/', 'http://emu');
    let body: unknown = undefined;
    let bodyIsJson = false;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw);
        bodyIsJson = true;
      } catch {
        body = raw;
      }
    }
    const er: EmuRequest = {
      method: (req.method ?? 'GET').toUpperCase(),
      path: u.pathname,
      query: u.searchParams,
      headers: req.headers,
      body,
      bodyIsJson,
    };
    const url = u.pathname + u.search;
    const fault = pickFault(er);
    if (fault?.kind === 'drop') {
      log({ at, method: er.method, url, status: 0, fault: 'drop' });
      res.socket?.destroy();
      return;
    }
    if (fault?.kind === 'delay') {
      // Processed even if the client gave up meanwhile, as a real server would.
      await new Promise((r) => setTimeout(r, fault.ms));
    }
    let out: EmuResponse;
    const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (auth === undefined || (auth !== opts.apiKey && !opts.forbiddenKeys.includes(auth))) {
      out = dialect.authError(401);
    } else if (opts.forbiddenKeys.includes(auth)) {
      out = dialect.authError(403);
    } else if (tooLarge) {
      out = { status: 413, text: 'payload too large' };
    } else if (fault !== null && !transport(fault)) {
      out = dialect.faultResponse(fault, er) ?? { status: 500, text: 'fault' };
    } else {
      try {
        out = await dialect.handle(er);
      } catch (err) {
        out = { status: 500, text: `emulator bug: ${(err as Error).message}` };
      }
    }
    if (fault?.kind === 'drop-after') {
      log({ at, method: er.method, url, status: 0, fault: 'drop-after' });
      res.socket?.destroy();
      return;
    }
    log({ at, method: er.method, url, status: out.status, ...(fault ? { fault: fault.kind } : {}) });
    const headers: Record<string, string> = { ...out.headers };
    let payload = '';
    if (out.json !== undefined) {
      payload = JSON.stringify(out.json);
      headers['content-type'] = out.contentType ?? 'application/json';
    } else if (out.text !== undefined) {
      payload = out.text;
      headers['content-type'] = out.contentType ?? 'text/plain; charset=utf-8';
    }
    res.writeHead(out.status, headers);
    res.end(payload);
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | null = null;

  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    injectFault: (rule) => rules.push({ rule, left: rule.times ?? 1 }),
    setRandomFaults: (r) => {
      random = r === null ? null : { cfg: r, rnd: seededRandom(r.seed) };
    },
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
