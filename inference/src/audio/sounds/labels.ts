// The AudioSet label file (index,mid,display_name; names quoted, some with commas), the order of
// the tagger's 527 logits. Parsed at the boundary into our own type.
import { readFile } from 'node:fs/promises';
import { InferenceError } from '../../errors.ts';

export interface AudioSetLabel {
  readonly index: number;
  readonly mid: string;
  readonly name: string;
}

export function parseAudioSetLabels(csv: string): AudioSetLabel[] {
  const lines = csv.split(/\r?\n/).filter((l) => l.trim() !== '');
  const out: AudioSetLabel[] = [];
  for (const [n, line] of lines.entries()) {
    if (n === 0 && /^index,/i.test(line)) continue;
    const m = /^(\d+),([^,]*),(?:"((?:[^"]|"")*)"|(.*))$/.exec(line);
    if (!m) throw new InferenceError('MODEL_BAD_OUTPUT', `audioset labels: cannot parse line ${n + 1}`);
    const index = Number(m[1]);
    if (index !== out.length)
      throw new InferenceError(
        'MODEL_BAD_OUTPUT',
        `audioset labels: index ${index} out of order at line ${n + 1}`,
      );
    out.push({ index, mid: m[2] as string, name: (m[3] ?? m[4] ?? '').replace(/""/g, '"') });
  }
  return out;
}

export async function loadAudioSetLabels(file: string): Promise<AudioSetLabel[]> {
  return parseAudioSetLabels(await readFile(file, 'utf8'));
}
