import { describe, expect, it } from 'vitest';
import { createWindower, validateWindowSpec, windowsContaining } from '@aima/inference';

describe('windowsContaining', () => {
  it('tumbling windows: each ts in exactly one window', () => {
    const w = { lengthMs: 1000, strideMs: 1000 };
    expect(windowsContaining(0, 0, w).map((b) => b.windowId)).toEqual([0]);
    expect(windowsContaining(999, 0, w).map((b) => b.windowId)).toEqual([0]);
    expect(windowsContaining(1000, 0, w).map((b) => b.windowId)).toEqual([1]);
  });

  it('overlapping windows: ts in length/stride windows', () => {
    const w = { lengthMs: 2000, strideMs: 500 };
    expect(windowsContaining(1700, 100, w).map((b) => b.windowId)).toEqual([0, 1, 2, 3]);
    expect(windowsContaining(2100, 100, w).map((b) => [b.windowId, b.startTs])).toEqual([
      [1, 600],
      [2, 1100],
      [3, 1600],
      [4, 2100],
    ]);
  });

  it('rejects a stride longer than the window', () => {
    expect(() => validateWindowSpec({ lengthMs: 500, strideMs: 1000 })).toThrow(
      expect.objectContaining({ code: 'INFER_BAD_CONFIG' }),
    );
  });
});

describe('createWindower', () => {
  it('closes windows when a later item arrives, and flushes the rest', () => {
    const win = createWindower<number>({ lengthMs: 1000, strideMs: 1000 });
    const closed: Array<[number, number[]]> = [];
    for (const ts of [0, 200, 400, 1000, 1200, 3100]) {
      for (const w of win.push(ts, ts)) closed.push([w.windowId, w.items]);
    }
    expect(closed).toEqual([
      [0, [0, 200, 400]],
      [1, [1000, 1200]],
    ]);
    expect(win.flush().map((w) => [w.windowId, w.items])).toEqual([[3, [3100]]]);
  });

  it('puts each item into every overlapping window', () => {
    const win = createWindower<number>({ lengthMs: 1000, strideMs: 500 });
    const seen: Array<[number, number[]]> = [];
    for (const ts of [0, 250, 500, 750, 1000, 1250, 1500])
      for (const w of win.push(ts, ts)) seen.push([w.windowId, w.items]);
    expect(seen).toEqual([
      [0, [0, 250, 500, 750]],
      [1, [500, 750, 1000, 1250]],
    ]);
  });
});
