// The Safety page's pure helpers: merging live event rows into the list (a user's review is not
// undone by a later analyzer row), gauge bands, risk columns for uPlot, bounded live appends.
import { describe, expect, it } from 'vitest';
import { appendRisk, mergeEvent, riskColumns, riskLevel, type SafetyEventView } from '../src/lib/safety.ts';

const ev = (eventId: string, startTs: number, over: Partial<SafetyEventView> = {}): SafetyEventView => ({
  sourceId: 's',
  eventId,
  rule: 'alone',
  severity: 'info',
  startTs,
  endTs: startTs,
  open: true,
  score: 1,
  evidence: { keyframes: [], tracks: [], audio: [], transcript: [] },
  status: 'new',
  note: '',
  version: 1,
  ...over,
});

describe('safety UI helpers', () => {
  it('merges rows newest first, replacing by (source, event), keeping a review over a later analyzer row', () => {
    let list = mergeEvent([], ev('se-1', 1000));
    list = mergeEvent(list, ev('se-2', 5000));
    expect(list.map((e) => e.eventId)).toEqual(['se-2', 'se-1']);
    list = list.map((e) =>
      e.eventId === 'se-1' ? { ...e, status: 'acknowledged' as const, note: 'ok' } : e,
    );
    list = mergeEvent(list, ev('se-1', 1000, { open: false, endTs: 9000, version: 2 }));
    expect(list.find((e) => e.eventId === 'se-1')).toMatchObject({
      open: false,
      endTs: 9000,
      status: 'acknowledged',
      note: 'ok',
    });
    expect(mergeEvent(list, ev('se-3', 7000), 2).map((e) => e.eventId)).toEqual(['se-3', 'se-2']);
  });

  it('bands the gauge and builds uPlot columns; live appends stay ordered and bounded', () => {
    expect([0, 0.29, 0.3, 0.59, 0.6, 1].map(riskLevel)).toEqual([
      'low',
      'low',
      'elevated',
      'elevated',
      'high',
      'high',
    ]);
    const [x, y] = riskColumns({ ts: [10_000, 11_000], score: [0.1, 0.45] }, 9);
    expect([...x]).toEqual([1, 2]);
    expect(y).toBeInstanceOf(Float64Array);
    expect([...y]).toEqual([0.1, 0.45]);
    const s = { ts: [] as number[], score: [] as number[] };
    for (const t of [1000, 2000, 2000, 1500, 3000, 4000]) appendRisk(s, t, t / 10_000, 3);
    expect(s.ts).toEqual([2000, 3000, 4000]);
    expect(s.score).toEqual([0.2, 0.3, 0.4]);
  });
});
