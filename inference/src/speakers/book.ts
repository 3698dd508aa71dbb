// The speakers of one source as the analyzer knows them: per-speaker totals, the recent turns and
// the face tracks linking works from (both bounded, oldest dropped first), and the current links.
// No I/O: the analyzer turns what changed here into rows.
import { linkSpeakers, type FaceTrackSpan, type LinkOptions } from './link.ts';
import type { SpeakerTurnRow } from './records.ts';

export interface SpeakerState {
  readonly speakerId: string;
  speakingMs: number;
  turns: number;
  personId: string;
  link: 'none' | 'auto';
}

export interface SpeakerBookOptions extends LinkOptions {
  readonly maxTurnsKept: number;
  readonly maxFaceTracksKept: number;
}

export interface SpeakerBook {
  readonly lastTurn: SpeakerTurnRow | null;
  /** Turns kept (newest last). */
  readonly turns: readonly SpeakerTurnRow[];
  readonly faceTracks: number;
  speakers(): IterableIterator<SpeakerState>;
  speaker(id: string): SpeakerState | undefined;
  addTurn(turn: SpeakerTurnRow): void;
  /** Upserts face tracks by id (spans widen, the latest non-empty person wins). */
  upsertFaceTracks(rows: readonly FaceTrackSpan[]): void;
  /** Recomputes links from the kept turns and tracks; the ids of speakers whose link changed. */
  relink(): string[];
}

export function createSpeakerBook(opts: SpeakerBookOptions): SpeakerBook {
  const speakers = new Map<string, SpeakerState>();
  const turns: SpeakerTurnRow[] = [];
  const tracks = new Map<string, FaceTrackSpan>();
  let head = 0; // turns[head..] are kept; compacted when half is dead
  return {
    get lastTurn() {
      return turns.length > head ? turns[turns.length - 1]! : null;
    },
    get turns() {
      return turns.slice(head);
    },
    get faceTracks() {
      return tracks.size;
    },
    speakers: () => speakers.values(),
    speaker: (id) => speakers.get(id),
    addTurn(turn) {
      let s = speakers.get(turn.speakerId);
      if (!s) {
        s = { speakerId: turn.speakerId, speakingMs: 0, turns: 0, personId: '', link: 'none' };
        speakers.set(turn.speakerId, s);
      }
      s.speakingMs += turn.endTs - turn.startTs;
      s.turns++;
      turns.push(turn);
      if (turns.length - head > opts.maxTurnsKept) head++;
      if (head > opts.maxTurnsKept) {
        turns.splice(0, head);
        head = 0;
      }
    },
    upsertFaceTracks(rows) {
      for (const r of rows) {
        const old = tracks.get(r.faceTrackId);
        const merged: FaceTrackSpan = old
          ? {
              faceTrackId: r.faceTrackId,
              personId: r.personId || old.personId,
              startTs: Math.min(old.startTs, r.startTs),
              endTs: Math.max(old.endTs, r.endTs),
            }
          : r;
        tracks.delete(r.faceTrackId); // re-insert: Map order is recency
        tracks.set(r.faceTrackId, merged);
        while (tracks.size > opts.maxFaceTracksKept) tracks.delete(tracks.keys().next().value!);
      }
    },
    relink() {
      const changed: string[] = [];
      for (const l of linkSpeakers(turns.slice(head), [...tracks.values()], opts)) {
        const s = speakers.get(l.speakerId);
        if (!s || (s.personId === l.personId && s.link === l.link)) continue;
        s.personId = l.personId;
        s.link = l.link;
        changed.push(s.speakerId);
      }
      return changed;
    },
  };
}
