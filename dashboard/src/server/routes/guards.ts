// Checks shared by the routes: the source or person exists, class names are ones the detector knows.
import type { Store } from '@aima/storage';
import { DashboardError } from '../../errors.ts';
import type { SourceView } from '../../protocol.ts';
import type { SourceManager } from '../../sources/types.ts';

/** The source `id`, or SOURCE_NOT_FOUND. */
export async function requireSource(manager: SourceManager, id: string): Promise<SourceView> {
  const view = await manager.get(id);
  if (view === null) throw new DashboardError('SOURCE_NOT_FOUND', `source ${JSON.stringify(id)} not found`);
  return view;
}

/** Refuses a person that does not exist or was deleted (merged) with PERSON_NOT_FOUND. */
export async function requirePerson(store: Store, id: string, signal?: AbortSignal): Promise<void> {
  const p = await store.getPerson(id, signal);
  if (p && !p.deleted) return;
  const why = p?.mergedInto ? ` (merged into ${p.mergedInto})` : '';
  throw new DashboardError('PERSON_NOT_FOUND', `no person ${JSON.stringify(id)}${why}`);
}

/** Builds a check that refuses class names outside `labels` with a message listing a few valid ones. */
export function classChecker(labels: readonly string[]): (name: string | undefined) => string | undefined {
  const known = new Set(labels);
  const sample = labels.slice(0, 8).join(', ') + (labels.length > 8 ? ', ...' : '');
  return (name) => {
    if (name === undefined || known.has(name)) return name;
    throw new DashboardError('API_BAD_REQUEST', `unknown class ${JSON.stringify(name)} (known: ${sample})`);
  };
}
