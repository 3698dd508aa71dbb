import { randomUUID } from 'node:crypto';
import {
  createGallery,
  decideAssignment,
  DEFAULT_PERSON_THRESHOLDS,
  l2Normalise,
  type FaceTrackSummary,
  type Gallery,
} from '@aima/inference';
import type { AppearanceRecord, PersonEventRecord, PersonRecord, Store } from '@aima/storage';
import { DashboardError } from '../errors.ts';

/** Where an appearance is: its source (job) and its face track there. */
export interface AppearanceKey {
  readonly sourceId: string;
  readonly appearanceId: number;
}

export interface PersonThresholds {
  /** Similarity at or above which a face track joins the closest person automatically. */
  readonly assignThreshold: number;
  /** Between this and assignThreshold the track founds its own person, marked unsure, and the user decides. */
  readonly unsureThreshold: number;
}

export interface PersonsOptions {
  readonly thresholds?: Partial<PersonThresholds>;
  /** Exemplar embeddings kept in memory per person for matching (default 32). */
  readonly maxExemplarsPerPerson?: number;
}

/** What the face stage knows about a finished face track, besides its summary. */
export interface AppearanceContext {
  readonly sourceId: string;
  /** The image file (image folders), '' for video. */
  readonly media: string;
  /** base64 JPEG of the best aligned face. */
  readonly crop: string;
}

export interface ProvisionalMatch {
  readonly personId: string;
  readonly similarity: number;
}

/**
 * People: assigns finished face tracks to persons (automatic, incremental clustering) and applies
 * the user's corrections. All changes go through one queue, so two jobs finishing at once never
 * found the same person twice, and a manual decision is never overwritten: the automatic path only
 * ever writes appearances it creates.
 */
export interface PersonsService {
  readonly thresholds: PersonThresholds;
  /** Assigns a finished face track; returns its stored appearance (personId '' when it had no good face). */
  assign(summary: FaceTrackSummary, ctx: AppearanceContext): Promise<AppearanceRecord>;
  /** Read-only lookup for live overlays: the person a single face most likely is, if confident. */
  match(embedding: Float32Array): ProvisionalMatch | null;
  /** Current name of a person ('' when unnamed or unknown); cached, for overlays. */
  nameOf(personId: string): string;
  rename(personId: string, name: string): Promise<PersonRecord>;
  /** Moves every appearance of `fromId` into `intoId`; `fromId` stops existing. */
  merge(fromId: string, intoId: string): Promise<PersonRecord>;
  /** Moves the chosen appearances of a person into a new person. */
  split(personId: string, keys: readonly AppearanceKey[]): Promise<PersonRecord>;
  /** Moves one appearance to another person (or to a new one when toPersonId is null). */
  move(key: AppearanceKey, toPersonId: string | null): Promise<AppearanceRecord>;
  /** Undoes an automatic assignment: the appearance gets its own person and never returns automatically. */
  undoAuto(key: AppearanceKey): Promise<AppearanceRecord>;
  /** Unsure appearance: yes, it is the suggested person (moves it there). */
  confirm(key: AppearanceKey): Promise<AppearanceRecord>;
  /** Unsure appearance: no, it is not the suggested person (stays on its own). */
  reject(key: AppearanceKey): Promise<AppearanceRecord>;
  /** Re-reads the gallery after sources were deleted. */
  reload(): Promise<void>;
}

const keyOf = (k: AppearanceKey): string => `${k.sourceId}/${k.appearanceId}`;
export const personLabel = (seq: number): string => `Person_${String(seq).padStart(3, '0')}`;

export async function createPersonsService(store: Store, opts: PersonsOptions = {}): Promise<PersonsService> {
  const thresholds: PersonThresholds = Object.freeze({ ...DEFAULT_PERSON_THRESHOLDS, ...opts.thresholds });
  if (!(thresholds.unsureThreshold <= thresholds.assignThreshold)) {
    throw new RangeError('unsureThreshold must not exceed assignThreshold');
  }
  let gallery: Gallery | null = null;
  let seq = 0;
  const names = new Map<string, string>();
  let lastVersion = 0;
  const version = (): number => (lastVersion = Math.max(Date.now() * 1000, lastVersion + 1));

  let queue: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => undefined);
    return run;
  };

  const load = async (): Promise<void> => {
    seq = await store.maxPersonSeq();
    names.clear();
    for (const p of await store.listPersons()) names.set(p.id, p.name);
    gallery = null;
    for (const a of await store.listAppearances({ withEmbedding: true })) {
      if (a.personId === '' || a.embedding.length === 0) continue;
      gallery ??= createGallery({
        dim: a.embedding.length,
        maxExemplarsPerPerson: opts.maxExemplarsPerPerson,
      });
      if (a.embedding.length === gallery.dim)
        gallery.add(a.personId, keyOf(a), Float32Array.from(a.embedding));
    }
  };
  await load();

  const event = (
    personId: string,
    kind: PersonEventRecord['kind'],
    actor: PersonEventRecord['actor'],
    detail: Record<string, unknown>,
  ): PersonEventRecord => ({
    id: randomUUID(),
    personId,
    ts: Date.now(),
    kind,
    actor,
    detail: JSON.stringify(detail),
  });

  const newPerson = async (
    actor: 'user' | 'auto',
    detail: Record<string, unknown>,
  ): Promise<PersonRecord> => {
    const now = Date.now();
    // Re-read: another process on the same ClickHouse server may have founded persons meanwhile.
    seq = Math.max(seq, await store.maxPersonSeq()) + 1;
    const p: PersonRecord = {
      id: personLabel(seq),
      seq,
      name: '',
      createdAt: now,
      updatedAt: now,
      mergedInto: '',
      version: version(),
      deleted: false,
    };
    await store.upsertPersons([p]);
    await store.insertPersonEvents([event(p.id, 'create', actor, detail)]);
    names.set(p.id, '');
    return p;
  };

  const getPerson = async (id: string): Promise<PersonRecord> => {
    const p = await store.getPerson(id);
    if (!p || p.deleted) throw new DashboardError('PERSON_NOT_FOUND', `no person ${id}`);
    return p;
  };
  const getAppearance = async (k: AppearanceKey): Promise<AppearanceRecord> => {
    const [a] = await store.listAppearances({ keys: [k], withEmbedding: true });
    if (!a) throw new DashboardError('APPEARANCE_NOT_FOUND', `no appearance ${keyOf(k)}`);
    return a;
  };
  /** Stores a changed appearance and mirrors it in the gallery. */
  const save = async (a: AppearanceRecord): Promise<AppearanceRecord> => {
    const next = { ...a, version: version() };
    await store.upsertAppearances([next]);
    if (gallery && next.embedding.length === gallery.dim) {
      gallery.remove(keyOf(next));
      if (next.personId !== '' && !next.deleted)
        gallery.add(next.personId, keyOf(next), Float32Array.from(next.embedding));
    }
    return next;
  };
  const uniq = (xs: readonly string[]): string[] => [...new Set(xs.filter((x) => x !== ''))];

  const service: PersonsService = {
    thresholds,
    assign: (summary, ctx) =>
      exclusive(async () => {
        const base = {
          sourceId: ctx.sourceId,
          appearanceId: summary.faceTrackId,
          startTs: summary.startTs,
          endTs: summary.endTs,
          faces: summary.faces,
          goodFaces: summary.goodFaces,
          quality: summary.best.quality,
          bestTs: summary.best.ts,
          bestBox: [...summary.best.box] as [number, number, number, number],
          media: ctx.media,
          crop: ctx.crop,
          rejected: [] as string[],
          deleted: false,
        };
        // Unit length at the boundary: the gallery compares by dot product.
        const emb = summary.embedding ? l2Normalise(Float32Array.from(summary.embedding)) : null;
        if (!emb) {
          // No face good enough to tell who it is: kept (faces, crop, time), but nobody's.
          const a: AppearanceRecord = {
            ...base,
            personId: '',
            embedding: [],
            assignment: 'auto',
            similarity: 0,
            candidatePersonId: '',
            version: version(),
          };
          await store.upsertAppearances([a]);
          return a;
        }
        gallery ??= createGallery({ dim: emb.length, maxExemplarsPerPerson: opts.maxExemplarsPerPerson });
        const decision =
          emb.length === gallery.dim
            ? decideAssignment(gallery.search(emb, 5), thresholds)
            : { kind: 'new' as const };
        let personId: string;
        let assignment: AppearanceRecord['assignment'] = 'auto';
        let candidate = '';
        let similarity = 0;
        if (decision.kind === 'assign') {
          personId = decision.personId;
          similarity = decision.similarity;
        } else {
          const detail =
            decision.kind === 'unsure'
              ? { sourceId: ctx.sourceId, appearanceId: summary.faceTrackId, maybe: decision.personId }
              : { sourceId: ctx.sourceId, appearanceId: summary.faceTrackId };
          personId = (await newPerson('auto', detail)).id;
          if (decision.kind === 'unsure') {
            assignment = 'unsure';
            candidate = decision.personId;
            similarity = decision.similarity;
          }
        }
        const a: AppearanceRecord = {
          ...base,
          personId,
          embedding: Array.from(emb),
          assignment,
          similarity,
          candidatePersonId: candidate,
          version: version(),
        };
        await store.upsertAppearances([a]);
        if (emb.length === gallery.dim) gallery.add(personId, keyOf(a), emb);
        return a;
      }),

    match(embedding) {
      if (!gallery || embedding.length !== gallery.dim) return null;
      const best = gallery.search(embedding, 1)[0];
      return best && best.similarity >= thresholds.assignThreshold
        ? { personId: best.personId, similarity: best.similarity }
        : null;
    },

    nameOf: (id) => names.get(id) ?? '',

    rename: (personId, name) =>
      exclusive(async () => {
        const p = await getPerson(personId);
        const clean = name.trim().slice(0, 200);
        const next: PersonRecord = { ...p, name: clean, updatedAt: Date.now(), version: version() };
        await store.upsertPersons([next]);
        await store.insertPersonEvents([event(p.id, 'rename', 'user', { from: p.name, to: clean })]);
        names.set(p.id, clean);
        return next;
      }),

    merge: (fromId, intoId) =>
      exclusive(async () => {
        if (fromId === intoId)
          throw new DashboardError('PERSON_CONFLICT', 'cannot merge a person into itself');
        const from = await getPerson(fromId);
        const into = await getPerson(intoId);
        const moved = await store.listAppearances({ personId: fromId, withEmbedding: true });
        for (const a of moved) {
          await save({ ...a, personId: intoId, assignment: 'manual', candidatePersonId: '' });
        }
        // The surviving person keeps its name; an unnamed one takes the merged person's name.
        const name = into.name !== '' ? into.name : from.name;
        const now = Date.now();
        const merged: PersonRecord = { ...into, name, updatedAt: now, version: version() };
        await store.upsertPersons([
          merged,
          { ...from, mergedInto: intoId, deleted: true, updatedAt: now, version: version() },
        ]);
        const detail = { from: fromId, into: intoId, appearances: moved.map(keyOf), fromName: from.name };
        await store.insertPersonEvents([
          event(intoId, 'merge', 'user', detail),
          event(fromId, 'merge', 'user', detail),
        ]);
        if (name !== into.name) {
          await store.insertPersonEvents([
            event(intoId, 'rename', 'user', { from: into.name, to: name, via: 'merge' }),
          ]);
        }
        names.set(intoId, name);
        names.delete(fromId);
        return merged;
      }),

    split: (personId, keys) =>
      exclusive(async () => {
        if (keys.length === 0)
          throw new DashboardError('PERSON_CONFLICT', 'choose at least one appearance to split off');
        await getPerson(personId);
        const chosen: AppearanceRecord[] = [];
        for (const k of keys) {
          const a = await getAppearance(k);
          if (a.personId !== personId) {
            throw new DashboardError('PERSON_CONFLICT', `appearance ${keyOf(k)} is not ${personId}'s`);
          }
          chosen.push(a);
        }
        const p = await newPerson('user', { splitFrom: personId, appearances: keys.map(keyOf) });
        for (const a of chosen) {
          await save({
            ...a,
            personId: p.id,
            assignment: 'manual',
            candidatePersonId: '',
            rejected: uniq([...a.rejected, personId]),
          });
        }
        await store.insertPersonEvents([
          event(personId, 'split', 'user', { into: p.id, appearances: keys.map(keyOf) }),
        ]);
        return p;
      }),

    move: (key, toPersonId) =>
      exclusive(async () => {
        const a = await getAppearance(key);
        const to =
          toPersonId === null
            ? await newPerson('user', { movedFrom: a.personId, appearance: keyOf(key) })
            : await getPerson(toPersonId);
        if (to.id === a.personId) return a;
        const next = await save({
          ...a,
          personId: to.id,
          assignment: 'manual',
          candidatePersonId: '',
          rejected: uniq([...a.rejected, a.personId]).filter((r) => r !== to.id),
        });
        const detail = { appearance: keyOf(key), from: a.personId, to: to.id };
        await store.insertPersonEvents([
          event(to.id, 'move', 'user', detail),
          ...(a.personId ? [event(a.personId, 'move', 'user', detail)] : []),
        ]);
        return next;
      }),

    undoAuto: (key) =>
      exclusive(async () => {
        const a = await getAppearance(key);
        if (a.assignment !== 'auto' || a.personId === '') {
          throw new DashboardError(
            'PERSON_CONFLICT',
            `appearance ${keyOf(key)} was not assigned automatically`,
          );
        }
        const p = await newPerson('user', { undoAutoFrom: a.personId, appearance: keyOf(key) });
        const next = await save({
          ...a,
          personId: p.id,
          assignment: 'manual',
          rejected: uniq([...a.rejected, a.personId]),
        });
        await store.insertPersonEvents([
          event(a.personId, 'undo-auto', 'user', { appearance: keyOf(key), to: p.id }),
        ]);
        return next;
      }),

    confirm: (key) =>
      exclusive(async () => {
        const a = await getAppearance(key);
        if (a.assignment !== 'unsure' || a.candidatePersonId === '') {
          throw new DashboardError('PERSON_CONFLICT', `appearance ${keyOf(key)} has no open question`);
        }
        const target = await getPerson(a.candidatePersonId);
        const next = await save({ ...a, personId: target.id, assignment: 'manual', candidatePersonId: '' });
        await store.insertPersonEvents([
          event(target.id, 'confirm', 'user', { appearance: keyOf(key), from: a.personId }),
        ]);
        return next;
      }),

    reject: (key) =>
      exclusive(async () => {
        const a = await getAppearance(key);
        if (a.assignment !== 'unsure' || a.candidatePersonId === '') {
          throw new DashboardError('PERSON_CONFLICT', `appearance ${keyOf(key)} has no open question`);
        }
        const next = await save({
          ...a,
          assignment: 'manual',
          candidatePersonId: '',
          rejected: uniq([...a.rejected, a.candidatePersonId]),
        });
        await store.insertPersonEvents([
          event(a.personId, 'reject', 'user', { appearance: keyOf(key), notPerson: a.candidatePersonId }),
        ]);
        return next;
      }),

    reload: () => exclusive(load),
  };
  return service;
}
