import { describe, expect, it } from 'vitest';
import { formatDuration, renderProgress } from '../src/progress.ts';
import { toCsv, toTable } from '../src/output.ts';

describe('progress rendering', () => {
  it('shows a bar with frames, fps, realtime factor and ETA for files', () => {
    const line = renderProgress(
      { frames: 50, mediaMs: 10_000, totalMs: 40_000, dropped: 0, buffered: 0 },
      5_000,
      20,
    );
    expect(line).toMatch(/^█{5}░{15}\s+25% \| 50 frames \| 10\.0 fps \| 2\.0x realtime \| ETA 00:15$/);
  });

  it('shows a spinner with elapsed time for live sources, and drops when there are any', () => {
    const line = renderProgress(
      { frames: 30, mediaMs: 6_000, totalMs: null, dropped: 4, buffered: 0 },
      65_000,
      20,
      0,
    );
    expect(line).toBe('⠋ live 01:05 | 30 frames | 0.5 fps | dropped 4');
  });

  it('formats durations', () => {
    expect(formatDuration(3_725_000)).toBe('1:02:05');
    expect(formatDuration(59_400)).toBe('00:59');
  });
});

describe('output formats', () => {
  it('quotes CSV fields that need it', () => {
    expect(toCsv(['a', 'b'], [['x,y', 'say "hi"']])).toBe('a,b\n"x,y","say ""hi"""\n');
  });
  it('aligns table columns', () => {
    expect(
      toTable(
        ['class', 'n'],
        [
          ['person', 12],
          ['car', 3],
        ],
      ),
    ).toBe('class   n\n------  --\nperson  12\ncar     3\n');
  });
});
