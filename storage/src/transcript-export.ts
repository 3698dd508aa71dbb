import type { SpeakerRecord, TranscriptSegmentRecord } from './audio-types.ts';

// Transcript files from stored segments: pure text building, no I/O. Times are written relative
// to `epochMs` (a file source's media time 0), so a file's transcript starts at 00:00:00.000.

export const TRANSCRIPT_FORMATS = Object.freeze(['vtt', 'srt', 'json', 'csv'] as const);

export type TranscriptFormat = (typeof TRANSCRIPT_FORMATS)[number];

export interface TranscriptExportOptions {
  /** Wall-clock ms written as 00:00:00.000 (default: the first segment's start, or 0 if none). */
  readonly epochMs?: number;
  /** Display names by speakerId (a speaker's label or person's name); default: the speaker id. */
  readonly speakerNames?: Readonly<Record<string, string>>;
}

/** The `speakerNames` of a source's speakers: those the user named appear by their label. */
export function speakerNames(speakers: readonly SpeakerRecord[]): Record<string, string> {
  return Object.fromEntries(speakers.filter((s) => s.label !== '').map((s) => [s.speakerId, s.label]));
}

/** Formats segments (in the given order) as WebVTT, SRT, JSON or CSV. */
export function formatTranscript(
  segments: readonly TranscriptSegmentRecord[],
  format: TranscriptFormat,
  opts: TranscriptExportOptions = {},
): string {
  const epoch = opts.epochMs ?? segments[0]?.startTs ?? 0;
  const rel = (ts: number): number => Math.max(0, Math.round(ts - epoch));
  const speaker = (s: TranscriptSegmentRecord): string =>
    s.speakerId === '' ? '' : (opts.speakerNames?.[s.speakerId] ?? s.speakerId);
  switch (format) {
    case 'vtt':
      return vtt(segments, rel, speaker);
    case 'srt':
      return srt(segments, rel, speaker);
    case 'json':
      return json(segments, rel, speaker);
    case 'csv':
      return csv(segments, rel, speaker);
  }
}

type Rel = (ts: number) => number;
type Speaker = (s: TranscriptSegmentRecord) => string;

/** `hh:mm:ss.mmm` (hours grow past 99 rather than wrap). */
export function clock(ms: number, sep: '.' | ',' = '.'): string {
  const t = Math.max(0, Math.round(ms));
  const h = Math.floor(t / 3_600_000);
  const m = Math.floor(t / 60_000) % 60;
  const s = Math.floor(t / 1000) % 60;
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(h)}:${pad(m)}:${pad(s)}${sep}${pad(t % 1000, 3)}`;
}

// A cue's text may not contain a blank line (it would end the cue) nor "-->".
function cueText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .join('\n')
    .replaceAll('-->', '->');
}

// End never before start: players drop cues with end < start.
const end = (s: TranscriptSegmentRecord, rel: Rel) => Math.max(rel(s.startTs), rel(s.endTs));

function vtt(segments: readonly TranscriptSegmentRecord[], rel: Rel, speaker: Speaker): string {
  const esc = (t: string) => t.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
  const cues = segments.map((s, i) => {
    const who = speaker(s);
    // A voice span's annotation ends at '>', and '&' would start a reference in it.
    const voice = who === '' ? '' : `<v ${who.replace(/[<>&\n\r]/g, ' ').trim()}>`;
    return `${i + 1}\n${clock(rel(s.startTs))} --> ${clock(end(s, rel))}\n${voice}${esc(cueText(s.text))}\n`;
  });
  return ['WEBVTT\n', ...cues].join('\n');
}

function srt(segments: readonly TranscriptSegmentRecord[], rel: Rel, speaker: Speaker): string {
  return segments
    .map((s, i) => {
      const who = speaker(s);
      const range = `${clock(rel(s.startTs), ',')} --> ${clock(end(s, rel), ',')}`;
      return `${i + 1}\n${range}\n${who === '' ? '' : `${who}: `}${cueText(s.text)}\n`;
    })
    .join('\n');
}

function json(segments: readonly TranscriptSegmentRecord[], rel: Rel, speaker: Speaker): string {
  const out = segments.map((s) => ({
    segmentId: s.segmentId,
    startMs: rel(s.startTs),
    endMs: end(s, rel),
    text: s.text,
    speakerId: s.speakerId,
    speaker: speaker(s),
    personId: s.personId,
    language: s.language,
    confidence: s.confidence,
    engine: s.engine,
    words: s.words.map((w) => ({
      word: w.word,
      startMs: rel(w.startTs),
      endMs: Math.max(rel(w.startTs), rel(w.endTs)),
      confidence: w.confidence,
    })),
  }));
  return `${JSON.stringify({ segments: out }, null, 2)}\n`;
}

/** RFC 4180 quoting; a cell a spreadsheet would run as a formula gets a leading apostrophe. */
function cell(v: string | number): string {
  let s = String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

function csv(segments: readonly TranscriptSegmentRecord[], rel: Rel, speaker: Speaker): string {
  const header = 'start,end,start_ms,end_ms,speaker,person_id,language,confidence,text';
  const rows = segments.map((s) =>
    [
      clock(rel(s.startTs)),
      clock(end(s, rel)),
      rel(s.startTs),
      end(s, rel),
      speaker(s),
      s.personId,
      s.language,
      s.confidence,
      s.text,
    ]
      .map(cell)
      .join(','),
  );
  return `${[header, ...rows].join('\r\n')}\r\n`;
}
