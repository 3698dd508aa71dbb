// The CLIP tokenizer (openai/CLIP simple_tokenizer.py, also OpenCLIP's and MobileCLIP's): byte-level
// BPE with `</w>` word ends over the merges file `bpe_simple_vocab_16e6.txt.gz`, lower-cased, wrapped
// in <|startoftext|> / <|endoftext|>, padded with 0 to the context length (77).
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { InferenceError } from '../errors.ts';

/** Context length of every CLIP text tower. */
export const CLIP_CONTEXT = 77;
/** Merges CLIP uses from its file (49152 - 256 - 2): the real file then gives start 49406, end 49407. */
export const CLIP_MAX_MERGES = 48_894;

export interface ClipTokenizer {
  /** Vocabulary size (bytes, bytes with `</w>`, merges, the two specials). */
  readonly vocabSize: number;
  readonly startToken: number;
  readonly endToken: number;
  /** BPE token ids of one text (no specials). */
  encode(text: string): number[];
  /** [texts.length × context] ids: start, tokens, end, zero padding (truncated keeping the end token). */
  tokenize(texts: readonly string[], context?: number): BigInt64Array;
}

/** The byte order of the vocabulary: the 188 printable bytes, then the rest (Python's dict order). */
function byteOrder(): number[] {
  const bs: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) bs.push(b);
  for (let b = 0xa1; b <= 0xac; b++) bs.push(b);
  for (let b = 0xae; b <= 0xff; b++) bs.push(b);
  for (let b = 0; b < 256; b++) if (!bs.includes(b)) bs.push(b);
  return bs;
}
const PRINTABLE = 188;

/** openai/CLIP bytes_to_unicode, indexed by byte: printables map to themselves, the rest to 256+n. */
export function bytesToUnicode(): string[] {
  const table = new Array<string>(256);
  byteOrder().forEach((b, i) => (table[b] = String.fromCodePoint(i < PRINTABLE ? b : 256 + i - PRINTABLE)));
  return table;
}

// simple_tokenizer.py's pattern (re.IGNORECASE; text is lower-cased first anyway).
const PATTERN =
  /<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+/giu;

const ENTITIES: Readonly<Record<string, string>> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#39;': "'",
};

/** basic_clean + whitespace_clean + lower (ftfy's mojibake repair is left out: prompts are ours). */
export function cleanText(text: string): string {
  return text
    .replace(/&(amp|lt|gt|quot|#39);/g, (m) => ENTITIES[m] ?? m)
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

/** Parses merges text (first line a version header, then "a b" per line). */
export function parseMerges(text: string, max = CLIP_MAX_MERGES): Array<readonly [string, string]> {
  const lines = text.split('\n').slice(1, max + 1);
  const merges: Array<readonly [string, string]> = [];
  for (const [i, line] of lines.entries()) {
    if (line === '') continue;
    const parts = line.split(' ');
    if (parts.length !== 2 || !parts[0] || !parts[1])
      throw new InferenceError('MODEL_LOAD_FAILED', `CLIP merges line ${i + 2}: expected two symbols`);
    merges.push([parts[0], parts[1]]);
  }
  return merges;
}

export function createClipTokenizer(merges: ReadonlyArray<readonly [string, string]>): ClipTokenizer {
  const byteEncoder = bytesToUnicode();
  const base = byteOrder().map((b) => byteEncoder[b] as string);
  const vocab = [...base, ...base.map((s) => `${s}</w>`), ...merges.map(([a, b]) => a + b)];
  const encoder = new Map<string, number>();
  vocab.forEach((v, i) => encoder.set(v, i));
  const startToken = vocab.length;
  const endToken = vocab.length + 1;
  const ranks = new Map<string, number>();
  merges.forEach(([a, b], i) => {
    const key = `${a} ${b}`;
    if (!ranks.has(key)) ranks.set(key, i);
  });
  // Bounded cache of words already split (prompts repeat words a lot).
  const cache = new Map<string, string[]>();
  const utf8 = new TextEncoder();

  const bpe = (token: string): string[] => {
    const hit = cache.get(token);
    if (hit) return hit;
    const chars = [...token];
    let word = [...chars.slice(0, -1), `${chars.at(-1) ?? ''}</w>`];
    while (word.length > 1) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i < word.length - 1; i++) {
        const r = ranks.get(`${word[i]} ${word[i + 1]}`);
        if (r !== undefined && r < bestRank) {
          bestRank = r;
          best = i;
        }
      }
      if (best < 0) break;
      const a = word[best] as string;
      const b = word[best + 1] as string;
      // Merge every occurrence of the pair, left to right (as simple_tokenizer does).
      const next: string[] = [];
      for (let i = 0; i < word.length; i++) {
        if (i < word.length - 1 && word[i] === a && word[i + 1] === b) {
          next.push(a + b);
          i++;
        } else next.push(word[i] as string);
      }
      word = next;
    }
    if (cache.size >= 10_000) cache.clear();
    cache.set(token, word);
    return word;
  };

  const encode = (text: string): number[] => {
    const ids: number[] = [];
    for (const m of cleanText(text).matchAll(PATTERN)) {
      if (m[0] === '<|startoftext|>') ids.push(startToken);
      else if (m[0] === '<|endoftext|>') ids.push(endToken);
      else {
        const token = Array.from(utf8.encode(m[0]), (b) => byteEncoder[b] as string).join('');
        for (const piece of bpe(token)) {
          const id = encoder.get(piece);
          // Every single byte (with or without </w>) is in the vocabulary, so this cannot miss.
          if (id === undefined)
            throw new InferenceError('INFER_FAILED', `CLIP tokenizer: no id for '${piece}'`);
          ids.push(id);
        }
      }
    }
    return ids;
  };

  return {
    vocabSize: vocab.length + 2,
    startToken,
    endToken,
    encode,
    tokenize(texts, context = CLIP_CONTEXT) {
      const out = new BigInt64Array(texts.length * context);
      texts.forEach((t, row) => {
        let ids = [startToken, ...encode(t), endToken];
        if (ids.length > context) ids = [...ids.slice(0, context - 1), endToken];
        ids.forEach((id, i) => (out[row * context + i] = BigInt(id)));
      });
      return out;
    },
  };
}

/** Reads a merges file (gzip or plain text) and builds the tokenizer. */
export async function loadClipTokenizer(file: string): Promise<ClipTokenizer> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (err) {
    throw new InferenceError('MODEL_NOT_FOUND', `CLIP merges file ${file} not readable`, { cause: err });
  }
  let text: string;
  try {
    text = (buf[0] === 0x1f && buf[1] === 0x8b ? gunzipSync(buf) : buf).toString('utf8');
  } catch (err) {
    throw new InferenceError('MODEL_LOAD_FAILED', `CLIP merges file ${file}: not valid gzip`, { cause: err });
  }
  return createClipTokenizer(parseMerges(text));
}
