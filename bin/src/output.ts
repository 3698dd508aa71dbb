import { writeFile } from 'node:fs/promises';
import { CliError } from './errors.ts';

/** RFC 4180 CSV: quote fields holding separators, quotes or newlines. */
export function toCsv(
  header: readonly string[],
  rows: ReadonlyArray<ReadonlyArray<string | number | boolean>>,
): string {
  const cell = (v: string | number | boolean): string => {
    const s = String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\n') + '\n';
}

/** A fixed-width text table for terminals. */
export function toTable(
  header: readonly string[],
  rows: ReadonlyArray<ReadonlyArray<string | number>>,
): string {
  const cells = [header, ...rows].map((r) => r.map(String));
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i]?.length ?? 0)));
  const line = (r: string[]): string =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return (
    [line(cells[0]!), line(widths.map((w) => '-'.repeat(w))), ...cells.slice(1).map(line)].join('\n') + '\n'
  );
}

export async function writeOutput(file: string, text: string): Promise<void> {
  try {
    await writeFile(file, text);
  } catch (err) {
    throw new CliError(
      'CLI_OUTPUT_FAILED',
      `cannot write ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
      { cause: err },
    );
  }
}

/** What an API command prints: the server's `value` as JSON with --json, else `text`; exit code 0. */
export function printer(
  stdout: NodeJS.WritableStream,
  json: boolean,
): (value: unknown, text: string) => number {
  return (value, text) => {
    stdout.write(json ? JSON.stringify(value, null, 2) + '\n' : text);
    return 0;
  };
}

/** US dollars: four decimals under $1 (a few GPU seconds' worth), else two. */
export const usd = (n: number): string => `$${n.toFixed(n < 1 ? 4 : 2)}`;

/** ISO-8601 in UTC with ms. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Media time as h:mm:ss.s (for file sources, where ts - epoch is the position in the file). */
export function mediaTime(ms: number): string {
  const t = Math.max(0, ms) / 1000;
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const s = (t % 60).toFixed(1).padStart(4, '0');
  return `${h}:${String(m).padStart(2, '0')}:${s}`;
}
