// Turning ffmpeg's stderr into our own facts: a bounded tail for diagnostics, whether decoding
// hit errors, per-frame PTS from showinfo, and an IngestErrorCode for a failure.
import type { IngestErrorCode } from '../errors.ts';

const TAIL_LINES = 64;
// showinfo (video) and ashowinfo (audio) print a line per frame: data, not diagnostics.
const SHOWINFO = /^\[Parsed_a?showinfo_\d+ @ /;
const VIDEO_SHOWINFO = /^\[Parsed_showinfo_\d+ @ /;
const AUDIO_SHOWINFO = /^\[Parsed_ashowinfo_\d+ @ /;
const ERROR_LEVEL = /\[(error|fatal|panic)\] /;

/** The last lines of ffmpeg's stderr, bounded, with the per-frame showinfo chatter left out. */
export class StderrLog {
  private readonly lines: string[] = [];
  private errors = 0;

  add(line: string): void {
    if (line === '' || SHOWINFO.test(line)) return;
    if (ERROR_LEVEL.test(line)) this.errors++;
    this.lines.push(line);
    if (this.lines.length > TAIL_LINES) this.lines.shift();
  }

  get tail(): readonly string[] {
    return this.lines;
  }

  /** Count of error-level lines seen over the whole run (not only in the tail). */
  get errorCount(): number {
    return this.errors;
  }
}

export type ShowinfoEvent =
  | { readonly type: 'timebase'; readonly num: number; readonly den: number }
  | { readonly type: 'frame'; readonly pts: number | null; readonly ptsTime: number | null };

const TIMEBASE = /config in time_base: (\d+)\/(\d+)/;
const FRAME = /\bn:\s*\d+\s+pts:\s*(-?\d+|NOPTS)\s+pts_time:(\S+)/;

/** Parse one showinfo stderr line (`config in time_base: 1/5` or `n: 3 pts: 3 pts_time:0.6 ...`). */
export function parseShowinfo(line: string): ShowinfoEvent | null {
  if (!VIDEO_SHOWINFO.test(line)) return null;
  const frame = FRAME.exec(line);
  if (frame) {
    const pts = frame[1] === 'NOPTS' ? null : Number(frame[1]);
    const ptsTime = Number(frame[2]);
    return { type: 'frame', pts, ptsTime: Number.isFinite(ptsTime) ? ptsTime : null };
  }
  const tb = TIMEBASE.exec(line);
  if (tb) return { type: 'timebase', num: Number(tb[1]), den: Number(tb[2]) };
  return null;
}

/** One audio frame as ashowinfo printed it (after our resampler: 16 kHz mono). */
export interface AudioFrameInfo {
  /** PTS in the filter's time base, 1/rate (aresample's output time base); null for NOPTS. */
  readonly pts: number | null;
  readonly rate: number;
  readonly samples: number;
}

const AUDIO_FRAME = /\bn:\s*\d+\s+pts:\s*(-?\d+|NOPTS)\s.*\brate:(\d+)\s+nb_samples:(\d+)/;

/** Parse one ashowinfo line (`n:3 pts:1115 pts_time:0.0696875 ... rate:16000 nb_samples:372 ...`). */
export function parseAudioShowinfo(line: string): AudioFrameInfo | null {
  if (!AUDIO_SHOWINFO.test(line)) return null;
  const m = AUDIO_FRAME.exec(line);
  if (!m) return null;
  const rate = Number(m[2]);
  if (!(rate > 0)) return null;
  return { pts: m[1] === 'NOPTS' ? null : Number(m[1]), rate, samples: Number(m[3]) };
}

export interface Classified {
  readonly code: IngestErrorCode;
  /** The stderr line that decided it, without ffmpeg's `[ctx @ 0x..] [level]` prefixes. */
  readonly detail: string | null;
}

export interface ClassifyContext {
  /** Network source: I/O errors mean the source cannot be reached, not that the media is bad. */
  readonly network: boolean;
  /** The file starts like an ISO-BMFF (mp4/mov) file. "moov atom not found" then means a cut-off
   * download/recording; for anything else (a text file named .mp4) it means "not media". */
  readonly isoBmff?: boolean;
}

interface Rule {
  readonly code: IngestErrorCode;
  readonly pattern: RegExp;
  readonly when?: (ctx: ClassifyContext) => boolean;
}

// Order matters: a truncated file also prints "Invalid data found when processing input", and a
// failed HTTP request may end in "Input/output error".
const RULES: readonly Rule[] = [
  { code: 'INGEST_FILE_NOT_FOUND', pattern: /No such file or directory/i, when: (c) => !c.network },
  { code: 'INGEST_TRUNCATED', pattern: /moov atom not found/i, when: (c) => c.isoBmff === true },
  {
    code: 'INGEST_TRUNCATED',
    pattern: /partial file|truncat|unexpected end of (file|stream)|premature end|end of file reached/i,
    when: (c) => !c.network,
  },
  {
    code: 'INGEST_UNREACHABLE',
    pattern:
      /Connection refused|Connection timed out|timed out|Failed to resolve|Name or service not known|Server returned [45]\d\d|Network is unreachable|No route to host|Connection reset|Host is unreachable|Unable to open RTSP|method DESCRIBE failed/i,
  },
  {
    code: 'INGEST_UNREACHABLE',
    pattern: /Input\/output error|End of file|Broken pipe|Cannot open connection/i,
    when: (c) => c.network,
  },
  {
    code: 'INGEST_NOT_MEDIA',
    pattern:
      /Invalid data found when processing input|moov atom not found|could not find codec parameters|Unknown input format|does not contain any stream/i,
  },
];

// Audio-only failures, checked first by the audio decoders: the container is fine, the audio is not.
const AUDIO_RULES: readonly Rule[] = [
  {
    code: 'INGEST_AUDIO_UNSUPPORTED',
    pattern: /Decoder \(codec [^)]*\) not found|Unsupported codec|not implemented/i,
  },
];

/**
 * An audio decoder's run failed: the audio codec (unsupported), a container problem keeps its
 * code, anything else is the audio's own (INGEST_AUDIO_DECODE_FAILED).
 */
export function classifyAudioStderr(lines: readonly string[], ctx: ClassifyContext): Classified {
  const failure = matchRules(AUDIO_RULES, lines, ctx) ?? classifyStderr(lines, ctx);
  if (failure.code === 'INGEST_DECODE_FAILED' || failure.code === 'INGEST_NOT_MEDIA') {
    return { ...failure, code: 'INGEST_AUDIO_DECODE_FAILED' };
  }
  return failure;
}

/** Decide what a failed ffmpeg/ffprobe run means, from its stderr (newest lines weigh most). */
export function classifyStderr(lines: readonly string[], ctx: ClassifyContext): Classified {
  return matchRules(RULES, lines, ctx) ?? { code: 'INGEST_DECODE_FAILED', detail: lastErrorLine(lines) };
}

/** The first rule (in order) matching any line, newest line first; null when none does. */
function matchRules(
  rules: readonly Rule[],
  lines: readonly string[],
  ctx: ClassifyContext,
): Classified | null {
  for (const rule of rules) {
    if (rule.when && !rule.when(ctx)) continue;
    for (let i = lines.length - 1; i >= 0; i--) {
      const line = lines[i] ?? '';
      if (rule.pattern.test(line)) return { code: rule.code, detail: cleanLine(line) };
    }
  }
  return null;
}

function lastErrorLine(lines: readonly string[]): string | null {
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i] ?? '';
    if (ERROR_LEVEL.test(line) || !/^\[(info|verbose|debug|warning)\]|^\s/.test(line)) {
      const cleaned = cleanLine(line);
      if (cleaned !== '') return cleaned;
    }
  }
  return null;
}

/** Drop `[mov,mp4 @ 0x55d...]` and `[error]` prefixes and squeeze whitespace. Not yet redacted. */
export function cleanLine(line: string): string {
  return line
    .replace(/^(\[[^\]]* @ 0x[0-9a-f]+\]\s*)?(\[(?:panic|fatal|error|warning|info|verbose|debug)\]\s*)?/i, '')
    .replace(/\s+/g, ' ')
    .trim();
}
