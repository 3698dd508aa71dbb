// The REST client: every call goes through `request`, which turns non-2xx answers into ApiError
// (`CODE: message`) and validates JSON bodies with the protocol's Zod schemas.
import { z } from 'zod';
import {
  AppearanceView,
  AudioEventView,
  DetectionView,
  DossierView,
  ErrorBody,
  FaceView,
  PersonSpeechView,
  PersonView,
  RecordingView,
  SegmentView,
  ShotView,
  SourceView,
  SpeakerTurnView,
  SpeakerView,
  SpeechSegmentView,
  TimelineView,
  TranscriptHitView,
  TranscriptLineView,
  type AddSourceBody,
  type SpeakerPatchBody,
} from '../../../src/protocol.ts';

/** Absolute: the API lives at /api/v1 wherever the UI itself is mounted. */
export const API = '/api/v1';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
  /** The form the UI shows: `CODE: message`. */
  override toString(): string {
    return `${this.code}: ${this.message}`;
  }
}

/** `CODE: message` for any thrown value. */
export function errorText(err: unknown): string {
  if (err instanceof ApiError) return err.toString();
  if (err instanceof z.ZodError) return 'BAD_RESPONSE: the server answered in an unexpected shape';
  if (err instanceof Error) return `NETWORK: ${err.message}`;
  return `ERROR: ${String(err)}`;
}

type UnauthorizedHandler = (err: ApiError) => void;
let onUnauthorized: UnauthorizedHandler = () => {};

/** Called on any 401 (except from the login call itself): the app sends the user to the login page. */
export function setUnauthorizedHandler(fn: UnauthorizedHandler): void {
  onUnauthorized = fn;
}

/** The coded error of a failed response (its JSON ErrorBody, else the status line). */
export async function toApiError(res: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    // Not JSON (a proxy error page, an empty body): fall back to the status line.
  }
  const parsed = ErrorBody.safeParse(body);
  return parsed.success
    ? new ApiError(res.status, parsed.data.code, parsed.data.message)
    : new ApiError(res.status, `HTTP_${res.status}`, res.statusText || 'request failed');
}

export interface RequestOptions {
  readonly method?: string;
  readonly json?: unknown;
  readonly body?: BodyInit;
  readonly signal?: AbortSignal;
  /** Do not treat a 401 as "session expired" (the login and session probes). */
  readonly quiet401?: boolean;
}

/** Sends a request relative to the app's base; returns the Response (2xx) or throws ApiError. */
export async function request(path: string, opts: RequestOptions = {}): Promise<Response> {
  const headers: Record<string, string> = {};
  let body = opts.body;
  if (opts.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.json);
  }
  const res = await fetch(`${API}${path}`, {
    method: opts.method ?? 'GET',
    headers,
    body,
    signal: opts.signal,
    credentials: 'same-origin',
  });
  if (res.ok) return res;
  const err = await toApiError(res);
  // An aborted request (its page is gone) reports nothing: it would only repeat the first 401.
  opts.signal?.throwIfAborted();
  if (res.status === 401 && !opts.quiet401) onUnauthorized(err);
  throw err;
}

async function getJson<T>(path: string, schema: z.ZodType<T>, signal?: AbortSignal): Promise<T> {
  const res = await request(path, { signal });
  return schema.parse(await res.json());
}

/** Builds `?a=1&b=2` from the defined entries. */
export function query(params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

const enc = encodeURIComponent;

export const auth = {
  async login(token: string): Promise<void> {
    await request('/auth/login', { method: 'POST', json: { token }, quiet401: true });
  },
  async logout(): Promise<void> {
    await request('/auth/logout', { method: 'POST', quiet401: true });
  },
  /** true when the session cookie is valid. */
  async check(): Promise<boolean> {
    try {
      await request('/auth/session', { quiet401: true });
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return false;
      throw err;
    }
  },
};

export interface Keyframe {
  readonly blob: Blob;
  readonly sourceWidth: number | null;
  readonly sourceHeight: number | null;
}

export interface TimeRange {
  readonly from?: number;
  readonly to?: number;
}

export const sources = {
  list: (signal?: AbortSignal) => getJson('/sources', z.array(SourceView), signal),
  get: (id: string, signal?: AbortSignal) => getJson(`/sources/${enc(id)}`, SourceView, signal),
  async add(body: Partial<AddSourceBody> & { input: string }): Promise<SourceView> {
    const res = await request('/sources', { method: 'POST', json: body });
    return SourceView.parse(await res.json());
  },
  async stop(id: string): Promise<void> {
    await request(`/sources/${enc(id)}/stop`, { method: 'POST' });
  },
  async remove(id: string): Promise<void> {
    await request(`/sources/${enc(id)}`, { method: 'DELETE' });
  },
  detections: (id: string, r: TimeRange & { class?: string; limit?: number }, signal?: AbortSignal) =>
    getJson(`/sources/${enc(id)}/detections${query({ ...r })}`, z.array(DetectionView), signal),
  timeline: (id: string, r: TimeRange & { classes?: readonly string[] }, signal?: AbortSignal) =>
    getJson(
      `/sources/${enc(id)}/timeline${query({ from: r.from, to: r.to, classes: r.classes?.join(',') })}`,
      TimelineView,
      signal,
    ),
  segments: (id: string, r: TimeRange & { class?: string; gap?: number }, signal?: AbortSignal) =>
    getJson(`/segments${query({ source: id, ...r })}`, z.array(SegmentView), signal),
  /** The JPEG of a source at `ts`, with the source's own size when the server says (boxes are in source pixels). */
  async frame(id: string, ts: number, signal?: AbortSignal): Promise<Keyframe> {
    const res = await request(`/sources/${enc(id)}/frame${query({ ts: Math.round(ts) })}`, { signal });
    const dim = (name: string): number | null => {
      const v = Number(res.headers.get(name));
      return Number.isFinite(v) && v > 0 ? v : null;
    };
    return {
      blob: await res.blob(),
      sourceWidth: dim('x-source-width'),
      sourceHeight: dim('x-source-height'),
    };
  },
  recordings: (id: string, r: TimeRange, signal?: AbortSignal) =>
    getJson(`/sources/${enc(id)}/recordings${query({ ...r })}`, z.array(RecordingView), signal),
  /** Faces in [from, to), each with the person its track was assigned to (overlays). */
  faces: (id: string, r: TimeRange & { limit?: number }, signal?: AbortSignal) =>
    getJson(`/sources/${enc(id)}/faces${query({ ...r })}`, z.array(FaceView), signal),
  /** Shots (cut to cut), oldest first. */
  shots: (id: string, r: TimeRange, signal?: AbortSignal) =>
    getJson(`/sources/${enc(id)}/shots${query({ ...r })}`, z.array(ShotView), signal),
  /** The JPEG of `ts` as a download (Content-Disposition: attachment). */
  snapshotUrl: (id: string, ts: number): string =>
    `${API}/sources/${enc(id)}/frame${query({ ts: Math.round(ts), download: 1 })}`,
  exportUrl: (id: string, what: 'detections' | 'tracks' | 'segments', format: 'json' | 'csv'): string =>
    `${API}/sources/${enc(id)}/export${query({ what, format })}`,
};

/** Where an appearance is: its source and its face track there. */
export interface AppearanceKey {
  readonly sourceId: string;
  readonly appearanceId: number;
}

async function sendJson<T>(path: string, method: string, json: unknown, schema: z.ZodType<T>): Promise<T> {
  const res = await request(path, { method, json });
  return schema.parse(await res.json());
}

const appearancePath = (k: AppearanceKey): string => `/appearances/${enc(k.sourceId)}/${k.appearanceId}`;
const key = (k: AppearanceKey): AppearanceKey => ({ sourceId: k.sourceId, appearanceId: k.appearanceId });

export const persons = {
  /** Most seen first; `all` includes persons below the minimum screen time. */
  list: (opts: { q?: string; all?: boolean } = {}, signal?: AbortSignal) =>
    getJson(
      `/persons${query({ q: opts.q?.trim(), all: opts.all ? 'true' : undefined })}`,
      z.array(PersonView),
      signal,
    ),
  dossier: (id: string, signal?: AbortSignal) => getJson(`/persons/${enc(id)}`, DossierView, signal),
  rename: (id: string, name: string) => sendJson(`/persons/${enc(id)}/name`, 'PUT', { name }, PersonView),
  /** Moves every appearance of `id` into `into`; answers the surviving person. */
  merge: (id: string, into: string) => sendJson(`/persons/${enc(id)}/merge`, 'POST', { into }, PersonView),
  /** The chosen appearances become a new person (answered). */
  split: (id: string, appearances: readonly AppearanceKey[]) =>
    sendJson(`/persons/${enc(id)}/split`, 'POST', { appearances: appearances.map(key) }, PersonView),
  /** personId null: to a new person. */
  move: (k: AppearanceKey, personId: string | null) =>
    sendJson(`${appearancePath(k)}/move`, 'POST', { personId }, AppearanceView),
  /** "Not this person": an automatic assignment is undone. */
  undo: (k: AppearanceKey) => sendJson(`${appearancePath(k)}/undo`, 'POST', undefined, AppearanceView),
  confirm: (k: AppearanceKey) => sendJson(`${appearancePath(k)}/confirm`, 'POST', undefined, AppearanceView),
  reject: (k: AppearanceKey) => sendJson(`${appearancePath(k)}/reject`, 'POST', undefined, AppearanceView),
  exportUrl: (id: string, format: 'json' | 'csv'): string =>
    `${API}/persons/${enc(id)}/export${query({ format })}`,
};

export type TranscriptFormat = 'vtt' | 'srt' | 'json' | 'csv';

/** What a source heard (issue 9): transcript, speech spans, sound events, speakers; word search. */
export const audio = {
  transcript: (id: string, r: TimeRange & { speaker?: string; limit?: number }, signal?: AbortSignal) =>
    getJson(`/sources/${enc(id)}/transcript${query({ ...r })}`, z.array(TranscriptLineView), signal),
  speech: (id: string, r: TimeRange, signal?: AbortSignal) =>
    getJson(`/sources/${enc(id)}/speech${query({ ...r })}`, z.array(SpeechSegmentView), signal),
  events: (id: string, r: TimeRange & { label?: string }, signal?: AbortSignal) =>
    getJson(`/sources/${enc(id)}/audio-events${query({ ...r })}`, z.array(AudioEventView), signal),
  speakers: (id: string, signal?: AbortSignal) =>
    getJson(`/sources/${enc(id)}/speakers`, z.array(SpeakerView), signal),
  speakerTurns: (id: string, speakerId: string, signal?: AbortSignal) =>
    getJson(`/sources/${enc(id)}/speakers/${enc(speakerId)}/turns`, z.array(SpeakerTurnView), signal),
  /** The chosen turns (by start) become a new speaker; returns it. */
  splitSpeaker: (id: string, speakerId: string, turns: readonly number[]) =>
    sendJson(`/sources/${enc(id)}/speakers/${enc(speakerId)}/split`, 'POST', { turns }, SpeakerView),
  decideSpeaker: (id: string, speakerId: string, body: SpeakerPatchBody) =>
    sendJson(`/sources/${enc(id)}/speakers/${enc(speakerId)}`, 'PATCH', body, SpeakerView),
  search: (q: { q: string; source?: string; person?: string; limit?: number }, signal?: AbortSignal) =>
    getJson(`/search${query({ ...q })}`, z.array(TranscriptHitView), signal),
  personSpeech: (personId: string, signal?: AbortSignal) =>
    getJson(`/persons/${enc(personId)}/speech`, PersonSpeechView, signal),
  exportUrl: (id: string, format: TranscriptFormat): string =>
    `${API}/sources/${enc(id)}/transcript.${format}`,
};

/**
 * Transcript, speech spans, sound events and speakers of a source over a range, each empty where it
 * cannot be had: audio is optional, the pages showing it work without.
 */
export async function heardIn(id: string, r: TimeRange, signal?: AbortSignal) {
  const [lines, speech, events, speakers] = await Promise.all([
    audio.transcript(id, r, signal).catch(() => []),
    audio.speech(id, r, signal).catch(() => []),
    audio.events(id, r, signal).catch(() => []),
    audio.speakers(id, signal).catch(() => []),
  ]);
  return { lines, speech, events, speakers };
}

export interface UploadOptions {
  readonly fps?: number;
  readonly realtime?: boolean;
  readonly onProgress?: (fraction: number) => void;
  readonly signal?: AbortSignal;
}

/**
 * PUT /uploads/:filename with the raw file as body. XHR rather than fetch: fetch has no upload
 * progress, and videos are large.
 */
export function upload(file: File, opts: UploadOptions = {}): Promise<SourceView> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', `${API}/uploads/${enc(file.name)}${query({ fps: opts.fps, realtime: opts.realtime })}`);
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    xhr.responseType = 'text';
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) opts.onProgress?.(e.loaded / e.total);
    };
    xhr.onerror = () => reject(new Error('upload failed (connection lost)'));
    xhr.onabort = () => reject(new DOMException('upload aborted', 'AbortError'));
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // handled below
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        const parsed = SourceView.safeParse(body);
        if (parsed.success) resolve(parsed.data);
        else reject(parsed.error);
        return;
      }
      const e = ErrorBody.safeParse(body);
      const err = e.success
        ? new ApiError(xhr.status, e.data.code, e.data.message)
        : new ApiError(xhr.status, `HTTP_${xhr.status}`, xhr.statusText || 'upload failed');
      if (xhr.status === 401) onUnauthorized(err);
      reject(err);
    };
    opts.signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(file);
  });
}
