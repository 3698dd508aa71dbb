// The speakers analyzer's pure parts: clustering, linking to persons, change points, transcript
// speakers, the audio ring and row versions.
import { describe, expect, it } from 'vitest';
import { createAudioRing } from '../src/asr/audio-ring.ts';
import { createSpeakerBook } from '../src/speakers/book.ts';
import { findChanges, slidingWindows, splitTurn } from '../src/speakers/changes.ts';
import { clusterSpeakerEmbeddings, createSpeakerClusterer } from '../src/speakers/cluster.ts';
import { linkSpeakers, type FaceTrackSpan, type LinkTurn } from '../src/speakers/link.ts';
import { createVersionCounter } from '../src/speakers/records.ts';
import { speakerForSegment } from '../src/speakers/transcript.ts';

/** A unit vector at `deg` degrees in the plane of the first two axes of a 4-d space. */
const at = (deg: number): Float32Array => {
  const r = (deg * Math.PI) / 180;
  return Float32Array.from([Math.cos(r), Math.sin(r), 0, 0]);
};

describe('speaker clustering', () => {
  it('joins at or above the threshold, founds S<n+1> below it', () => {
    // cos 20° = 0.94, cos 70° = 0.34, cos 90° = 0
    const labels = clusterSpeakerEmbeddings([at(0), at(20), at(90), at(70), at(0)], { threshold: 0.8 });
    expect([...labels]).toEqual([0, 0, 1, 1, 0]);
    const c = createSpeakerClusterer(4, { threshold: 0.8 });
    expect(c.assign(at(0))).toMatchObject({ speakerId: 'S1', isNew: true });
    expect(c.assign(at(90))).toMatchObject({ speakerId: 'S2', isNew: true });
    const a = c.assign(at(10));
    expect(a).toMatchObject({ speakerId: 'S1', isNew: false, forced: false });
    expect(a.similarity).toBeCloseTo(Math.cos(Math.PI / 18), 5);
    expect(c.size).toBe(2);
  });

  it('keeps a weighted, unit-length mean embedding per speaker', () => {
    const c = createSpeakerClusterer(4, { threshold: 0.5 });
    c.assign(at(0), 1000);
    c.assign(at(40), 1000);
    const m = c.meanEmbedding('S1')!;
    expect(Math.hypot(...m)).toBeCloseTo(1, 5);
    expect(Math.atan2(m[1]!, m[0]!) * (180 / Math.PI)).toBeCloseTo(20, 3);
    expect(c.meanEmbedding('S9')).toBeNull();
  });

  it('is bounded: past maxSpeakers a new voice joins its nearest speaker, flagged forced', () => {
    const c = createSpeakerClusterer(4, { threshold: 0.99, maxSpeakers: 2 });
    c.assign(at(0));
    c.assign(at(90));
    const a = c.assign(at(60));
    expect(a).toMatchObject({ speakerId: 'S2', forced: true, isNew: false });
    expect(c.size).toBe(2);
  });
});

describe('linkSpeakers', () => {
  const turns: LinkTurn[] = [
    { speakerId: 'S1', startTs: 0, endTs: 4000 },
    { speakerId: 'S1', startTs: 6000, endTs: 10_000 },
  ];
  const track = (id: string, personId: string, startTs: number, endTs: number): FaceTrackSpan => ({
    faceTrackId: id,
    personId,
    startTs,
    endTs,
  });

  it('links to the one person visible alone for most of the speaking time', () => {
    const [l] = linkSpeakers(turns, [track('t1', 'P1', 0, 10_000)]);
    expect(l).toEqual({ speakerId: 'S1', personId: 'P1', link: 'auto', speakingMs: 8000, share: 1 });
  });

  it('does not link while two persons are visible together', () => {
    const [l] = linkSpeakers(turns, [track('t1', 'P1', 0, 10_000), track('t2', 'P2', 0, 10_000)]);
    expect(l).toMatchObject({ personId: '', link: 'none', share: 0 });
  });

  it('does not link below the share (P1 alone 50% of 8 s, needs 60%)', () => {
    const [l] = linkSpeakers(turns, [track('t1', 'P1', 0, 4000), track('t2', 'P2', 6000, 10_000)]);
    expect(l).toMatchObject({ personId: '', link: 'none', share: 0.5 });
    // Overlapping tracks of the same person count once; faces without a person are ignored.
    const [m] = linkSpeakers(turns, [
      track('t1', 'P1', 0, 8000),
      track('t3', 'P1', 2000, 10_000),
      track('t4', '', 0, 10_000),
    ]);
    expect(m).toMatchObject({ personId: 'P1', link: 'auto', share: 1 });
    const [s] = linkSpeakers([{ speakerId: 'S2', startTs: 0, endTs: 500 }], [track('t1', 'P1', 0, 500)]);
    expect(s).toMatchObject({ link: 'none', speakingMs: 500 }); // under minSpeakingMs
  });

  it('the speaker book relinks when face tracks arrive, and reports who changed', () => {
    const book = createSpeakerBook({ maxTurnsKept: 16, maxFaceTracksKept: 16 });
    for (const t of turns) book.addTurn({ sourceId: 's', ...t });
    expect(book.relink()).toEqual([]);
    book.upsertFaceTracks([track('t1', '', 0, 3000)]);
    book.upsertFaceTracks([track('t1', 'P1', 2000, 10_000)]); // widened, person known now
    expect(book.relink()).toEqual(['S1']);
    expect(book.speaker('S1')).toMatchObject({ personId: 'P1', link: 'auto', turns: 2, speakingMs: 8000 });
    expect(book.relink()).toEqual([]);
  });
});

describe('speaker changes inside a turn', () => {
  it('covers a turn with half-overlapping windows, the last one ending at the turn end', () => {
    const w = slidingWindows({ startTs: 0, endTs: 4000 }, 1500, 750);
    expect(w.map((x) => x.startTs)).toEqual([0, 750, 1500, 2250, 2500]);
    expect(w.at(-1)!.endTs).toBe(4000);
  });

  it('cuts where non-overlapping neighbours differ, keeping pieces >= minPieceMs', () => {
    const turn = { startTs: 0, endTs: 6000 };
    const windows = slidingWindows(turn, 1500, 750);
    // voice A until 3000 ms, voice B after; straddling windows sit in between
    const emb = windows.map((w) => (w.endTs <= 3000 ? at(0) : w.startTs >= 3000 ? at(90) : at(45)));
    const changes = findChanges(turn, windows, emb, { changeThreshold: 0.5, minPieceMs: 1000 });
    expect(changes.map((c) => c.ts)).toEqual([3000]);
    expect(splitTurn(turn, changes)).toEqual([
      { startTs: 0, endTs: 3000 },
      { startTs: 3000, endTs: 6000 },
    ]);
    const same = findChanges(
      turn,
      windows,
      windows.map(() => at(0)),
      { changeThreshold: 0.5, minPieceMs: 1000 },
    );
    expect(same).toEqual([]);
  });
});

describe('transcript speakers and buffers', () => {
  it('gives a segment the speaker overlapping it most', () => {
    const turns = [
      { speakerId: 'S1', startTs: 0, endTs: 1000 },
      { speakerId: 'S2', startTs: 1000, endTs: 3000 },
    ];
    expect(speakerForSegment({ startTs: 500, endTs: 2500 }, turns)).toEqual({
      speakerId: 'S2',
      overlapMs: 1500,
      coveredMs: 2000,
    });
    expect(speakerForSegment({ startTs: 5000, endTs: 6000 }, turns).speakerId).toBe('');
  });

  it('the audio ring slices by wall clock and stays bounded', () => {
    const ring = createAudioRing(1000);
    for (let i = 0; i < 30; i++) ring.push(100 * i, new Float32Array(1600).fill(i));
    expect(ring.latestTs).toBe(3000);
    expect(ring.earliestTs).toBeGreaterThanOrEqual(1900);
    const s = ring.extract(2550, 2750)!;
    expect(s.startTs).toBe(2550);
    expect(s.samples.length).toBe(200 * 16);
    expect(s.samples[0]).toBe(25);
    expect(s.samples.at(-1)).toBe(27);
    expect(ring.extract(0, 500)).toBeNull();
  });

  it('speaker row versions increase strictly even within one millisecond', () => {
    const next = createVersionCounter(() => 1000);
    expect([next(), next(), next()]).toEqual([1000, 1001, 1002]);
  });
});
