// The minor-protection gate (issue 11), in one place. createAnalyzerHost applies it to every
// analyzer whose definition says gate: 'minor-protection', on every path (files, live, workers,
// the seed API), so no caller can run NSFW analysis around it. Fail closed everywhere:
//  - start: a gated analyzer without the age analyzer and everything it needs → the host rejects
//    (SAFETY_AGE_GATE_REQUIRED) before any analyzer starts;
//  - run: a frame verdict 'minor' or 'unknown', or the age chain failing → every gated analyzer
//    stops (SAFETY_MINOR_STOP / SAFETY_AGE_GATE_FAILED), the source is quarantined (a quarantines
//    row and an audit_events row), viewers get a live 'quarantine' message.
// NSFW scores are never an input here: only the age analyzer's verdicts are.
import { InferenceError } from '../errors.ts';
import { AGE_VERDICTS, type AgeVerdictRow } from '../age/records.ts';
import type { AuditRow, QuarantineCode, QuarantineRow } from '../nsfw/records.ts';
import type { AnalyzerId, AnyAnalyzerDefinition, LiveResult, ResultBatch } from './contract.ts';

/** The analyzer whose verdicts the gate reads. */
export const AGE_ANALYZER_ID = 'age';

export const isGated = (def: AnyAnalyzerDefinition): boolean => def.gate === 'minor-protection';

/** `id` and every analyzer it needs (required results inputs, transitively) among `defs`. */
export function requiredChain(defs: readonly AnyAnalyzerDefinition[], id: AnalyzerId): Set<AnalyzerId> {
  const byId = new Map(defs.map((d) => [d.id, d]));
  const out = new Set<AnalyzerId>();
  const visit = (x: AnalyzerId): void => {
    if (out.has(x)) return;
    out.add(x);
    for (const c of byId.get(x)?.consumes ?? [])
      if (c.kind === 'results' && !c.optional) for (const p of c.of) visit(p);
  };
  visit(id);
  return out;
}

/**
 * Start check: null when nothing gated is chosen or the age chain is complete and available;
 * otherwise the error the host rejects with. Pure.
 */
export function gateStartError(
  chosen: readonly AnyAnalyzerDefinition[],
  unavailable: ReadonlyMap<AnalyzerId, Error>,
): InferenceError | null {
  const gated = chosen.filter(isGated);
  if (gated.length === 0) return null;
  const names = gated.map((d) => d.id).join(', ');
  if (!chosen.some((d) => d.id === AGE_ANALYZER_ID)) {
    return new InferenceError(
      'SAFETY_AGE_GATE_REQUIRED',
      `${names} needs the age analyzer running (not chosen)`,
    );
  }
  const ids = new Set(chosen.map((d) => d.id));
  for (const need of requiredChain(chosen, AGE_ANALYZER_ID)) {
    if (!ids.has(need)) {
      return new InferenceError(
        'SAFETY_AGE_GATE_REQUIRED',
        `${names} needs age, which needs ${need} (not running)`,
      );
    }
    const err = unavailable.get(need);
    if (err) {
      const why = (err.message.split('\n')[0] ?? '').slice(0, 200);
      return new InferenceError(
        'SAFETY_AGE_GATE_REQUIRED',
        `${names} needs ${need}, which is unavailable: ${why}`,
      );
    }
  }
  return null;
}

/** The quarantine a tripped gate records. Pure. */
export function quarantineRow(
  sourceId: string,
  ts: number,
  code: QuarantineCode,
  analyzers: readonly AnalyzerId[],
  verdict: AgeVerdictRow | null,
  why: string,
): QuarantineRow {
  const threshold = verdict?.threshold ?? 0;
  const age = verdict?.minAge ?? null;
  const on = `while ${analyzers.join(', ')} ran`;
  const reason =
    code === 'SAFETY_MINOR_DETECTED'
      ? `face estimated ${age === null ? '?' : age.toFixed(1)} years (< ${threshold}) ${on}`
      : code === 'SAFETY_AGE_UNKNOWN'
        ? `a face could not be aged ${on}`
        : `the age analyzer stopped (${why}) ${on}`;
  return { sourceId, ts, code, reason: reason.slice(0, 300), analyzer: analyzers.join(','), age, threshold };
}

export function auditRow(q: QuarantineRow): AuditRow {
  return {
    ts: q.ts,
    actor: 'system',
    action: 'quarantine',
    subjectKind: 'source',
    subjectId: q.sourceId,
    sourceId: q.sourceId,
    detail: JSON.stringify({
      code: q.code,
      reason: q.reason,
      analyzer: q.analyzer,
      age: q.age,
      threshold: q.threshold,
    }),
  };
}

export interface MinorGateOptions {
  readonly sourceId: string;
  /** Gated analyzers that run. */
  readonly gated: readonly AnalyzerId[];
  /** age and what it needs: any of them failing trips the gate. */
  readonly chain: ReadonlySet<AnalyzerId>;
  /** Stops one analyzer (the host's fail). */
  fail(analyzer: AnalyzerId, err: Error): void;
  store(analyzer: AnalyzerId, batch: ResultBatch): Promise<void>;
  pushLive(analyzer: AnalyzerId, msg: LiveResult): void;
  onQuarantine?(q: QuarantineRow): void;
}

export interface MinorGate {
  readonly tripped: boolean;
  /** Every batch age emits, before any consumer sees it. */
  onAgeBatch(batch: ResultBatch): Promise<void>;
  /** An analyzer failed (the host's failure path). */
  onFailure(analyzer: AnalyzerId, code: string): Promise<void>;
}

export function createMinorGate(o: MinorGateOptions): MinorGate {
  let tripped = false;
  const trip = async (q: QuarantineRow, stop: InferenceError): Promise<void> => {
    if (tripped) return;
    // Stop first, synchronously: nothing gated sees another frame, whatever happens next.
    tripped = true;
    for (const g of o.gated) o.fail(g, stop);
    try {
      o.onQuarantine?.(q);
    } catch {
      // The listener's bug must not keep the row from being stored.
    }
    o.pushLive(o.gated[0]!, { kind: 'quarantine', ts: q.ts, data: q });
    await o.store(o.gated[0]!, { table: 'quarantines', rows: [q] });
    await o.store(o.gated[0]!, { table: 'audit_events', rows: [auditRow(q)] });
  };
  return {
    get tripped() {
      return tripped;
    },
    async onAgeBatch(batch) {
      if (tripped || batch.table !== AGE_VERDICTS) return;
      for (const v of batch.rows as AgeVerdictRow[]) {
        // 'clear' passes; 'skipped' frames are never classified (the gated analyzers see only clear ones).
        if (v.verdict !== 'minor' && v.verdict !== 'unknown') continue;
        const code = v.verdict === 'minor' ? 'SAFETY_MINOR_DETECTED' : 'SAFETY_AGE_UNKNOWN';
        const q = quarantineRow(o.sourceId, v.ts, code, o.gated, v, '');
        await trip(q, new InferenceError('SAFETY_MINOR_STOP', q.reason));
        return;
      }
    },
    async onFailure(analyzer, code) {
      if (tripped || !o.chain.has(analyzer)) return;
      const q = quarantineRow(
        o.sourceId,
        Date.now(),
        'SAFETY_AGE_GATE_FAILED',
        o.gated,
        null,
        `${analyzer}: ${code}`,
      );
      await trip(q, new InferenceError('SAFETY_AGE_GATE_FAILED', q.reason));
    },
  };
}
