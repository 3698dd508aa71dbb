/**
 * The seam between the shared store logic and an engine. Each adapter (chDB Session, ClickHouse
 * server client) implements only these four calls, so the SQL, row mapping and query logic live
 * once, in store.ts and sql.ts. Drivers convert engine errors to StoreError themselves, because
 * only they know what to scrub (the server URL's credentials).
 */

/** A statement with `{name:Type}` placeholders and the values bound to them (never spliced in). */
export interface SqlQuery {
  readonly sql: string;
  readonly params: Readonly<Record<string, unknown>>;
}

/** Tables the store writes rows into; a closed set, so a table name never comes from input. */
export type TableName =
  | 'sources'
  | 'windows'
  | 'detections'
  | 'tracks'
  | 'gaps'
  | 'faces'
  | 'appearances'
  | 'persons'
  | 'person_events'
  | 'shots'
  | 'speech_segments'
  | 'loudness'
  | 'audio_events'
  | 'transcript_segments'
  | 'transcript_words'
  | 'speaker_turns'
  | 'speakers'
  | 'speech_rate'
  | 'jobs'
  | 'job_items'
  | 'queue_entries'
  | 'queue_groups'
  | 'workers'
  | 'join_tokens'
  | 'result_batches'
  | 'gpu_instances'
  | 'gpu_ledger'
  | 'poses'
  | 'pose_features'
  | 'tags'
  | 'age_estimates'
  | 'nsfw_scores'
  | 'quarantines'
  | 'audit_events'
  | 'safety_events'
  | 'risk_scores'
  | 'schema_migrations';

export interface Driver {
  readonly kind: 'embedded' | 'server';
  /** Runs a statement without a result (DDL, or a DELETE with bound parameters). */
  exec(sql: string | SqlQuery, signal?: AbortSignal): Promise<void>;
  /** Runs a SELECT and returns its rows as parsed JSONEachRow objects. */
  query<T>(q: SqlQuery, signal?: AbortSignal): Promise<T[]>;
  /** Inserts JSONEachRow objects synchronously (`async_insert = 0`): resolves once stored. */
  insert(table: TableName, rows: readonly object[]): Promise<void>;
  /** Releases the engine connection; called once, after every operation has settled. */
  close(): Promise<void>;
}
