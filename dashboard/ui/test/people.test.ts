// The people pages' pure parts: routes, durations, appearance keys and times, correction texts,
// timeline lanes, shot bands and face labels.
import { describe, expect, it } from 'vitest';
import { personColor, UNKNOWN_FACE_COLOR } from '../src/lib/colors.ts';
import { faceLabel } from '../src/lib/overlay.ts';
import {
  appearanceKey,
  appearanceLanes,
  appearanceTime,
  canPlay,
  describeEvent,
  formatDuration,
  parseAppearanceKey,
  personCounts,
  shotBands,
} from '../src/lib/people.ts';
import { href, parseHash } from '../src/lib/routes.ts';

describe('people routes', () => {
  it('parses and builds #/people and #/people/:id', () => {
    expect(parseHash('#/people')).toEqual({ name: 'people' });
    expect(parseHash('#/people/Person_001')).toEqual({ name: 'person', id: 'Person_001' });
    for (const r of [{ name: 'people' }, { name: 'person', id: 'Person 7/x' }] as const) {
      expect(parseHash(href(r))).toEqual(r);
    }
  });
});

describe('formatDuration', () => {
  it('reads as seconds, minutes or hours', () => {
    expect(formatDuration(0)).toBe('0 s');
    expect(formatDuration(4200)).toBe('4.2 s');
    expect(formatDuration(12_400)).toBe('12 s');
    expect(formatDuration(185_000)).toBe('3 min 05 s');
    expect(formatDuration(3_720_000)).toBe('1 h 02 min');
  });
});

describe('personCounts', () => {
  it('gives screen time for video and images for photos', () => {
    expect(personCounts({ appearances: 3, screenMs: 12_000, stills: 0, sources: 2 })).toBe(
      '3 appearances · 12 s · 2 sources',
    );
    expect(personCounts({ appearances: 2, screenMs: 0, stills: 2, sources: 1 })).toBe(
      '2 appearances · 2 images · 1 source',
    );
    expect(personCounts({ appearances: 3, screenMs: 4000, stills: 1, sources: 2 })).toBe(
      '3 appearances · 4 s · 1 image · 2 sources',
    );
  });
});

describe('appearance keys and times', () => {
  it('round-trips keys, also with slashes in the source id', () => {
    const k = { sourceId: 'cam/a', appearanceId: 12 };
    expect(appearanceKey(k)).toBe('cam/a/12');
    expect(parseAppearanceKey('cam/a/12')).toEqual(k);
    expect(parseAppearanceKey('nokey')).toBeNull();
    expect(parseAppearanceKey('a/x')).toBeNull();
    expect(parseAppearanceKey('a/')).toBeNull();
  });

  it('shows media time for files and plays only video', () => {
    const src = { live: false, epochMs: 1_000_000, kind: 'file' as const };
    expect(appearanceTime({ startTs: 1_005_200, endTs: 1_009_800 }, src)).toBe('0:05.2 – 0:09.8');
    expect(appearanceTime({ startTs: 1_005_200, endTs: 1_005_200 }, src)).toBe('0:05.2');
    expect(appearanceTime({ startTs: 1, endTs: 2 }, undefined)).toBe('');
    expect(canPlay({ media: '' }, src)).toBe(true);
    expect(canPlay({ media: 'a.jpg' }, { kind: 'images' })).toBe(false);
    expect(canPlay({ media: '' }, { kind: 'images' })).toBe(false);
    expect(canPlay({ media: '' }, undefined)).toBe(false);
  });
});

describe('describeEvent', () => {
  const ev = (kind: string, detail: Record<string, unknown>) => describeEvent({ kind, detail }, 'Person_002');
  it('words every kind from this person’s side', () => {
    expect(ev('rename', { from: '', to: 'Ann' })).toBe('Named “Ann”');
    expect(ev('rename', { from: 'Ann', to: 'Anna' })).toBe('Renamed “Ann” → “Anna”');
    expect(ev('rename', { from: 'Ann', to: '' })).toBe('Name “Ann” removed');
    expect(ev('merge', { from: 'Person_003', into: 'Person_002', appearances: ['a/1', 'a/2'] })).toBe(
      'Person_003 merged in (2 appearances)',
    );
    expect(ev('merge', { from: 'Person_002', into: 'Person_009', appearances: [] })).toBe(
      'Merged into Person_009',
    );
    expect(ev('split', { into: 'Person_004', appearances: ['a/1'] })).toBe(
      '1 appearance split off into Person_004',
    );
    expect(ev('move', { appearance: 'a/1', from: 'Person_001', to: 'Person_002' })).toBe(
      'Appearance a/1 moved here from Person_001',
    );
    expect(ev('move', { appearance: 'a/1', from: 'Person_002', to: 'Person_005' })).toBe(
      'Appearance a/1 moved to Person_005',
    );
    expect(ev('reject', { appearance: 'a/1', notPerson: 'Person_001' })).toBe(
      'Appearance a/1 is not Person_001',
    );
    expect(ev('create', { sourceId: 's', appearanceId: 1, maybe: 'Person_001' })).toBe(
      'Created for a face that may be Person_001',
    );
    expect(ev('create', { splitFrom: 'Person_001', appearances: ['a/1', 'a/2'] })).toBe(
      'Created by splitting 2 appearances off Person_001',
    );
    expect(ev('something-new', {})).toBe('something-new');
  });
});

describe('appearanceLanes', () => {
  it('puts each source on its own lane, spanning its known range', () => {
    const lanes = appearanceLanes(
      [
        { sourceId: 'a', appearanceId: 1, startTs: 1000, endTs: 2000 },
        { sourceId: 'b', appearanceId: 1, startTs: 50_000, endTs: 50_000 },
        { sourceId: 'a', appearanceId: 2, startTs: 9000, endTs: 11_000 },
      ],
      (id) => (id === 'a' ? { from: 0, to: 10_000 } : null),
    );
    expect(lanes.map((l) => l.sourceId)).toEqual(['a', 'b']);
    const [a, b] = lanes;
    // Widened to cover the appearance past the known end.
    expect([a!.from, a!.to]).toEqual([0, 11_000]);
    expect(a!.marks[0]).toMatchObject({ key: 'a/1' });
    expect(a!.marks[0]!.left).toBeCloseTo((1000 / 11_000) * 100);
    // A lone still gets a one-second lane.
    expect([b!.from, b!.to]).toEqual([50_000, 51_000]);
    expect(b!.marks[0]).toEqual({ key: 'b/1', left: 0, width: 0 });
  });
});

describe('shotBands', () => {
  it('places shots in percent and clips them to the range', () => {
    const bands = shotBands(
      [
        { startTs: 0, endTs: 500 },
        { startTs: 500, endTs: 2000 },
        { startTs: 2000, endTs: 3000 },
      ],
      250,
      2250,
    );
    expect(bands.map((b) => [b.left, b.width])).toEqual([
      [0, 12.5],
      [12.5, 75],
      [87.5, 12.5],
    ]);
    expect(shotBands([{ startTs: 0, endTs: 1 }], 5, 5)).toEqual([]);
  });
});

describe('face labels', () => {
  it('names the person, falls back to its id, and says nothing for unknown faces', () => {
    expect(faceLabel({ personId: 'Person_001', name: 'Ann' })).toBe('Ann');
    expect(faceLabel({ personId: 'Person_001', name: '' })).toBe('Person_001');
    expect(faceLabel({ personId: '', name: '' })).toBe('');
    expect(personColor('')).toBe(UNKNOWN_FACE_COLOR);
    expect(personColor('Person_001')).toMatch(/^#[0-9a-f]{6}$/);
    expect(personColor('Person_001')).toBe(personColor('Person_001'));
  });
});
