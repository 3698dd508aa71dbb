// RFC 4180 CSV: CRLF line ends, a header row, fields quoted when they hold a comma, a quote, a line
// break or edge spaces, quotes doubled inside quoted fields.
import { Readable } from 'node:stream';

export type CsvValue = string | number | boolean | null | undefined;

/** One CSV field. */
export function csvField(v: CsvValue): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** One CSV record including its CRLF. */
export function csvLine(values: readonly CsvValue[]): string {
  return values.map(csvField).join(',') + '\r\n';
}

/** A CSV document as a whole string (small tables, tests). */
export function toCsv(header: readonly string[], rows: Iterable<readonly CsvValue[]>): string {
  let out = csvLine(header);
  for (const r of rows) out += csvLine(r);
  return out;
}

/**
 * A CSV document as a stream: records are formatted in chunks as the socket takes them, so a large
 * export never exists twice in memory (records + text).
 */
export function csvStream<T>(
  header: readonly string[],
  items: readonly T[],
  row: (item: T) => readonly CsvValue[],
): Readable {
  const CHUNK_ROWS = 2000;
  function* chunks(): Generator<string> {
    yield csvLine(header);
    for (let i = 0; i < items.length; i += CHUNK_ROWS) {
      let s = '';
      const end = Math.min(items.length, i + CHUNK_ROWS);
      for (let k = i; k < end; k++) s += csvLine(row(items[k]!));
      yield s;
    }
  }
  return Readable.from(chunks());
}
