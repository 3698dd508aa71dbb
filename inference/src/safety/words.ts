// Distress and safe words in transcript text: whole words only ("no" must not fire on "know" or
// "nothing"), case-insensitive, phrases with any whitespace between their words.
import type { TranscriptSegmentRow } from '../audio/records.ts';

export interface WordMatch {
  /** The configured word or phrase (lower case). */
  readonly word: string;
  readonly score: number;
  readonly safe: boolean;
  readonly startTs: number;
  readonly endTs: number;
}

export interface WordMatcher {
  match(seg: Pick<TranscriptSegmentRow, 'text' | 'startTs' | 'endTs' | 'words'>): WordMatch[];
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A letter, digit or apostrophe next to the match means it is part of a longer word. */
function wordRegex(phrase: string): RegExp {
  const body = phrase.trim().split(/\s+/).map(escape).join('\\s+');
  return new RegExp(`(?<![\\p{L}\\p{N}'])${body}(?![\\p{L}\\p{N}'])`, 'iu');
}

const norm = (w: string): string => w.toLowerCase().replace(/[^\p{L}\p{N}']+/gu, '');

/**
 * Builds a matcher for scored words and the user's safe words (a safe word that is also a scored
 * word counts as safe, with the higher score).
 */
export function createWordMatcher(
  words: Readonly<Record<string, number>>,
  safeWords: readonly string[],
  safeScore: number,
): WordMatcher {
  const entries = new Map<string, { score: number; safe: boolean }>();
  for (const [w, score] of Object.entries(words)) {
    if (w.trim()) entries.set(w.trim().toLowerCase(), { score, safe: false });
  }
  for (const w of safeWords) {
    const k = w.trim().toLowerCase();
    if (!k) continue;
    entries.set(k, { score: Math.max(safeScore, entries.get(k)?.score ?? 0), safe: true });
  }
  const compiled = [...entries].map(([word, e]) => ({
    word,
    ...e,
    re: wordRegex(word),
    parts: word.split(/\s+/),
  }));
  return {
    match(seg) {
      const out: WordMatch[] = [];
      for (const c of compiled) {
        if (!c.re.test(seg.text)) continue;
        // The word's own time when the engine gave word timings (first match), else the segment's.
        let startTs = seg.startTs;
        let endTs = seg.endTs;
        const ws = seg.words;
        for (let i = 0; i + c.parts.length <= ws.length; i++) {
          if (c.parts.every((p, j) => norm(ws[i + j]!.word) === p)) {
            startTs = ws[i]!.startTs;
            endTs = ws[i + c.parts.length - 1]!.endTs;
            break;
          }
        }
        out.push({ word: c.word, score: c.score, safe: c.safe, startTs, endTs });
      }
      return out;
    },
  };
}
