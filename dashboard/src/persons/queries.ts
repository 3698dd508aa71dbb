// The read side of people: person lists with visibility, dossiers, exports. Views only: every change
// goes through the PersonsService.
import type { AppearanceRecord, PersonRecord, SourceRecord, Store } from '@aima/storage';
import { DashboardError } from '../errors.ts';
import type { AppearanceView, DossierView, PersonEventView, PersonView } from '../protocol.ts';

/** When a person is shown by default (Azure Video Indexer shows ≥ 4 s or ≥ 10 % of a video). */
export interface PersonVisibility {
  readonly minScreenMs: number;
  /** Share of one source's duration. */
  readonly minShare: number;
}

export const DEFAULT_VISIBILITY: PersonVisibility = Object.freeze({ minScreenMs: 4000, minShare: 0.1 });

export function cropUrl(a: { sourceId: string; appearanceId: number }): string {
  return `/api/v1/appearances/${encodeURIComponent(a.sourceId)}/${a.appearanceId}/crop.jpg`;
}

export function appearanceView(a: AppearanceRecord): AppearanceView {
  return {
    sourceId: a.sourceId,
    appearanceId: a.appearanceId,
    personId: a.personId,
    startTs: a.startTs,
    endTs: a.endTs,
    faces: a.faces,
    goodFaces: a.goodFaces,
    quality: a.quality,
    bestTs: a.bestTs,
    bestBox: [...a.bestBox] as [number, number, number, number],
    media: a.media,
    assignment: a.assignment,
    similarity: a.similarity,
    candidatePersonId: a.candidatePersonId,
    rejected: [...a.rejected],
    cropUrl: cropUrl(a),
  };
}

const displayName = (p: { id: string; name: string }): string => (p.name !== '' ? p.name : p.id);

/** Media duration of a source in ms (from its summary), for screen-time shares; null when unknown. */
function sourceDurationMs(s: SourceRecord | undefined): number | null {
  if (!s) return null;
  try {
    const meta = JSON.parse(s.meta) as { mediaMs?: unknown };
    return typeof meta.mediaMs === 'number' && meta.mediaMs > 0 ? meta.mediaMs : null;
  } catch {
    return null;
  }
}

/** Builds person views from one read of persons, appearances (no embeddings) and sources. */
export async function listPersonViews(
  store: Store,
  visibility: PersonVisibility,
  q: { readonly search?: string; readonly all?: boolean; readonly signal?: AbortSignal } = {},
): Promise<PersonView[]> {
  const [persons, appearances, sources] = await Promise.all([
    store.listPersons(),
    store.listAppearances({}),
    store.listSources(q.signal),
  ]);
  const byPerson = new Map<string, AppearanceRecord[]>();
  for (const a of appearances) {
    if (a.personId === '') continue;
    const list = byPerson.get(a.personId) ?? [];
    list.push(a);
    byPerson.set(a.personId, list);
  }
  const sourceById = new Map(sources.map((s) => [s.id, s]));
  const needle = q.search?.trim().toLowerCase() ?? '';
  const views: PersonView[] = [];
  for (const p of persons) {
    if (p.deleted) continue;
    const list = byPerson.get(p.id) ?? [];
    if (list.length === 0) continue;
    const v = personView(p, list, sourceById, visibility);
    if (!q.all && !v.visible) continue;
    if (
      needle !== '' &&
      !v.displayName.toLowerCase().includes(needle) &&
      !p.id.toLowerCase().includes(needle)
    )
      continue;
    views.push(v);
  }
  // Most seen first, then by id.
  return views.sort(
    (a, b) => b.screenMs - a.screenMs || b.appearances - a.appearances || a.id.localeCompare(b.id),
  );
}

export function personView(
  p: PersonRecord,
  list: readonly AppearanceRecord[],
  sources: ReadonlyMap<string, SourceRecord>,
  visibility: PersonVisibility,
): PersonView {
  const perSource = new Map<string, number>();
  let screenMs = 0, stills = 0, unsure = 0; // prettier-ignore
  let first: number | null = null;
  let last: number | null = null;
  let best: AppearanceRecord | null = null;
  for (const a of list) {
    const ms = Math.max(0, a.endTs - a.startTs);
    screenMs += ms;
    perSource.set(a.sourceId, (perSource.get(a.sourceId) ?? 0) + ms);
    if (a.media !== '') stills++;
    if (a.assignment === 'unsure') unsure++;
    first = first === null ? a.startTs : Math.min(first, a.startTs);
    last = last === null ? a.endTs : Math.max(last, a.endTs);
    if (a.crop !== '' && (!best || a.quality > best.quality)) best = a;
  }
  let share = 0;
  for (const [sourceId, ms] of perSource) {
    const total = sourceDurationMs(sources.get(sourceId));
    if (total) share = Math.max(share, ms / total);
  }
  const visible = screenMs >= visibility.minScreenMs || share >= visibility.minShare || stills > 0;
  return {
    id: p.id,
    name: p.name,
    displayName: displayName(p),
    appearances: list.length,
    screenMs,
    sources: perSource.size,
    stills,
    firstTs: first,
    lastTs: last,
    unsure,
    visible,
    cropUrl: best ? cropUrl(best) : null,
  };
}

function eventView(e: {
  id: string;
  ts: number;
  kind: string;
  actor: 'user' | 'auto';
  detail: string;
}): PersonEventView {
  let detail: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(e.detail);
    if (parsed && typeof parsed === 'object') detail = parsed as Record<string, unknown>;
  } catch {
    // A malformed detail is shown as empty rather than failing the whole dossier.
  }
  return { id: e.id, ts: e.ts, kind: e.kind, actor: e.actor, detail };
}

/** Everything about one person: appearances across sources (oldest first), corrections, name history. */
export async function dossier(
  store: Store,
  personId: string,
  visibility: PersonVisibility,
  signal?: AbortSignal,
): Promise<DossierView> {
  const p = await store.getPerson(personId);
  if (!p || p.deleted) {
    const hint = p?.mergedInto ? ` (merged into ${p.mergedInto})` : '';
    throw new DashboardError('PERSON_NOT_FOUND', `no person ${personId}${hint}`);
  }
  const [list, events, sources] = await Promise.all([
    store.listAppearances({ personId }),
    store.listPersonEvents(personId),
    store.listSources(signal),
  ]);
  const sourceById = new Map(sources.map((s) => [s.id, s]));
  const appearances = [...list]
    .sort((a, b) => a.startTs - b.startTs || a.sourceId.localeCompare(b.sourceId))
    .map((a) => ({ ...appearanceView(a), source: sourceById.get(a.sourceId)?.display ?? '' }));
  const views = [...events].sort((a, b) => a.ts - b.ts).map(eventView);
  const names = views
    .filter((e) => e.kind === 'rename')
    .map((e) => ({ ts: e.ts, from: String(e.detail.from ?? ''), to: String(e.detail.to ?? '') }));
  return {
    person: personView(p, list, sourceById, visibility),
    appearances,
    events: views,
    names,
  };
}

/** Columns of a dossier's CSV export: one row per appearance, naming its media file and time. */
export const DOSSIER_CSV_HEADER = [
  'person_id',
  'name',
  'source_id',
  'source',
  'media',
  'start_ts',
  'end_ts',
  'media_start_s',
  'media_end_s',
  'faces',
  'quality',
  'assignment',
  'similarity',
] as const;

export function dossierCsvRows(d: DossierView, epochOf: (sourceId: string) => number): (string | number)[][] {
  return d.appearances.map((a) => {
    const epoch = epochOf(a.sourceId);
    return [
      d.person.id,
      d.person.name,
      a.sourceId,
      a.source,
      a.media,
      new Date(a.startTs).toISOString(),
      new Date(a.endTs).toISOString(),
      ((a.startTs - epoch) / 1000).toFixed(3),
      ((a.endTs - epoch) / 1000).toFixed(3),
      a.faces,
      Number(a.quality.toFixed(3)),
      a.assignment,
      Number(a.similarity.toFixed(3)),
    ];
  });
}
