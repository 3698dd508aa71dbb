import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { readFileSync } from 'node:fs';
import { ANALYZERS } from '@aima/dashboard';
import { parseAnalyzerConfig, parseAnalyzerList, type AnalyzerConfigMap } from '@aima/inference';
import { parseAllowList, type SourcePolicy } from '@aima/ingest';
import { CliError } from './errors.ts';

const envSchema = z.object({
  AIMA_DATA_DIR: z.string().min(1).optional(),
  AIMA_MODELS_DIR: z.string().min(1).optional(),
  AIMA_CACHE_DIR: z.string().min(1).optional(),
  CLICKHOUSE_URL: z.string().url().optional(),
  REDIS_URL: z
    .string()
    .url()
    .refine((u) => /^rediss?:\/\//.test(u), 'must be a redis:// or rediss:// URL')
    .optional(),
  AIMA_EP: z.enum(['auto', 'cpu', 'cuda', 'tensorrt']).default('auto'),
  AIMA_THREADS: z.coerce.number().int().positive().optional(),
  AIMA_OFFLINE: z.enum(['0', '1', 'true', 'false']).optional(),
  AIMA_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  AIMA_HOST: z.string().min(1).default('127.0.0.1'),
  AIMA_RECORDINGS_MAX_AGE_HOURS: z.coerce.number().positive().default(168),
  AIMA_RECORDINGS_MAX_GB: z.coerce.number().positive().optional(),
  AIMA_SEGMENT_SECONDS: z.coerce.number().positive().max(600).default(10),
  AIMA_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  AIMA_FACES: z.enum(['0', '1', 'true', 'false', 'on', 'off']).default('on'),
  AIMA_FACE_DETECTOR: z.string().min(1).optional(),
  AIMA_FACE_EMBEDDER: z.string().min(1).optional(),
  AIMA_PERSON_ASSIGN: z.coerce.number().min(-1).max(1).optional(),
  AIMA_PERSON_UNSURE: z.coerce.number().min(-1).max(1).optional(),
  AIMA_PERSONS_MIN_SCREEN_S: z.coerce.number().min(0).default(4),
  AIMA_PERSONS_MIN_SHARE: z.coerce.number().min(0).max(1).default(0.1),
  AIMA_SOURCE_POLICY: z.enum(['self-hosted', 'public-only']).default('self-hosted'),
  AIMA_SOURCE_ALLOW: z
    .string()
    .superRefine((s, ctx) => {
      try {
        parseAllowList(s.split(','));
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    })
    .optional(),
  AIMA_MEDIA_ROOTS: z.string().optional(),
  // GPU pool (issue 10). Keys are secrets: never echoed (see loadConfig's error) nor enumerable.
  RUNPOD_API_KEY: z.string().min(8).optional(),
  VAST_API_KEY: z.string().min(8).optional(),
  AIMA_INSTALLATION_ID: z
    .string()
    .regex(/^[a-z0-9]{1,32}$/, 'lowercase letters and digits, at most 32')
    .optional(),
  AIMA_WORKER_IMAGE: z.string().min(1).default('ghcr.io/aima/aima-worker:latest'),
  AIMA_GPU_DAILY_BUDGET_USD: z.coerce.number().min(0).optional(),
  AIMA_PUBLIC_URL: z.string().url().optional(),
  AIMA_ANALYZERS: z
    .string()
    .regex(/^[a-z0-9, -]+$/, 'comma-separated analyzer ids (see aima analyzers list)')
    .optional(),
  AIMA_ANALYZER_CONFIG: z.string().min(1).optional(),
});

/** Settings shared by every command, parsed once from the environment and frozen. */
export interface AppConfig {
  readonly dataDir: string;
  readonly modelsDir: string | null;
  readonly cacheDir: string | undefined;
  readonly clickhouseUrl: string | undefined;
  /** REDIS_URL: the job queue runs on Redis (several processes); unset, it is embedded in the store. */
  readonly redisUrl: string | undefined;
  readonly executionProvider: 'auto' | 'cpu' | 'cuda' | 'tensorrt';
  readonly threads: number | undefined;
  /** Never download models (AIMA_OFFLINE=1): a missing model is an error. */
  readonly offline: boolean;
  /** API token (AIMA_TOKEN); generated on first start when unset. Never printed except then. */
  readonly token: string | undefined;
  readonly host: string;
  readonly port: number;
  /** Recordings of live sources: segment length, and retention by age and total size. */
  readonly recordings: {
    readonly segmentSeconds: number;
    readonly maxAgeMs: number;
    readonly maxBytes: number | undefined;
  };
  /** Faces → persons: models, clustering thresholds, and when a person is shown. */
  readonly faces: {
    readonly enabled: boolean;
    readonly detectorId: string | undefined;
    readonly embedderId: string | undefined;
    readonly thresholds: { readonly assignThreshold?: number; readonly unsureThreshold?: number };
  };
  readonly persons: { readonly minScreenMs: number; readonly minShare: number };
  /** Analyzers a job runs when it does not choose (AIMA_ANALYZERS); null: each analyzer's default. */
  readonly analyzers: readonly string[] | null;
  /**
   * The installation's analyzer settings from the YAML/JSON file AIMA_ANALYZER_CONFIG names (safe
   * words, rule file, age margin, ...), validated against each analyzer's schema at start-up.
   */
  readonly analyzerConfig: AnalyzerConfigMap | null;
  /**
   * GPU pool. `keys` (RUNPOD_API_KEY, VAST_API_KEY) is a non-enumerable property: printing or
   * logging the config never shows it. installationId null: generated once in the data dir.
   */
  readonly gpu: {
    readonly installationId: string | null;
    readonly workerImage: string;
    readonly dailyBudgetUsd: number | null;
    /** The control plane URL rented workers connect to (AIMA_PUBLIC_URL); null: none, no rented GPUs. */
    readonly publicUrl: string | null;
    readonly keys: { readonly runpod: string | undefined; readonly vastai: string | undefined };
  };
  /** The source guard of `aima serve` (AIMA_SOURCE_POLICY, AIMA_SOURCE_ALLOW, AIMA_MEDIA_ROOTS). */
  readonly sources: {
    readonly policy: SourcePolicy;
    /** CIDRs/IPs an admin allow-listed (validated). */
    readonly allow: readonly string[];
    /** Absolute. The uploads directory always comes first: the server writes there itself. */
    readonly mediaRoots: readonly string[];
  };
}

function readAnalyzerConfig(file: string): AnalyzerConfigMap {
  let text: string;
  try {
    text = readFileSync(path.resolve(file), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new CliError(
      'CLI_BAD_VALUE',
      `environment variable AIMA_ANALYZER_CONFIG: cannot read the file (${code})`,
    );
  }
  try {
    return parseAnalyzerConfig(text, ANALYZERS, 'AIMA_ANALYZER_CONFIG');
  } catch (err) {
    throw new CliError('CLI_BAD_VALUE', `environment variable ${(err as Error).message}`);
  }
}

export function defaultDataDir(): string {
  const base = process.env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share');
  return path.join(base, 'aima');
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  // Empty variables count as unset, as in most shells' ${VAR:-default}.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    // Never echo the value: CLICKHOUSE_URL and AIMA_TOKEN are secrets.
    throw new CliError('CLI_BAD_VALUE', `environment variable ${issue?.path.join('.')}: ${issue?.message}`);
  }
  const e = parsed.data;
  return Object.freeze({
    dataDir: path.resolve(e.AIMA_DATA_DIR ?? defaultDataDir()),
    modelsDir: e.AIMA_MODELS_DIR ? path.resolve(e.AIMA_MODELS_DIR) : null,
    cacheDir: e.AIMA_CACHE_DIR,
    clickhouseUrl: e.CLICKHOUSE_URL,
    redisUrl: e.REDIS_URL,
    executionProvider: e.AIMA_EP,
    threads: e.AIMA_THREADS,
    offline: e.AIMA_OFFLINE === '1' || e.AIMA_OFFLINE === 'true',
    token: e.AIMA_TOKEN,
    host: e.AIMA_HOST,
    port: e.AIMA_PORT,
    recordings: Object.freeze({
      segmentSeconds: e.AIMA_SEGMENT_SECONDS,
      maxAgeMs: e.AIMA_RECORDINGS_MAX_AGE_HOURS * 3600_000,
      maxBytes: e.AIMA_RECORDINGS_MAX_GB === undefined ? undefined : e.AIMA_RECORDINGS_MAX_GB * 2 ** 30,
    }),
    faces: Object.freeze({
      enabled: !['0', 'false', 'off'].includes(e.AIMA_FACES),
      detectorId: e.AIMA_FACE_DETECTOR,
      embedderId: e.AIMA_FACE_EMBEDDER,
      thresholds: Object.freeze({
        ...(e.AIMA_PERSON_ASSIGN === undefined ? {} : { assignThreshold: e.AIMA_PERSON_ASSIGN }),
        ...(e.AIMA_PERSON_UNSURE === undefined ? {} : { unsureThreshold: e.AIMA_PERSON_UNSURE }),
      }),
    }),
    persons: Object.freeze({
      minScreenMs: e.AIMA_PERSONS_MIN_SCREEN_S * 1000,
      minShare: e.AIMA_PERSONS_MIN_SHARE,
    }),
    analyzers: e.AIMA_ANALYZERS ? Object.freeze(parseAnalyzerList(e.AIMA_ANALYZERS)) : null,
    analyzerConfig: e.AIMA_ANALYZER_CONFIG ? readAnalyzerConfig(e.AIMA_ANALYZER_CONFIG) : null,
    gpu: Object.freeze(
      Object.defineProperty(
        {
          installationId: e.AIMA_INSTALLATION_ID ?? null,
          workerImage: e.AIMA_WORKER_IMAGE,
          dailyBudgetUsd: e.AIMA_GPU_DAILY_BUDGET_USD ?? null,
          publicUrl: e.AIMA_PUBLIC_URL ?? null,
        },
        'keys',
        { value: Object.freeze({ runpod: e.RUNPOD_API_KEY, vastai: e.VAST_API_KEY }), enumerable: false },
      ) as AppConfig['gpu'],
    ),
    sources: Object.freeze({
      policy: e.AIMA_SOURCE_POLICY,
      allow: Object.freeze(
        (e.AIMA_SOURCE_ALLOW ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== ''),
      ),
      mediaRoots: mediaRoots(path.resolve(e.AIMA_DATA_DIR ?? defaultDataDir()), e.AIMA_MEDIA_ROOTS),
    }),
  });
}

/**
 * AIMA_MEDIA_ROOTS (colon-separated; `~` is the home directory, relative entries are taken from the
 * start directory), by default the start directory and the home directory; uploads always first.
 */
function mediaRoots(dataDir: string, env: string | undefined): readonly string[] {
  const home = os.homedir();
  const given = env
    ?.split(':')
    .filter((r) => r.trim() !== '')
    .map((r) => (r === '~' || r.startsWith('~/') ? path.join(home, r.slice(1)) : r));
  const roots = [path.join(dataDir, 'uploads'), ...(given ?? [process.cwd(), home])];
  return Object.freeze([...new Set(roots.map((r) => path.resolve(r)))]);
}

/** An optional time flag: ISO-8601 or epoch ms, parsed to epoch ms. */
export const timeFlag = z
  .string()
  .transform((s, ctx) => {
    const ms = /^\d+$/.test(s) ? Number(s) : Date.parse(s);
    if (!Number.isFinite(ms))
      ctx.addIssue({ code: 'custom', message: `'${s}' is not an ISO-8601 time or epoch ms` });
    return ms;
  })
  .optional();

/** Validates parsed flags against a Zod schema; the error names the exact flag. */
export function parseFlags<S extends z.ZodTypeAny>(schema: S, values: unknown): z.infer<S> {
  const parsed = schema.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const flag = issue?.path.length ? `--${issue.path.join('.')}` : 'arguments';
    throw new CliError('CLI_BAD_VALUE', `${flag}: ${issue?.message}`);
  }
  return parsed.data;
}
