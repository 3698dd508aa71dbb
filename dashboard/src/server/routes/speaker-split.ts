// Splitting a speaker: the user says some turns were someone else. Turns and transcript lines are
// rewritten with newer versions (both tables keep the latest row), so nothing is deleted and the
// speakers analyzer's automatic rows (older versions) never undo it.
import {
  nextVersion,
  type SpeakerRecord,
  type SpeakerTurnRecord,
  type Store,
  type TranscriptSegmentRecord,
} from '@aima/storage';
import { DashboardError } from '../../errors.ts';

/** The next free `S<n>` of a source. */
function nextSpeakerId(ids: readonly string[]): string {
  let max = 0;
  for (const id of ids) {
    const m = /^S(\d+)$/.exec(id);
    if (m) max = Math.max(max, Number(m[1]));
  }
  return `S${max + 1}`;
}

const overlap = (a: { startTs: number; endTs: number }, b: { startTs: number; endTs: number }): number =>
  Math.max(0, Math.min(a.endTs, b.endTs) - Math.max(a.startTs, b.startTs));

/** The lines that belong to the moved turns: more of their time in them than in the turns that stay. */
function linesToMove(
  lines: readonly TranscriptSegmentRecord[],
  moved: readonly SpeakerTurnRecord[],
  kept: readonly SpeakerTurnRecord[],
): TranscriptSegmentRecord[] {
  const sum = (l: TranscriptSegmentRecord, turns: readonly SpeakerTurnRecord[]): number =>
    turns.reduce((n, t) => n + overlap(l, t), 0);
  return lines.filter((l) => sum(l, moved) > sum(l, kept));
}

/** Moves the turns starting at `turnStarts` (and their lines) to a new speaker, which it returns. */
export async function splitSpeaker(
  store: Store,
  current: SpeakerRecord,
  others: readonly string[],
  turnStarts: readonly number[],
  signal?: AbortSignal,
): Promise<SpeakerRecord> {
  const { sourceId, speakerId } = current;
  const turns = (await store.listSpeakerTurns({ sourceId, signal })).filter((t) => t.speakerId === speakerId);
  const wanted = new Set(turnStarts);
  const moved = turns.filter((t) => wanted.has(t.startTs));
  for (const ts of wanted) {
    if (!moved.some((t) => t.startTs === ts)) {
      throw new DashboardError(
        'API_BAD_REQUEST',
        `body.turns: ${ts} is not the start of a turn of ${speakerId}`,
      );
    }
  }
  const kept = turns.filter((t) => !wanted.has(t.startTs));
  if (kept.length === 0) {
    throw new DashboardError(
      'API_BAD_REQUEST',
      `body.turns: a split must leave ${speakerId} at least one turn`,
    );
  }
  const newId = nextSpeakerId([...others, speakerId]);
  const ms = (list: readonly SpeakerTurnRecord[]): number =>
    list.reduce((n, t) => n + (t.endTs - t.startTs), 0);
  // Turns first: if a later step fails, the new speaker's turns exist and a retry can name it.
  await store.insertSpeakerTurns(moved.map((t) => ({ ...t, speakerId: newId })));
  const lines = linesToMove(await store.listTranscript({ sourceId, speakerId, signal }), moved, kept);
  if (lines.length > 0) {
    await store.insertTranscriptSegments(lines.map((l) => ({ ...l, speakerId: newId, personId: '' })));
  }
  const version = nextVersion();
  const speaker: SpeakerRecord = {
    sourceId,
    speakerId: newId,
    label: '',
    personId: '',
    link: 'none',
    speakingMs: ms(moved),
    turns: moved.length,
    embedding: [],
    version,
  };
  await store.upsertSpeakers([{ ...current, speakingMs: ms(kept), turns: kept.length, version }, speaker]);
  return speaker;
}
