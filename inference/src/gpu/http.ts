// One HTTP call to a provider API with the retry policy both providers' own clients use: at most
// N retries on 429 (Retry-After honoured, capped), on retryable 5xx and on connection errors or
// timeouts, with backoff; never on other 4xx. The API key goes only into the Authorization header
// and is scrubbed from anything that could end up in an error message.
import { InferenceError } from '../errors.ts';
import type { InferenceErrorCode } from '../errors.ts';
import type { GpuProvider, HttpProviderOptions, ProviderInstance } from './provider.ts';

export interface HttpResult {
  readonly status: number;
  readonly headers: Headers;
  /** Parsed JSON, the text when not JSON, undefined when empty. */
  readonly body: unknown;
}

export interface CallPolicy {
  readonly provider: string;
  readonly apiKey: string;
  readonly baseUrl: string;
  readonly fetch: typeof fetch;
  readonly timeoutMs: number;
  readonly maxRetries: number;
  readonly maxDelayMs: number;
  /** Wait before retry n (0-based) when the server gave no Retry-After. */
  backoff(n: number): number;
  /** Whether this status is retried (429 always is). */
  retryStatus(status: number): boolean;
  /** One-line detail from the provider's error body. */
  detail(body: unknown): string;
}

/** A client's policy: what its caller set over the defaults both clients share. */
export function callPolicy(
  opts: HttpProviderOptions,
  own: Pick<CallPolicy, 'provider' | 'baseUrl' | 'backoff' | 'retryStatus' | 'detail'>,
): CallPolicy {
  return {
    ...own,
    apiKey: opts.apiKey,
    baseUrl: opts.baseUrl ?? own.baseUrl,
    fetch: opts.fetch ?? globalThis.fetch,
    timeoutMs: opts.requestTimeoutMs ?? 30_000,
    maxRetries: opts.maxRetries ?? 3,
    maxDelayMs: opts.maxRetryDelayMs ?? 30_000,
  };
}

export interface CallInit {
  readonly method: string;
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  readonly signal?: AbortSignal;
  /** After an ambiguous failure of a non-GET (5xx, dropped connection, timeout: it may have taken
   *  effect), looks for what it would have created; a non-null result ends the call. */
  readonly adopt?: () => Promise<object | null>;
}

export type CallResult = HttpResult | { readonly adopted: object };

const MAX_DETAIL = 240;

/** Removes the key (and anything bearer-like) from a message, then bounds it. */
export function scrub(text: string, apiKey: string): string {
  let t = apiKey.length >= 4 ? text.split(apiKey).join('[redacted]') : text;
  t = t
    .replace(/Bearer\s+\S+/gi, 'Bearer [redacted]')
    .replace(/\s+/g, ' ')
    .trim();
  return t.length > MAX_DETAIL ? `${t.slice(0, MAX_DETAIL)}…` : t;
}

export function gpuError(code: InferenceErrorCode, message: string, apiKey: string): InferenceError {
  // No `cause`: a fetch error's cause can carry request details; the message says what matters.
  return new InferenceError(code, scrub(message, apiKey));
}

/**
 * The price cap holds after the fact too: an instance that came up above it (the offer was repriced
 * between listing and renting) is terminated at once, and creating it fails with GPU_PRICE_ABOVE_CAP.
 */
export async function refuseAboveCap(
  provider: Pick<GpuProvider, 'terminate'>,
  inst: ProviderInstance,
  cap: number | undefined,
  o: { readonly what: string; readonly apiKey: string; readonly signal?: AbortSignal | undefined },
): Promise<ProviderInstance> {
  if (cap === undefined || inst.pricePerHour <= cap + 1e-9) return inst;
  await provider.terminate(inst.id, o.signal);
  throw gpuError(
    'GPU_PRICE_ABOVE_CAP',
    `${o.what} ${inst.id} came up at $${inst.pricePerHour}/h above the cap $${cap}/h; terminated`,
    o.apiKey,
  );
}

function abortError(p: CallPolicy, init: CallInit): InferenceError {
  return gpuError('GPU_ABORTED', `${p.provider} ${init.method} ${init.path}: aborted`, p.apiKey);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Error('aborted'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Retry-After in ms (delta seconds or an HTTP date); null when absent or unparsable. */
export function retryAfterMs(h: Headers): number | null {
  const v = h.get('retry-after');
  if (v === null || v.trim() === '') return null;
  const s = Number(v);
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const d = Date.parse(v);
  return Number.isNaN(d) ? null : Math.max(0, d - Date.now());
}

function causeCode(err: unknown): string {
  const c = (err as { cause?: { code?: unknown } } | null)?.cause?.code;
  if (typeof c === 'string') return c;
  const n = (err as { name?: unknown } | null)?.name;
  return n === 'TimeoutError' ? 'timeout' : 'connection failed';
}

async function readBody(res: Response): Promise<unknown> {
  const text = await res.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * Sends the request, retrying per the policy. Resolves with the final response for any status the
 * caller must interpret (2xx and non-retried 4xx); throws coded errors when retries run out.
 */
export async function call(p: CallPolicy, init: CallInit): Promise<CallResult> {
  const url = new URL(p.baseUrl.replace(/\/+$/, '') + init.path);
  for (const [k, v] of Object.entries(init.query ?? {})) url.searchParams.set(k, v);
  const what = `${p.provider} ${init.method} ${init.path}`;
  let last: { code: InferenceErrorCode; msg: string } = {
    code: 'GPU_PROVIDER_ERROR',
    msg: `${what}: failed`,
  };
  for (let attempt = 0; attempt <= p.maxRetries; attempt++) {
    if (init.signal?.aborted) throw abortError(p, init);
    let waitMs = p.backoff(attempt);
    let ambiguous = false;
    try {
      const signal = init.signal
        ? AbortSignal.any([init.signal, AbortSignal.timeout(p.timeoutMs)])
        : AbortSignal.timeout(p.timeoutMs);
      const res = await p.fetch(url, {
        method: init.method,
        headers: {
          authorization: `Bearer ${p.apiKey}`,
          accept: 'application/json',
          ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
        signal,
      });
      const body = await readBody(res);
      if (res.status === 429) {
        const ra = retryAfterMs(res.headers);
        if (ra !== null) waitMs = ra;
        last = { code: 'GPU_RATE_LIMITED', msg: `${what}: 429 rate limited (${p.detail(body)})` };
      } else if (res.status >= 500 && p.retryStatus(res.status)) {
        ambiguous = init.method !== 'GET';
        last = { code: 'GPU_PROVIDER_ERROR', msg: `${what}: ${res.status} (${p.detail(body)})` };
      } else {
        return { status: res.status, headers: res.headers, body };
      }
    } catch (err) {
      if (init.signal?.aborted) throw abortError(p, init);
      ambiguous = init.method !== 'GET';
      last = { code: 'GPU_PROVIDER_UNREACHABLE', msg: `${what}: ${causeCode(err)}` };
    }
    try {
      if (attempt < p.maxRetries || (ambiguous && init.adopt)) {
        await sleep(Math.min(waitMs, p.maxDelayMs), init.signal);
      }
    } catch {
      throw abortError(p, init);
    }
    if (ambiguous && init.adopt) {
      const adopted = await init.adopt().catch(() => null);
      if (adopted !== null) return { adopted };
    }
  }
  throw gpuError(last.code, `${last.msg} after ${p.maxRetries + 1} tries`, p.apiKey);
}

/** call() for requests that never adopt. */
export async function request(p: CallPolicy, init: Omit<CallInit, 'adopt'>): Promise<HttpResult> {
  const r = await call(p, init);
  if ('adopted' in r) throw new Error('unreachable: adopt without adopter');
  return r;
}

/** Reads a finite number from a JSON field that may be a number or a numeric string. */
export function num(v: unknown, fallback = 0): number {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : fallback;
}
