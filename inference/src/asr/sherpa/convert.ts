// sherpa-onnx results converted to our types at the boundary (pure; tested with literal results).
import type { AsrWord, TranscribeResult } from '../types.ts';
import type { SherpaOfflineResult, SherpaOnlineResult } from './addon.ts';

const clamp01 = (v: number): number => (Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0);
const meanExp = (logs: readonly number[]): number =>
  logs.length === 0 ? 0 : clamp01(Math.exp(logs.reduce((s, v) => s + v, 0) / logs.length));

/**
 * Words of `text` spread over [startTs, startTs + durationMs) in proportion to their length.
 * For engines that give no word times (sherpa's Whisper without an attention-exported decoder):
 * the times are an estimate, and TranscriberInfo.wordTimes says so.
 */
export function interpolateWords(
  text: string,
  startTs: number,
  durationMs: number,
  confidence: number,
): AsrWord[] {
  const words = text.split(/\s+/).filter((w) => w.length > 0);
  const total = words.reduce((s, w) => s + w.length + 1, 0);
  const out: AsrWord[] = [];
  let at = 0;
  for (const w of words) {
    const len = w.length + 1;
    out.push({
      word: w,
      startTs: Math.round(startTs + (at / total) * durationMs),
      endTs: Math.round(startTs + ((at + len) / total) * durationMs),
      confidence,
    });
    at += len;
  }
  return out;
}

/**
 * A Whisper result. `lang` is Whisper's own language token (multilingual models, language 'auto');
 * English-only models report none, so `fallbackLanguage` fills it. Confidence is exp(mean token
 * log-prob) when sherpa gives log-probs, else 0 (unknown).
 */
export function whisperResultToTranscript(
  r: SherpaOfflineResult,
  startTs: number,
  durationMs: number,
  fallbackLanguage: string,
): TranscribeResult {
  const text = r.text.trim();
  const confidence = meanExp(r.ys_log_probs ?? []);
  return {
    text,
    language: r.lang || fallbackLanguage,
    confidence,
    words: interpolateWords(text, startTs, durationMs, confidence),
  };
}

/** BPE pieces → words: a piece starting with '▁' (U+2581) or a space begins a new word. */
export function transducerResultToTranscript(
  r: SherpaOnlineResult,
  startTs: number,
  durationMs: number,
  language: string,
): TranscribeResult {
  const tokens = r.tokens ?? [];
  const times = r.timestamps ?? [];
  const logs = r.ys_probs ?? [];
  const words: Array<{ word: string; start: number; logs: number[] }> = [];
  tokens.forEach((tok, i) => {
    const t = (times[i] ?? 0) * 1000;
    const starts = /^[\u2581 ]/.test(tok) || words.length === 0;
    const piece = tok.replace(/^[\u2581 ]+/, '');
    if (starts) words.push({ word: piece, start: t, logs: [] });
    else words[words.length - 1]!.word += piece;
    if (logs[i] !== undefined) words[words.length - 1]!.logs.push(logs[i]!);
  });
  const kept = words.filter((w) => w.word.length > 0);
  const out: AsrWord[] = kept.map((w, i) => {
    const next = kept[i + 1];
    // A word ends where the next begins; the last one at the end of the audio.
    const end = next ? next.start : Math.max(w.start + 1, durationMs);
    return {
      word: w.word,
      startTs: Math.round(startTs + w.start),
      endTs: Math.round(startTs + end),
      confidence: meanExp(w.logs),
    };
  });
  const confidence = out.length === 0 ? 0 : out.reduce((s, w) => s + w.confidence, 0) / out.length;
  const text = r.text.trim() || out.map((w) => w.word).join(' ');
  return { text, language, confidence, words: out };
}
