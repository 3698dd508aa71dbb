import { expect, it } from 'vitest';
import type { AppearanceRecord, Store, StoredAppearance } from '../index.ts';
import { DAY, appearance, face, person, shot, source, uid } from './fixtures.ts';

// The people and shots part of the Store contract (migration v4), registered by storeContract
// inside its describe, so every adapter runs it. Person ids, source ids and (for the similarity
// search, which spans every source) the embedding dimension are unique to each test.

/** An appearance as listed: embedding as Float32Array, empty unless asked for. */
function stored(a: AppearanceRecord, withEmbedding = false): StoredAppearance {
  return { ...a, embedding: withEmbedding ? Float32Array.from(a.embedding) : new Float32Array(0) };
}

/** Registers the people tests; `getStore` returns the migrated store of the enclosing suite. */
export function peopleContract(getStore: () => Store): void {
  // Must run before any person is stored: each suite starts on a fresh database.
  it('reports max person seq 0 before any person is stored', async () => {
    expect(await getStore().maxPersonSeq()).toBe(0);
  });

  it('round-trips appearances; the highest version wins and a deleted row hides it', async () => {
    const store = getStore();
    const id = uid('cam');
    const pid = uid('Person');
    const full = appearance(id, 1, {
      personId: pid,
      media: 'IMG_0001.jpg',
      crop: "/9j/4AAQ+/=='; DROP TABLE appearances; --",
      embedding: new Float32Array([0.5, -0.25, 0.125, 1]),
      assignment: 'unsure',
      candidatePersonId: uid('Person'),
      rejected: ['Person_009', `it's "odd"`],
    });
    await store.upsertAppearances([full, appearance(id, 2, { startTs: DAY + 50, personId: pid })]);
    await store.upsertAppearances([]);

    expect(await store.listAppearances({ sourceId: id })).toEqual([
      stored(full),
      stored(appearance(id, 2, { startTs: DAY + 50, personId: pid })),
    ]);
    const [withEmb] = await store.listAppearances({ sourceId: id, withEmbedding: true, limit: 1 });
    expect(withEmb?.embedding).toBeInstanceOf(Float32Array);
    expect(withEmb).toEqual(stored(full, true));

    // A higher version replaces the row; a lower one written later does not.
    await store.upsertAppearances([appearance(id, 1, { version: 5, personId: pid, assignment: 'manual' })]);
    await store.upsertAppearances([appearance(id, 1, { version: 4, personId: 'stale' })]);
    const [one] = await store.listAppearances({ keys: [{ sourceId: id, appearanceId: 1 }] });
    expect(one).toEqual(stored(appearance(id, 1, { version: 5, personId: pid, assignment: 'manual' })));
    expect(await store.listAppearances({ personId: 'stale', sourceId: id })).toEqual([]);
    expect((await store.listAppearances({ personId: pid })).map((a) => a.appearanceId)).toEqual([1, 2]);
    expect(
      (await store.listAppearances({ sourceId: id, assignment: 'manual' })).map((a) => a.appearanceId),
    ).toEqual([1]);

    // Keys beyond one statement's batch: results merge in order, the limit applies to the whole.
    const many = [
      { sourceId: id, appearanceId: 2 },
      ...Array.from({ length: 1100 }, (_, i) => ({ sourceId: uid('none'), appearanceId: i })),
      { sourceId: id, appearanceId: 1 },
    ];
    expect((await store.listAppearances({ keys: many })).map((a) => a.appearanceId)).toEqual([1, 2]);
    expect((await store.listAppearances({ keys: many, limit: 1 })).map((a) => a.appearanceId)).toEqual([1]);

    // A tombstone with a higher version hides the appearance from every read.
    await store.upsertAppearances([appearance(id, 2, { version: 2, personId: pid, deleted: true })]);
    expect((await store.listAppearances({ sourceId: id })).map((a) => a.appearanceId)).toEqual([1]);
    expect(await store.listAppearances({ keys: [{ sourceId: id, appearanceId: 2 }] })).toEqual([]);
    expect(await store.listAppearances({ keys: [] })).toEqual([]);
  });

  it('refuses non-finite embeddings before sending anything', async () => {
    const store = getStore();
    const id = uid('cam');
    await expect(
      store.upsertAppearances([appearance(id, 1, { embedding: [0.5, Number.NaN] })]),
    ).rejects.toMatchObject({ name: 'StoreError', code: 'STORE_QUERY_FAILED' });
    expect(await store.listAppearances({ sourceId: id })).toEqual([]);
    expect(await store.similarAppearances({ embedding: [], k: 5 })).toEqual([]);
  });

  it('lists faces with the current person of their appearance', async () => {
    const store = getStore();
    const a = uid('cam');
    const b = uid('cam');
    const [p1, p2, p3] = [uid('Person'), uid('Person'), uid('Person')];
    await store.insertFaces([
      face(a, DAY + 100, 1, { frameSeq: 2, personTrackId: 7, box: [1.5, 2, 30, 40] }),
      face(a, DAY, 1),
      face(a, DAY + 50, 2, { good: false, quality: 0.25 }),
      face(a, DAY + 200, 3),
      face(b, DAY, 3),
    ]);
    await store.insertFaces([]);
    await store.upsertAppearances([
      appearance(a, 1, { personId: p1 }),
      appearance(a, 2, { personId: p2 }),
      appearance(a, 2, { personId: p3, version: 2 }),
      // Same appearance id in another source: must not attach to a's face track 3.
      appearance(b, 3, { personId: p1 }),
    ]);
    expect(await store.listFaces({ sourceId: a })).toEqual([
      { ...face(a, DAY, 1), personId: p1 },
      { ...face(a, DAY + 50, 2, { good: false, quality: 0.25 }), personId: p3 },
      { ...face(a, DAY + 100, 1, { frameSeq: 2, personTrackId: 7, box: [1.5, 2, 30, 40] }), personId: p1 },
      { ...face(a, DAY + 200, 3), personId: '' },
    ]);
    const ids = async (q: { from?: number; to?: number; limit?: number }) =>
      (await store.listFaces({ sourceId: a, ...q })).map((f) => f.ts - DAY);
    expect(await ids({ from: DAY + 50, to: DAY + 200 })).toEqual([50, 100]);
    expect(await ids({ limit: 2 })).toEqual([0, 50]);

    // A deleted appearance leaves its faces without a person.
    await store.upsertAppearances([appearance(a, 1, { personId: p1, version: 3, deleted: true })]);
    expect((await store.listFaces({ sourceId: a })).map((f) => f.personId)).toEqual(['', p3, '', '']);
  });

  it('ranks appearances by cosine similarity in ClickHouse', async () => {
    const store = getStore();
    const s = uid('cam');
    const other = uid('cam');
    const pid = uid('Person');
    // Dimension 5 is used by this test only: the search spans every source.
    const e = (v: number[], over: Partial<AppearanceRecord> = {}) => ({
      embedding: v,
      personId: pid,
      ...over,
    });
    await store.upsertAppearances([
      appearance(s, 1, e([1, 0, 0, 0, 0])),
      appearance(s, 2, e([0.8, 0.6, 0, 0, 0])),
      appearance(s, 3, e([0.6, 0, 0.8, 0, 0])),
      appearance(s, 4, e([0, 1, 0, 0, 0])),
      appearance(s, 5, e([-1, 0, 0, 0, 0])),
      appearance(s, 6, e([1, 0, 0, 0, 0], { deleted: true, version: 2 })),
      appearance(s, 7, e([1, 0, 0, 0, 0])),
      appearance(s, 8, e([1, 0, 0, 0])), // another dimension
      appearance(s, 9, e([0, 0, 0, 0, 0])), // no direction: NaN distance
      appearance(other, 1, e([2, 2, 0, 0, 0], { personId: '' })), // not normalised: cosine, not dot
    ]);
    // Superseded: the old embedding must not match.
    await store.upsertAppearances([appearance(s, 7, e([0, 0, 0, 1, 0], { version: 2 }))]);

    const got = await store.similarAppearances({ embedding: new Float32Array([1, 0, 0, 0, 0]), k: 10 });
    const expected = [
      [s, 1, pid, 1],
      [s, 2, pid, 0.8],
      [other, 1, '', Math.SQRT1_2],
      [s, 3, pid, 0.6],
      [s, 4, pid, 0],
      [s, 7, pid, 0],
      [s, 5, pid, -1],
    ] as const;
    expect(got.map((r) => [r.sourceId, r.appearanceId, r.personId])).toEqual(
      expected.map(([a, b, c]) => [a, b, c]),
    );
    got.forEach((r, i) => expect(r.similarity).toBeCloseTo(expected[i]![3], 4));

    const top2 = await store.similarAppearances({ embedding: [1, 0, 0, 0, 0], k: 2 });
    expect(top2.map((r) => r.appearanceId)).toEqual([1, 2]);
    const near = await store.similarAppearances({ embedding: [1, 0, 0, 0, 0], k: 10, minSimilarity: 0.65 });
    expect(near.map((r) => [r.sourceId, r.appearanceId])).toEqual([
      [s, 1],
      [s, 2],
      [other, 1],
    ]);
    expect(await store.similarAppearances({ embedding: [1, 0, 0, 0, 0], k: 0 })).toEqual([]);
  });

  it('stores persons: the highest version wins, deleted ones are listed only on request', async () => {
    const store = getStore();
    const m0 = await store.maxPersonSeq();
    const [a, b, c] = [uid('Person'), uid('Person'), uid('Person')];
    const named = `Ann "O'Neil" {x:String}`;
    await store.upsertPersons([person(b, m0 + 2), person(a, m0 + 1), person(c, m0 + 3)]);
    await store.upsertPersons([person(a, m0 + 1, { name: named, version: 3, updatedAt: DAY + 9 })]);
    await store.upsertPersons([person(a, m0 + 1, { name: 'stale', version: 2 })]);
    await store.upsertPersons([person(c, m0 + 3, { mergedInto: a, deleted: true, version: 2 })]);

    const mine = (list: readonly { id: string }[]) => list.filter((p) => [a, b, c].includes(p.id));
    expect(mine(await store.listPersons())).toEqual([
      person(a, m0 + 1, { name: named, version: 3, updatedAt: DAY + 9 }),
      person(b, m0 + 2),
    ]);
    expect(mine(await store.listPersons({ includeDeleted: true })).map((p) => p.id)).toEqual([a, b, c]);
    expect(await store.getPerson(c)).toEqual(person(c, m0 + 3, { mergedInto: a, deleted: true, version: 2 }));
    expect(await store.getPerson(uid('Person'))).toBeNull();
    // Tombstones count: a deleted person's seq is never handed out again.
    expect(await store.maxPersonSeq()).toBe(m0 + 3);
  });

  it('stores person events and lists one person’s history, oldest first', async () => {
    const store = getStore();
    const [a, b] = [uid('Person'), uid('Person')];
    const ev = (id: string, personId: string, ts: number, kind: 'create' | 'rename' | 'merge') => ({
      id,
      personId,
      ts,
      kind,
      actor: kind === 'create' ? ('auto' as const) : ('user' as const),
      detail: JSON.stringify({ note: `it's ${kind}` }),
    });
    await store.insertPersonEvents([
      ev('e3', a, DAY + 3000, 'merge'),
      ev('e1', a, DAY + 1000, 'create'),
      ev('e2', a, DAY + 2000, 'rename'),
      ev('e4', b, DAY, 'create'),
    ]);
    await store.insertPersonEvents([]);
    expect(await store.listPersonEvents(a)).toEqual([
      ev('e1', a, DAY + 1000, 'create'),
      ev('e2', a, DAY + 2000, 'rename'),
      ev('e3', a, DAY + 3000, 'merge'),
    ]);
    expect(await store.listPersonEvents(uid('Person'))).toEqual([]);
  });

  it('aggregates per-person stats in ClickHouse over live appearances', async () => {
    const store = getStore();
    const [s1, s2] = [uid('cam'), uid('cam')];
    const [pa, pb] = [uid('Person'), uid('Person')];
    const span = (startMs: number, endMs: number) => ({ startTs: DAY + startMs, endTs: DAY + endMs });
    await store.upsertAppearances([
      appearance(s1, 1, { personId: pa, ...span(0, 2000) }),
      appearance(s1, 2, { personId: pa, ...span(5000, 6000) }),
      appearance(s2, 1, { personId: pa, ...span(10_000, 10_000), media: 'still.jpg' }),
      appearance(s2, 2, { personId: pb, ...span(100, 400) }),
      appearance(s2, 3, { personId: pb, ...span(-1000, 9000) }),
      appearance(s1, 3, { personId: pb, ...span(20_000, 21_000) }),
      appearance(s1, 4, { personId: '', ...span(0, 50_000) }),
    ]);
    await store.upsertAppearances([
      appearance(s2, 3, { personId: pb, ...span(-1000, 9000), deleted: true, version: 2 }),
      appearance(s1, 3, { personId: pa, ...span(20_000, 21_000), version: 2 }), // moved pb → pa
    ]);
    const stats = (await store.personStats()).filter((p) => p.personId === pa || p.personId === pb);
    expect(stats).toEqual(
      [
        {
          personId: pa,
          appearances: 4,
          screenMs: 4000,
          sources: 2,
          stills: 1,
          firstTs: DAY,
          lastTs: DAY + 21_000,
        },
        {
          personId: pb,
          appearances: 1,
          screenMs: 300,
          sources: 1,
          stills: 0,
          firstTs: DAY + 100,
          lastTs: DAY + 400,
        },
      ].sort((x, y) => (x.personId < y.personId ? -1 : 1)),
    );
    expect((await store.personStats()).some((p) => p.personId === '')).toBe(false);
  });

  it('stores shots and lists those overlapping [from, to)', async () => {
    const store = getStore();
    const id = uid('cam');
    await store.insertShots([shot(id, 1, 4, 9), shot(id, 0, 0, 4), shot(id, 2, 9, 12)]);
    await store.insertShots([shot(uid('cam'), 0, 0, 100)]);
    await store.insertShots([]);
    expect(await store.listShots({ sourceId: id })).toEqual([
      shot(id, 0, 0, 4),
      shot(id, 1, 4, 9),
      shot(id, 2, 9, 12),
    ]);
    const idx = async (from?: number, to?: number) =>
      (await store.listShots({ sourceId: id, from, to })).map((s) => s.index);
    expect(await idx(DAY + 4000)).toEqual([1, 2]);
    expect(await idx(undefined, DAY + 4000)).toEqual([0]);
    expect(await idx(DAY + 5000, DAY + 6000)).toEqual([1]);
  });

  it('deletes a source’s faces, appearances and shots with the source', async () => {
    const store = getStore();
    const gone = uid('cam');
    const kept = uid('cam');
    const pid = uid('Person');
    for (const id of [gone, kept]) {
      await store.upsertSource(source(id));
      await store.insertFaces([face(id, DAY, 1)]);
      await store.upsertAppearances([appearance(id, 1, { personId: pid, embedding: [0, 0, 0, 0, 0, 1] })]);
      await store.insertShots([shot(id, 0, 0, 5)]);
    }
    await store.deleteSource(gone);
    expect(await store.listFaces({ sourceId: gone })).toEqual([]);
    expect(await store.listAppearances({ sourceId: gone })).toEqual([]);
    expect(await store.listShots({ sourceId: gone })).toEqual([]);
    const near = await store.similarAppearances({ embedding: [0, 0, 0, 0, 0, 1], k: 10 });
    expect(near.map((r) => r.sourceId)).toEqual([kept]);
    expect(await store.listFaces({ sourceId: kept })).toEqual([{ ...face(kept, DAY, 1), personId: pid }]);
    expect(await store.listAppearances({ sourceId: kept })).toHaveLength(1);
    expect(await store.listShots({ sourceId: kept })).toEqual([shot(kept, 0, 0, 5)]);
    expect((await store.personStats()).find((p) => p.personId === pid)?.sources).toBe(1);
  });
}
