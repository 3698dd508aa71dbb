// pocketsphinx_continuous (0.8) output with `-time yes`, converted to our types at the boundary.
// For every utterance its own segmenter finds it prints the hypothesis line, then one line per
// aligned word: `<word> <start s> <end s> <posterior>`, with fillers (<s>, </s>, <sil>, [NOISE],
// ++UM++) and alternate pronunciations marked `word(2)`. Times are seconds from the first sample
// fed; a word's end is the start of its last 10 ms frame.
import type { AsrWord, TranscribeResult } from '../types.ts';

const FRAME_S = 0.01;
const WORD_LINE = /^(\S+)\s+(-?\d+(?:\.\d+)?)\s+(-?\d+(?:\.\d+)?)\s+(-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)$/i;

/** Fillers and sentence markers pocketsphinx aligns but that are not words. */
export function isFiller(token: string): boolean {
  return /^<.*>$/.test(token) || /^\[.*\]$/.test(token) || /^\+\+.*\+\+$/.test(token);
}

/** `read(2)` → `read` (alternate pronunciation index of the dictionary). */
export function baseWord(token: string): string {
  return token.replace(/\(\d+\)$/, '');
}

const clamp01 = (v: number): number => (Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0);

/**
 * Parses the whole stdout of one run into a result; `startTs` is the wall-clock ms of the first
 * sample fed. Lines that are neither hypotheses nor word lines are ignored.
 */
export function parsePocketsphinxOutput(stdout: string, startTs: number): TranscribeResult {
  const words: AsrWord[] = [];
  const hypotheses: string[] = [];
  for (const raw of stdout.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const m = WORD_LINE.exec(line);
    if (!m) {
      hypotheses.push(line);
      continue;
    }
    const token = m[1]!;
    if (isFiller(token)) continue;
    const start = Number(m[2]);
    const end = Number(m[3]) + FRAME_S;
    words.push({
      word: baseWord(token),
      startTs: Math.round(startTs + start * 1000),
      endTs: Math.round(startTs + end * 1000),
      confidence: clamp01(Number(m[4])),
    });
  }
  // Utterances come in order, but keep the invariant explicit: words sorted by start.
  words.sort((a, b) => a.startTs - b.startTs);
  const text = words.length > 0 ? words.map((w) => w.word).join(' ') : hypotheses.join(' ');
  const confidence = words.length > 0 ? words.reduce((s, w) => s + w.confidence, 0) / words.length : 0;
  return { text, language: 'en', confidence, words };
}
