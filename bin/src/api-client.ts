// A small typed HTTP client for CLI commands that talk to a running `aima serve` (jobs, gpu,
// worker token): JSON in and out, the API token as a Bearer header, and the server's coded error
// bodies ({code, message}) turned back into coded errors, so `aima jobs show nope` prints
// `JOB_NOT_FOUND: ...` with the matching exit code.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig } from './config.ts';
import { CliError } from './errors.ts';

export const DEFAULT_SERVER = 'http://127.0.0.1:8080';
const TIMEOUT_MS = 30_000;

/** An error the server answered with: its own stable code and message; the exit code by HTTP status. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly code: string;
  readonly httpStatus: number;
  readonly exitCode: number;
  constructor(code: string, message: string, httpStatus: number) {
    super(message);
    this.code = code;
    this.httpStatus = httpStatus;
    // docs/conventions.md: 2 usage/bad request, 3 not found, 4 bad media, 1 everything else.
    this.exitCode =
      httpStatus === 404 ? 3 : httpStatus === 422 ? 4 : httpStatus >= 400 && httpStatus < 500 ? 2 : 1;
  }
}

export interface ApiClient {
  readonly baseUrl: string;
  get<T>(pathname: string, query?: Readonly<Record<string, string | number | undefined>>): Promise<T>;
  post<T>(pathname: string, body?: unknown): Promise<T>;
}

export interface ApiClientOptions {
  /** Base URL of the server (default http://127.0.0.1:8080). */
  readonly server?: string;
  readonly env: NodeJS.ProcessEnv;
  readonly signal?: AbortSignal;
  /** The token; default AIMA_TOKEN, else `<AIMA_DATA_DIR>/token` as `aima serve` wrote it. */
  readonly token?: string;
}

/** The API token the way `aima serve` finds it: AIMA_TOKEN, else the data directory's token file. */
export async function findToken(env: NodeJS.ProcessEnv): Promise<string> {
  if (env.AIMA_TOKEN) return env.AIMA_TOKEN;
  const file = path.join(loadConfig(env).dataDir, 'token');
  const token = (await readFile(file, 'utf8').catch(() => '')).trim();
  if (token.length < 16) {
    throw new CliError('CLI_NO_TOKEN', `no API token: set AIMA_TOKEN or run this where ${file} exists`);
  }
  return token;
}

export async function createApiClient(opts: ApiClientOptions): Promise<ApiClient> {
  const raw = opts.server ?? DEFAULT_SERVER;
  let base: URL;
  try {
    base = new URL(raw);
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error('scheme');
  } catch {
    throw new CliError('CLI_BAD_VALUE', `--server: not an http(s) URL: ${raw}`);
  }
  const token = opts.token ?? (await findToken(opts.env));
  const baseUrl = base.href.replace(/\/$/, '');

  const call = async <T>(method: 'GET' | 'POST', pathname: string, body?: unknown): Promise<T> => {
    const signal = opts.signal
      ? AbortSignal.any([opts.signal, AbortSignal.timeout(TIMEOUT_MS)])
      : AbortSignal.timeout(TIMEOUT_MS);
    let res: Response;
    try {
      res = await fetch(baseUrl + pathname, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal,
      });
    } catch (err) {
      // Never echo the token; the URL holds none.
      const why = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
      throw new CliError('CLI_SERVER_UNREACHABLE', `cannot reach the AIMA server at ${baseUrl} (${why})`, {
        cause: err,
      });
    }
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text === '' ? null : JSON.parse(text);
    } catch {
      // handled below
    }
    if (!res.ok) {
      const e = json as { code?: unknown; message?: unknown } | null;
      if (e && typeof e.code === 'string' && typeof e.message === 'string') {
        throw new ApiError(e.code, e.message, res.status);
      }
      throw new CliError('CLI_SERVER_ERROR', `the server answered ${res.status} to ${method} ${pathname}`);
    }
    if (json === null && text !== '') {
      throw new CliError('CLI_SERVER_ERROR', `the server's answer to ${method} ${pathname} is not JSON`);
    }
    return json as T;
  };

  return {
    baseUrl,
    get: (pathname, query) => {
      const q = Object.entries(query ?? {}).filter((e): e is [string, string | number] => e[1] !== undefined);
      const qs =
        q.length > 0
          ? `?${new URLSearchParams(q.map(([k, v]): [string, string] => [k, String(v)])).toString()}`
          : '';
      return call('GET', pathname + qs);
    },
    post: (pathname, body) => call('POST', pathname, body ?? {}),
  };
}
