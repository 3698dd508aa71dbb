// The deployment files: docker-compose.yml is validated by Debian's docker-compose (`config -q`
// needs no Docker daemon), its resolved form is checked for what a safe install needs, and the
// Dockerfiles are checked against the repository they build (workspaces, the CUDA download).
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { MODELS_DIR, NODE_FLAGS, ROOT } from './cli-helpers.ts';

const COMPOSE_FILE = path.join(ROOT, 'docker-compose.yml');
const COMPOSE = ['/usr/bin/docker-compose', '/usr/local/bin/docker-compose'].find((p) => existsSync(p));

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(
  cmd: string,
  args: readonly string[],
  stdin?: string,
  env: Record<string, string> = {},
): Promise<Run> {
  return new Promise((resolve) => {
    // A clean environment: the shell's AIMA_TOKEN or CLICKHOUSE_URL would override .env values.
    const child = execFile(
      cmd,
      args,
      { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: os.tmpdir(), ...env }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (stdin !== undefined) child.stdin?.end(stdin);
  });
}

/** `KEY=value` lines of an env file (comments and blanks skipped). */
function parseEnv(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

function envText(vars: Map<string, string>): string {
  return [...vars].map(([k, v]) => `${k}=${v}`).join('\n') + '\n';
}

let tmp: string;
let example: Map<string, string>;
let composeText: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'aima-deploy-'));
  example = parseEnv(await readFile(path.join(ROOT, '.env.example'), 'utf8'));
  composeText = await readFile(COMPOSE_FILE, 'utf8');
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

async function compose(env: Map<string, string>, args: readonly string[]): Promise<Run> {
  const envFile = path.join(tmp, `env-${Math.random().toString(36).slice(2)}`);
  await writeFile(envFile, envText(env));
  return run(COMPOSE!, ['--env-file', envFile, '-f', COMPOSE_FILE, ...args]);
}

/** The file as docker-compose resolves it (interpolated, profiles applied), as JSON via PyYAML. */
async function resolved(env: Map<string, string>, profile?: string): Promise<ComposeConfig> {
  const cfg = await compose(env, [...(profile ? ['--profile', profile] : []), 'config']);
  expect(cfg.code, cfg.stderr).toBe(0);
  const json = await run(
    '/usr/bin/python3',
    ['-c', 'import sys, json, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'],
    cfg.stdout,
  );
  expect(json.code, json.stderr).toBe(0);
  return JSON.parse(json.stdout) as ComposeConfig;
}

interface ComposeService {
  readonly image?: string;
  readonly command?: string | string[];
  readonly profiles?: string[];
  readonly environment?: Record<string, string | null>;
  readonly ports?: (
    string | { host_ip?: string; published?: number | string; target: number; protocol?: string }
  )[];
  readonly healthcheck?: { test: string[] | string };
  readonly volumes?: (string | { source?: string; target: string })[];
  readonly deploy?: {
    resources?: {
      reservations?: { devices?: { driver?: string; count?: unknown; capabilities?: string[] }[] };
    };
  };
}
interface ComposeConfig {
  readonly services: Record<string, ComposeService>;
  readonly volumes?: Record<string, unknown>;
}

describe.skipIf(!COMPOSE)('docker-compose.yml (docker-compose config)', () => {
  it('validates with .env.example as .env, with and without the gpu profile', async () => {
    const plain = await compose(example, ['config', '-q']);
    expect(plain.code, plain.stderr).toBe(0);
    const gpu = await compose(example, ['--profile', 'gpu', 'config', '-q']);
    expect(gpu.code, gpu.stderr).toBe(0);
    expect(
      (await compose(example, ['config', '--services'])).stdout.split('\n').filter(Boolean).sort(),
    ).toEqual(['aima', 'clickhouse', 'redis', 'worker']);
  });

  it('refuses to resolve without the two secrets', async () => {
    for (const name of ['AIMA_TOKEN', 'CLICKHOUSE_PASSWORD']) {
      const env = new Map(example);
      env.set(name, '');
      const r = await compose(env, ['config', '-q']);
      expect(r.code, name).not.toBe(0);
      expect(r.stderr).toContain(`set ${name} in .env`);
    }
  });

  it('has healthchecks, loopback-only ports, internal-only stores and wires the control plane to them', async () => {
    const cfg = await resolved(example);
    const { clickhouse, redis, aima } = cfg.services;
    expect(clickhouse?.image).toMatch(/^clickhouse\/clickhouse-server:/);
    expect(redis?.image).toBe('redis:7-alpine');
    for (const [name, svc] of Object.entries(cfg.services)) {
      if (name === 'worker') continue;
      expect(svc.healthcheck?.test, name).toBeTruthy();
    }
    expect(JSON.stringify(aima?.healthcheck?.test)).toContain('/healthz');
    // Only the control plane is published, and only on loopback by default.
    expect(clickhouse?.ports ?? []).toEqual([]);
    expect(redis?.ports ?? []).toEqual([]);
    // The dashboard, and the WebRTC media range (UDP and TCP, 100 ports each) it announces to
    // browsers; docker-compose lists a range port by port.
    const ports = aima?.ports ?? [];
    for (const p of ports) {
      const hostIp = typeof p === 'string' ? p.split(':')[0] : p.host_ip;
      expect(hostIp).toBe('127.0.0.1');
    }
    // 'host:published:target/proto' (docker-compose v1) or the long form (Compose v2).
    const described = ports.map((p) => {
      if (typeof p !== 'string') return `${p.protocol ?? 'tcp'}/${p.target}`;
      const [spec = '', proto = 'tcp'] = p.split('/');
      return `${proto}/${spec.split(':').pop()}`;
    });
    expect(described).toContain('tcp/8080');
    for (const protocol of ['udp', 'tcp']) {
      const rtc = described.filter((d) => {
        const [proto, port] = d.split('/');
        return proto === protocol && Number(port) >= 40000 && Number(port) <= 40099;
      });
      expect(new Set(rtc).size, protocol).toBe(100);
    }
    expect(ports.length).toBe(201);
    const env = aima?.environment ?? {};
    expect(env.CLICKHOUSE_URL).toMatch(/^http:\/\/aima:[^@]+@clickhouse:8123\/aima$/);
    expect(env.REDIS_URL).toBe('redis://redis:6379');
    expect(env.AIMA_DATA_DIR).toBe('/data');
    expect(env.AIMA_TOKEN).toBe(example.get('AIMA_TOKEN'));
    const aimaVolumes = (aima?.volumes ?? []).map((v) =>
      typeof v === 'string' ? v : `${v.source}:${v.target}`,
    );
    expect(aimaVolumes.some((v) => v.startsWith('aima-data:/data'))).toBe(true);
    expect(Object.keys(cfg.volumes ?? {})).toEqual(
      expect.arrayContaining(['clickhouse-data', 'redis-data', 'aima-data']),
    );
    expect(String(aima?.command)).toMatch(/^serve --host 0\.0\.0\.0/);
  });

  it('the gpu profile adds a CUDA worker with the NVIDIA reservation, joining the control plane', async () => {
    const cfg = await resolved(example, 'gpu');
    const worker = cfg.services.worker;
    expect(worker?.profiles).toEqual(['gpu']);
    expect(worker?.deploy?.resources?.reservations?.devices).toEqual([
      { driver: 'nvidia', count: 'all', capabilities: ['gpu'] },
    ]);
    // The join token travels in the environment, not in the command line (process lists show it).
    expect(String(worker?.command)).toBe('worker');
    expect(worker?.environment?.AIMA_SERVER_URL).toBe('http://aima:8080');
    expect(worker?.environment).toHaveProperty('AIMA_JOIN_TOKEN');
    expect(worker?.ports ?? []).toEqual([]);
  });

  it('hands aima an environment its own config accepts (every value compose passes parses)', async () => {
    const env = new Map(example);
    env.set('AIMA_TOKEN', 'a-real-token-0123456789');
    env.set('CLICKHOUSE_PASSWORD', 'pw0123456789');
    const cfg = await resolved(env, 'gpu');
    const asEnv = (svc: ComposeService | undefined) =>
      Object.fromEntries(Object.entries(svc?.environment ?? {}).map(([k, v]) => [k, v ?? '']));
    const aima = loadConfig(asEnv(cfg.services.aima));
    expect(aima.clickhouseUrl).toBe('http://aima:pw0123456789@clickhouse:8123/aima');
    expect(aima.dataDir).toBe('/data');
    expect(aima.token).toBe('a-real-token-0123456789');
    const worker = loadConfig(asEnv(cfg.services.worker));
    expect(worker.executionProvider).toBe('cuda');
  });

  it('passes the operator settings through: a public bind and --no-local-worker', async () => {
    const env = new Map(example);
    env.set('AIMA_BIND', '0.0.0.0');
    env.set('AIMA_SERVE_FLAGS', '--no-local-worker');
    const cfg = await resolved(env);
    expect(String(cfg.services.aima?.command)).toContain('--no-local-worker');
    expect(JSON.stringify(cfg.services.aima?.ports)).toContain('0.0.0.0');
  });
});

describe('deployment files (static)', () => {
  it('documents every variable docker-compose.yml uses in .env.example', () => {
    const used = new Set([...composeText.matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]!));
    expect(used.size).toBeGreaterThan(5);
    const missing = [...used].filter((v) => !example.has(v));
    expect(missing).toEqual([]);
  });

  it('holds no secret: secret-like settings are ${VAR} references, and no literal credential', () => {
    for (const line of composeText.split('\n')) {
      if (line.trim().startsWith('#')) continue;
      const m = /^\s*([A-Z][A-Z0-9_]*(?:TOKEN|PASSWORD|KEY|SECRET)[A-Z0-9_]*):\s*(.*)$/.exec(line);
      if (m) expect(m[2], m[1]).toMatch(/^\$\{[A-Z0-9_]+(:[-?][^}]*)?\}$/);
      // Credentials inside URLs come from .env too.
      for (const url of line.matchAll(/[a-z]+:\/\/([^/\s@]+)@/g))
        expect(url[1]).toMatch(/^[a-z]+:\$\{[A-Z_]+/);
    }
    expect(composeText).not.toMatch(/\b[0-9a-f]{32,}\b/i);
    // The provider keys reach only the control plane (the worker runs ML, it rents nothing).
    expect(composeText).toMatch(/RUNPOD_API_KEY: \$\{RUNPOD_API_KEY:-\}/);
    expect(composeText).toMatch(/VAST_API_KEY: \$\{VAST_API_KEY:-\}/);
  });

  it('.env.example placeholders are refused by aima itself, so a forgotten one never runs', () => {
    expect(example.get('AIMA_TOKEN')).toBe('CHANGE_ME');
    expect(() => loadConfig({ AIMA_TOKEN: example.get('AIMA_TOKEN') })).toThrow(/AIMA_TOKEN/);
    // Empty optional settings are unset for aima (compose passes `${VAR:-}` as '').
    expect(loadConfig({ AIMA_ANALYZERS: '', AIMA_TOKEN: 'x'.repeat(16) }).analyzers).toBeNull();
  });

  it('the Dockerfiles build this repository: every workspace, npm install, non-root, ffmpeg', async () => {
    const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as {
      workspaces: string[];
    };
    for (const name of ['aima', 'worker']) {
      const text = await readFile(path.join(ROOT, 'docker', `${name}.Dockerfile`), 'utf8');
      expect(text.match(/^FROM /gm)?.length, name).toBeGreaterThanOrEqual(2);
      for (const ws of pkg.workspaces)
        expect(text, `${name}: ${ws}`).toContain(`COPY ${ws}/package.json ${ws}/`);
      expect(text).toContain('npm install');
      expect(text).not.toMatch(/^RUN[^\n]*npm ci\b/m);
      expect(text).toMatch(/^USER aima$/m);
      expect(text).toMatch(/apt-get install[^\n]*\bffmpeg\b/);
      expect(text).not.toMatch(/^(ENV|ARG)\s+[^\n]*(API_KEY|TOKEN|PASSWORD)/m);
    }
    const aima = await readFile(path.join(ROOT, 'docker/aima.Dockerfile'), 'utf8');
    expect(aima).toContain('npm run build:ui');
    expect(aima).toContain('/healthz');
    // The repository skips onnxruntime-node's CUDA download; the worker image must not.
    const npmrc = await readFile(path.join(ROOT, '.npmrc'), 'utf8');
    expect(npmrc).toMatch(/onnxruntime-node-install/);
    const worker = await readFile(path.join(ROOT, 'docker/worker.Dockerfile'), 'utf8');
    expect(worker).toMatch(/^FROM \$\{CUDA_IMAGE\}/m);
    expect(worker).toMatch(/^ARG CUDA_IMAGE=nvidia\/cuda:12\.[0-9.]+-cudnn-runtime-/m);
    expect(worker).toContain('ENV ONNXRUNTIME_NODE_INSTALL=cuda12');
    expect(worker).toContain("sed -i '/^onnxruntime-node-install/d' .npmrc");
    expect(worker).toContain('libonnxruntime_providers_cuda.so');
    // Rented instances start the image without arguments: the entry point builds the flags.
    expect(worker).toContain('ENTRYPOINT ["tini", "--", "/app/docker/worker-entrypoint.sh"]');
    expect((await stat(path.join(ROOT, 'docker/worker-entrypoint.sh'))).mode & 0o111).not.toBe(0);
    // Every way aima starts gives V8 the old-generation size the capacity work measured (bin/aima).
    for (const flag of NODE_FLAGS) {
      expect(aima).toContain(`"node", "${flag}", "/app/bin/aima"`);
      expect(await readFile(path.join(ROOT, 'docker/worker-entrypoint.sh'), 'utf8')).toContain(
        `exec node ${flag} `,
      );
      expect((await readFile(path.join(ROOT, 'bin/aima'), 'utf8')).split('\n')[0]).toBe(
        `#!/usr/bin/env -S node ${flag}`,
      );
      const scripts = (
        JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as {
          scripts: Record<string, string>;
        }
      ).scripts;
      for (const name of ['start', 'aima', 'analyze', 'bench']) expect(scripts[name]).toContain(flag);
    }
  });

  it('.dockerignore keeps secrets, data and dependencies out of the build context', async () => {
    const lines = (await readFile(path.join(ROOT, '.dockerignore'), 'utf8')).split('\n').map((l) => l.trim());
    for (const entry of ['.git', '**/node_modules', '.env', '.aima', '!.env.example'])
      expect(lines).toContain(entry);
  });
});

describe('worker image entry point (docker/worker-entrypoint.sh)', () => {
  const script = path.join(ROOT, 'docker/worker-entrypoint.sh');

  it('refuses to start without the server URL, with a coded line', async () => {
    const r = await run('/bin/sh', [script]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^aima: CLI_USAGE: set AIMA_SERVER_URL/);
  });

  it('starts `aima worker` from AIMA_SERVER_URL and AIMA_JOIN_TOKEN, as a rented instance does', async () => {
    // A bare WebSocket endpoint on 127.0.0.1 that records the worker's first message (its hello).
    const token = 'join-token-0123456789abcdef';
    const hello = acceptOneHello();
    const port = await hello.port;
    const child = spawn('/bin/sh', [script], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: os.tmpdir(),
        AIMA_SERVER_URL: `http://127.0.0.1:${port}`,
        AIMA_JOIN_TOKEN: token,
        AIMA_DATA_DIR: path.join(tmp, 'worker-data'),
        AIMA_MODELS_DIR: MODELS_DIR,
        AIMA_EP: 'cpu',
        AIMA_OFFLINE: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const first = await Promise.race([
        hello.message,
        exited.then((code) => Promise.reject(new Error(`worker exited (${code}) before its hello: ${out}`))),
      ]);
      expect(first.url).toBe('/api/v1/workers/connect');
      expect(first.message).toMatchObject({ type: 'hello', token });
    } finally {
      child.kill('SIGKILL');
      await exited;
      hello.close();
    }
    // The token is a secret: the worker never prints it.
    expect(out).not.toContain(token);
  });
});

/**
 * Accepts one WebSocket upgrade on 127.0.0.1 (RFC 6455 handshake by hand: no ws dependency) and
 * resolves with the request path and the first text frame, parsed as JSON.
 */
function acceptOneHello(): {
  port: Promise<number>;
  message: Promise<{ url: string; message: unknown }>;
  close(): void;
} {
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  const message = new Promise<{ url: string; message: unknown }>((resolve, reject) => {
    server.on('upgrade', (req, socket) => {
      const accept = createHash('sha1')
        .update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
        .digest('base64');
      socket.write(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
      );
      let buf = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        buf = Buffer.concat([buf, chunk]);
        if (buf.length < 2) return;
        let len = buf[1]! & 0x7f;
        let at = 2;
        if (len === 126) [len, at] = [buf.readUInt16BE(2), 4];
        else if (len === 127) [len, at] = [Number(buf.readBigUInt64BE(2)), 10];
        if (buf.length < at + 4 + len) return;
        const mask = buf.subarray(at, at + 4);
        const payload = Buffer.from(buf.subarray(at + 4, at + 4 + len).map((b, i) => b ^ mask[i % 4]!));
        try {
          resolve({ url: req.url ?? '', message: JSON.parse(payload.toString('utf8')) });
        } catch (err) {
          reject(err);
        }
        socket.destroy();
      });
    });
  });
  const port = new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
  return { port, message, close: () => server.close() };
}
