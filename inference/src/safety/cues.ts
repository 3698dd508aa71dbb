// Distress cues from the audio analyzers' rows: sound events whose label the distress rule scores,
// and scored or safe words in transcript segments. A cue that arrives after its windows were
// evaluated (ASR decodes after the utterance ends) stays active from the first window still to
// come, so it is never lost, only late.
import type { AudioEventRow, TranscriptSegmentRow } from '../audio/records.ts';
import type { Cue } from './inputs.ts';
import type { SafetyRule } from './rules-schema.ts';
import { createWordMatcher } from './words.ts';

type DistressRule = Extract<SafetyRule, { kind: 'distress' }>;

export interface CueMaker {
  sounds(rows: readonly AudioEventRow[], evaluatedUntil: number): Cue[];
  words(rows: readonly TranscriptSegmentRow[], evaluatedUntil: number): Cue[];
}

export function createCueMaker(rule: DistressRule, safeWords: readonly string[]): CueMaker {
  const matcher = createWordMatcher(rule.words, safeWords, rule.safeWordScore);
  const consentWords = new Set(rule.consentWords.map((w) => w.toLowerCase()));
  const until = (endTs: number, evaluated: number): number => Math.max(endTs, evaluated) + rule.holdMs;
  return {
    sounds(rows, evaluated) {
      const out: Cue[] = [];
      for (const r of rows) {
        // Own keys only: a label such as "constructor" is not a configured sound.
        const score = Object.hasOwn(rule.sounds, r.label) ? rule.sounds[r.label]! : 0;
        if (score <= 0) continue;
        const activeUntil = until(r.endTs, evaluated);
        out.push({
          kind: 'sound',
          label: r.label,
          score,
          startTs: r.startTs,
          endTs: r.endTs,
          activeUntil,
          consent: false,
        });
      }
      return out;
    },
    words(rows, evaluated) {
      const out: Cue[] = [];
      for (const seg of rows) {
        for (const m of matcher.match(seg)) {
          out.push({
            kind: 'word',
            label: m.word,
            score: m.score,
            startTs: m.startTs,
            endTs: m.endTs,
            activeUntil: until(m.endTs, evaluated),
            consent: m.safe || consentWords.has(m.word),
            segmentId: seg.segmentId,
            text: seg.text.slice(0, 500),
          });
        }
      }
      return out;
    },
  };
}
