import { isDecodeMode } from '@aima/ingest';
import type { SourceRecord } from '@aima/storage';
import type { AddSourceRequest } from './types.ts';

/** A file interrupted this many times is not started again (it may be what brings the server down). */
export const MAX_FILE_RESUMES = 2;

export type ResumePlan =
  | { readonly action: 'leave' }
  | { readonly action: 'fail'; readonly code: 'SOURCE_INTERRUPTED'; readonly message: string }
  | {
      readonly action: 'resume';
      readonly input: string;
      readonly resumes: number;
      readonly request: Omit<AddSourceRequest, 'input' | 'id'>;
    };

interface StoredMeta {
  readonly fps?: unknown;
  readonly realtime?: unknown;
  readonly decode?: unknown;
  readonly priority?: unknown;
  readonly requested?: unknown;
  readonly resumes?: unknown;
}

/**
 * What to do at start-up with a source the store says is pending or running although no job of
 * this process runs it: it was cut off by a restart or a crash (kill -9 included). Streams come back
 * (as cameras do in Frigate), files start over (at most MAX_FILE_RESUMES times), sources of a job
 * are failed as interrupted so that their job retries them; anything else is left as it is.
 * `secretInput` is the real input kept in the vault (credentials), when there is one.
 */
export function resumePlan(rec: SourceRecord, secretInput: string | null): ResumePlan {
  if (rec.status !== 'pending' && rec.status !== 'running') return { action: 'leave' };
  // A seed API run has no media to read again: its client sends the request again.
  if (rec.kind === 'api') {
    return {
      action: 'fail',
      code: 'SOURCE_INTERRUPTED',
      message: 'seed analysis was interrupted by a restart; send the request again',
    };
  }
  // A WHIP publisher's connection ended with the process: only the publisher can start it again.
  if (rec.kind === 'whip') {
    return {
      action: 'fail',
      code: 'SOURCE_INTERRUPTED',
      message: 'the WHIP publisher was cut off by a restart; publish again',
    };
  }
  if (rec.jobId) {
    return {
      action: 'fail',
      code: 'SOURCE_INTERRUPTED',
      message: 'analysis was interrupted by a restart; its job runs it again',
    };
  }
  const meta = parseMeta(rec.meta);
  const resumes = typeof meta.resumes === 'number' ? meta.resumes : 0;
  const stream = rec.live || rec.kind === 'http' || rec.kind === 'hls';
  if (!stream && resumes >= MAX_FILE_RESUMES) {
    return {
      action: 'fail',
      code: 'SOURCE_INTERRUPTED',
      message: `analysis was interrupted ${resumes + 1} times; not started again (remove and add it to retry)`,
    };
  }
  const requested = Array.isArray(meta.requested)
    ? meta.requested.filter((a): a is string => typeof a === 'string')
    : undefined;
  return {
    action: 'resume',
    input: secretInput ?? rec.display,
    resumes: resumes + 1,
    request: {
      fps: typeof meta.fps === 'number' && meta.fps > 0 ? meta.fps : 2,
      realtime: meta.realtime === true,
      ...(isDecodeMode(meta.decode) ? { decode: meta.decode } : {}),
      ...(typeof meta.priority === 'number' ? { priority: meta.priority } : {}),
      ...(requested && requested.length > 0 ? { analyzers: requested } : {}),
    },
  };
}

function parseMeta(meta: string): StoredMeta {
  try {
    const v: unknown = JSON.parse(meta);
    return v !== null && typeof v === 'object' ? (v as StoredMeta) : {};
  } catch {
    return {};
  }
}
